"""Who is calling, and may they: the service token or an editor's Cognito sign-in, checked on every admin route."""

from __future__ import annotations

from chalice.app import Request

from chalicelib.core.errors import Unauthorized
from chalicelib.core.identity import Actor, Role
from chalicelib.services import identity


def bearer_token(request: Request) -> str | None:
    """Return the bearer token of the Authorization header, if any ("" for a malformed header)."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else ""


def caller(request: Request) -> Actor | None:
    """Return the verified caller, None without credentials; 401 for a wrong, expired or revoked token."""
    token = bearer_token(request)
    if token is None:
        return None
    if not token:
        raise Unauthorized("a valid bearer token is required: the service token or an editor's sign-in")
    return identity.actor_for(token)


def require(request: Request, role: Role) -> Actor:
    """Return the caller if they hold the role: 401 without valid credentials, 403 `forbidden` for a wrong group."""
    found = caller(request)
    if found is None:
        raise Unauthorized("a valid bearer token is required: the service token or an editor's sign-in")
    return found.require(role)


def require_editor(request: Request) -> Actor:
    """Return the caller if they may edit polls (`editors` or `admins`, or the service token)."""
    return require(request, Role.EDITOR)


def require_admin(request: Request) -> Actor:
    """Return the caller if they may delete polls and void votes (`admins`, or the service token)."""
    return require(request, Role.ADMIN)


def is_staff(request: Request) -> bool:
    """Tell whether the caller may see any poll's results (editors and admins); 401 for a wrong token."""
    found = caller(request)
    return found is not None and found.may(Role.EDITOR)
