"""Who is calling: editors signed in through the stage's Cognito user pool, the service token, the system."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.core.errors import Forbidden, Unauthorized

SERVICE_NAME = "service-token"
SYSTEM_NAME = "system"
JWT_RE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
MAX_TOKEN = 8192


class Group(StrEnum):
    """The user pool's groups the app knows; any other group grants nothing."""

    EDITORS = "editors"
    ADMINS = "admins"


class Role(StrEnum):
    """What a route needs: editors may do everything but delete polls and void votes, which need admins."""

    EDITOR = "editor"
    ADMIN = "admin"


class ActorKind(StrEnum):
    """The kinds of caller an audit entry names."""

    EDITOR = "editor"
    SERVICE = "service"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """A verified caller: a person (email and Cognito sub, groups), the service token, or the system itself."""

    kind: ActorKind
    name: str
    id: str | None = None
    groups: frozenset[Group] = frozenset()

    def may(self, role: Role) -> bool:
        """Tell whether this caller holds a role (the service token and the system hold every role)."""
        if self.kind is not ActorKind.EDITOR or Group.ADMINS in self.groups:
            return True
        return role is Role.EDITOR and Group.EDITORS in self.groups

    def require(self, role: Role) -> Actor:
        """Return self, or raise Forbidden when the caller lacks the role."""
        if not self.may(role):
            wanted = Group.ADMINS if role is Role.ADMIN else Group.EDITORS
            raise Forbidden(f"this needs the '{wanted.value}' group")
        return self

    def as_dict(self) -> dict[str, Any]:
        """Return who this is, to record with work that finishes later (its groups are not kept)."""
        return {"kind": self.kind.value, "name": self.name, "id": self.id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Actor:
        """Read an actor recorded with as_dict."""
        return cls(ActorKind(str(data["kind"])), str(data["name"]), None if data.get("id") is None else str(data["id"]))


SERVICE = Actor(ActorKind.SERVICE, SERVICE_NAME)
SYSTEM = Actor(ActorKind.SYSTEM, SYSTEM_NAME)


def looks_like_jwt(token: str) -> bool:
    """Tell whether a bearer token has a JWT's shape (three base64url parts)."""
    return len(token) <= MAX_TOKEN and JWT_RE.fullmatch(token) is not None


def jwt_claims(token: str) -> dict[str, Any]:
    """Decode a JWT's payload WITHOUT checking its signature: only for a token Cognito has just accepted."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthorized("the sign-in token is not valid") from exc
    if not isinstance(claims, dict):
        raise Unauthorized("the sign-in token is not valid")
    return claims


def editor_from(
    claims: dict[str, Any], attributes: dict[str, str], issuer: str, client_ids: tuple[str, ...], now: float
) -> Actor:
    """Build the editor of an access token Cognito accepted, once it is shown to be this pool's, for this app.

    Cognito's GetUser accepts an access token of any user pool, so the issuer and client are checked here:
    a token from another pool (where anyone could make an `admins` group) must grant nothing.
    """
    if claims.get("token_use") != "access" or claims.get("iss") != issuer:
        raise Unauthorized("the sign-in token is not from this stage's user pool")
    if claims.get("client_id") not in client_ids:
        raise Unauthorized("the sign-in token is not for the editors' console")
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires <= now:
        raise Unauthorized("the sign-in has expired; sign in again")
    sub = attributes.get("sub") or str(claims.get("sub") or "")
    if not sub:
        raise Unauthorized("the sign-in token names no user")
    raw_groups = claims.get("cognito:groups") or []
    known = {group.value for group in Group}
    groups = frozenset(Group(g) for g in raw_groups if isinstance(g, str) and g in known)
    return Actor(ActorKind.EDITOR, attributes.get("email") or sub, sub, groups)
