"""Identifying callers: the service token, or an editor's Cognito access token verified by the user pool."""

from __future__ import annotations

import hashlib

from chalicelib.core.errors import Unauthorized
from chalicelib.core.identity import SERVICE, Actor, editor_from, jwt_claims, looks_like_jwt
from chalicelib.runtime import clock, state
from chalicelib.runtime.cache import TTLCache
from chalicelib.runtime.secrets import get_secrets, tokens_match
from chalicelib.runtime.settings import get_settings, user_pool_issuer
from chalicelib.store import cognito

_verified: TTLCache[tuple[Actor, float]] = TTLCache(max_entries=1024)


def actor_for(token: str) -> Actor:
    """Return who a bearer token belongs to, or raise Unauthorized.

    The service token (the stage secret's `admin_token`) is compared in constant time; anything else must
    be an access token of the stage's user pool, issued to one of its console clients, that Cognito still
    accepts. A verified token is trusted for IDENTITY_CACHE_SECONDS, never past its expiry.
    """
    expected = get_secrets().admin_token
    if expected and tokens_match(token, expected):
        return SERVICE
    settings = get_settings()
    issuer = user_pool_issuer(settings)
    if issuer is None or not looks_like_jwt(token):
        raise Unauthorized("a valid bearer token is required: the service token or an editor's sign-in")
    key = hashlib.sha256(token.encode("utf-8")).hexdigest()
    now = clock.now()
    cached = _verified.get(key, settings.identity_cache_seconds)
    if cached is not None and cached[1][1] > now:
        return cached[1][0]
    claims = jwt_claims(token)
    # Checked before asking Cognito too, so a token from elsewhere costs no call; checked again on the answer.
    editor_from(claims, {}, issuer, settings.user_pool_client_ids, now)
    attributes = cognito.user_attributes(token)
    actor = editor_from(claims, attributes, issuer, settings.user_pool_client_ids, now)
    if settings.identity_cache_seconds > 0:
        _verified.put(key, (actor, float(claims["exp"])))
    return actor


state.register("identity", _verified.clear)
