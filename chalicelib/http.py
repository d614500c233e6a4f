"""HTTP concerns shared by every route: errors to responses, CORS, caching headers, admin auth."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from chalice import Response
from chalice.app import Request

from chalicelib.errors import (
    ApiError,
    InternalError,
    InvalidJson,
    PayloadTooLarge,
    Unauthorized,
    from_chalice_response,
    to_response,
)
from chalicelib.hashing import tokens_match
from chalicelib.settings import get_secrets, get_settings

log = logging.getLogger("polls")

ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type"
EXPOSED_HEADERS = "Retry-After"  # not CORS-safelisted: without this a page on another origin cannot read it
PREFLIGHT_MAX_AGE = "86400"
NO_STORE = "private, no-store"
MAX_BODY_BYTES = 8 * 1024


def json_response(
    body: Any, status: int = 200, cache: str = NO_STORE, headers: dict[str, str] | None = None
) -> Response:
    """Build a JSON response with a Cache-Control header."""
    all_headers: dict[str, str | list[str]] = {"Content-Type": "application/json", "Cache-Control": cache}
    all_headers.update(headers or {})
    return Response(
        body=json.dumps(body, ensure_ascii=False) if body is not None else "", status_code=status, headers=all_headers
    )


def public_cache(max_age: int) -> str:
    """Return the Cache-Control value for a response a CDN may share."""
    return f"public, max-age={max_age}"


def _cors_headers(request: Request | None) -> dict[str, str]:
    """Return the CORS headers for this request's Origin under the stage's allowed origins."""
    allowed = get_settings().cors_origins
    if "*" in allowed:
        return {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSED_HEADERS}
    origin = request.headers.get("origin") if request is not None else None
    headers = {"Vary": "Origin"}
    if origin and origin in allowed:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return headers


def preflight() -> Response:
    """Answer a CORS preflight request."""
    return Response(
        body="",
        status_code=204,
        headers={
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            "Cache-Control": "public, max-age=86400",
        },
    )


def middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice HTTP middleware: map errors to the API's shape and add CORS headers to every answer."""
    try:
        response = get_response(event)
        if response.status_code >= 400:
            response = from_chalice_response(response)
    except ApiError as error:
        response = to_response(error)
    except Exception:  # noqa: BLE001 - the last line of defence: never a stack trace to callers
        log.exception("unhandled error on %s", getattr(event, "path", "?"))
        response = to_response(InternalError("an internal error occurred"))
    try:
        cors = _cors_headers(event)
    except Exception:  # noqa: BLE001 - settings errors must not hide the real response
        cors = {}
    for name, value in cors.items():
        if name == "Vary" and "Vary" in response.headers:
            response.headers[name] = f"{response.headers[name]}, {value}"
        else:
            response.headers.setdefault(name, value)
    return response


def bearer_token(request: Request) -> str | None:
    """Return the bearer token of the Authorization header, if any."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else ""


def is_admin(request: Request) -> bool:
    """Tell whether the request carries the stage's admin token; 401 for a wrong one."""
    token = bearer_token(request)
    if token is None:
        return False
    expected = get_secrets().admin_token
    if not expected or not tokens_match(token, expected):
        raise Unauthorized("a valid admin bearer token is required")
    return True


def require_admin(request: Request) -> None:
    """Raise Unauthorized unless the request carries the stage's admin token."""
    if not is_admin(request):
        raise Unauthorized("a valid admin bearer token is required")


def source_ip(request: Request) -> str | None:
    """Return the caller's IP from API Gateway's request context (never from a client header)."""
    identity = (request.context or {}).get("identity") or {}
    ip = identity.get("sourceIp")
    return str(ip) if ip else None


def query(request: Request, name: str) -> str | None:
    """Return a single query-string parameter, or None."""
    params = request.query_params
    value = params.get(name) if params is not None else None
    return None if value is None else str(value)


def parse_json_body(raw: bytes | str | None) -> Any:
    """Decode a request body of at most 8 KiB as JSON, or raise the matching API error."""
    if raw is None or len(raw) == 0:
        raise InvalidJson("the body must be a JSON object")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body must be at most {MAX_BODY_BYTES} bytes")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidJson("the body is not valid JSON") from exc
