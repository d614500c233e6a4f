"""Building responses: JSON bodies with their caching headers, and the one mapping from errors to responses."""

from __future__ import annotations

import json
from typing import Any

from chalice import Response

from chalicelib.core.caching import NO_STORE
from chalicelib.core.errors import DomainError


def json_response(
    body: Any, status: int = 200, cache: str = NO_STORE, headers: dict[str, str] | None = None
) -> Response:
    """Build a JSON response with a Cache-Control header."""
    all_headers: dict[str, str | list[str]] = {"Content-Type": "application/json", "Cache-Control": cache}
    all_headers.update(headers or {})
    return Response(
        body=json.dumps(body, ensure_ascii=False) if body is not None else "", status_code=status, headers=all_headers
    )


def empty_response(status: int = 204) -> Response:
    """Build a response without a body."""
    return Response(body="", status_code=status, headers={"Cache-Control": NO_STORE})


def error_body(code: str, message: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the API's error document."""
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    for key, value in (extra or {}).items():
        if key == "field":
            body["error"]["field"] = value
        else:
            body[key] = value
    return body


def error_response(error: DomainError) -> Response:
    """Turn a domain error into the API's JSON error response."""
    return json_response(
        error_body(error.code, error.message, error.extra), status=error.status, headers=dict(error.headers)
    )
