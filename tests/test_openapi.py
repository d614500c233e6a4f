"""openapi.yaml stays in step with the Chalice routes and the error codes of chalicelib.errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


def documented_operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in spec["paths"].items() for method in item if method in HTTP_METHODS}


def chalice_routes() -> set[tuple[str, str]]:
    from app import app

    return {(path, method) for path, entries in app.routes.items() for method in entries}


def all_error_codes() -> set[str]:
    from chalicelib import errors

    return {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ApiError) and cls is not errors.ApiError
    }


def test_the_spec_is_a_valid_openapi_document():
    import schemathesis

    schema = schemathesis.openapi.from_path(SPEC_PATH)
    schema.validate()  # raises on a document that breaks the OpenAPI schema


def test_every_chalice_route_is_documented(spec):
    missing = chalice_routes() - documented_operations(spec)
    assert not missing, f"routes missing from openapi.yaml: {sorted(missing)}"


def test_nothing_is_documented_that_the_app_does_not_route(spec):
    extra = documented_operations(spec) - chalice_routes()
    assert not extra, f"openapi.yaml documents operations the app does not have: {sorted(extra)}"


def test_every_error_code_the_api_can_send_is_in_the_error_schema(spec):
    documented = set(spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"])
    assert all_error_codes() <= documented, sorted(all_error_codes() - documented)


def test_admin_operations_require_the_bearer_scheme_and_document_401(spec):
    admin = [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS and "admin" in operation.get("tags", [])
    ]
    assert {(path, method.upper()) for path, method, _ in admin} == {
        ("/polls", "POST"),
        ("/polls", "GET"),
        ("/polls/{poll_id}", "PATCH"),
        ("/polls/{poll_id}", "DELETE"),
        ("/snapshots", "POST"),
    }
    for path, method, operation in admin:
        assert operation["security"] == [{"bearerAuth": []}], (path, method)
        assert "401" in operation["responses"], (path, method)
