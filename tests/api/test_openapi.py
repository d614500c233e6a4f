"""openapi.yaml stays in step with the Chalice routes and the error codes of chalicelib.core.errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
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
    from chalicelib.core import errors, quiz_errors

    modules = (errors, quiz_errors)
    found = [cls for module in modules for cls in vars(module).values() if isinstance(cls, type)]
    return {cls.code for cls in found if issubclass(cls, errors.DomainError) and hasattr(cls, "code")}


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


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method.upper(), operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_exactly_the_admin_tagged_operations_require_the_bearer_scheme_and_document_401(spec):
    for path, method, operation in operations(spec):
        admin = "admin" in operation.get("tags", [])
        assert (operation.get("security") == [{"bearerAuth": []}]) == admin, (path, method)
        if admin:
            assert "401" in operation["responses"], (path, method)


@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["no token", "wrong token"])
def test_the_operations_documented_as_admin_are_the_ones_that_refuse_a_caller_without_the_token(spec, client, token):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    refused, documented = set(), set()
    for path, method, operation in operations(spec):
        if method == "OPTIONS":
            continue
        if "admin" in operation.get("tags", []):
            documented.add((path, method))
        url = path.replace("{poll_id}", "some-poll")
        body = "{}" if method in ("POST", "PATCH") else None
        response = client.http.request(method, url, headers=headers, body=body)
        if response.status_code == 401:
            refused.add((path, method))
    if token is None:
        assert refused == documented
    else:  # a wrong token is refused everywhere the token is read: admin routes and results (admin view)
        assert refused == documented | {("/polls/{poll_id}/results", "GET")}


def test_every_admin_operation_documents_403_for_a_signed_in_user_in_the_wrong_group(spec):
    for path, method, operation in operations(spec):
        if "admin" in operation.get("tags", []):
            assert operation["responses"].get("403") == {"$ref": "#/components/responses/Forbidden"}, (path, method)
