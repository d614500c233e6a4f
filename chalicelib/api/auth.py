"""Admin authentication: the stage's bearer token."""

from __future__ import annotations

from chalice.app import Request

from chalicelib.core.errors import Unauthorized
from chalicelib.runtime.secrets import get_secrets, tokens_match


def bearer_token(request: Request) -> str | None:
    """Return the bearer token of the Authorization header, if any ("" for a malformed header)."""
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
