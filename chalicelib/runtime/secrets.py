"""The stage's secrets (admin token, hashing key): env vars locally, Secrets Manager when SECRET_ID is set."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.runtime import state
from chalicelib.runtime.clients import client
from chalicelib.runtime.settings import get_settings

# A fixed HMAC key is acceptable only on the local stage, where nothing is real.
_LOCAL_HMAC_KEY = "local-stage-hmac-key-not-a-secret"
MIN_ADMIN_TOKEN = 24  # deployed stages refuse shorter admin tokens


@dataclass(frozen=True)
class Secrets:
    """The admin token and the key used to hash voter tokens and IPs."""

    admin_token: str | None
    hmac_key: bytes
    turnstile_secret: str | None = None  # only for stages whose newsrooms use Cloudflare Turnstile


_lock = threading.Lock()
_secrets: Secrets | None = None


def _load_secret_document(secret_id: str) -> dict[str, str]:
    """Fetch the stage's secret (a JSON document) from Secrets Manager."""
    try:
        raw = client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
        document = json.loads(raw)
    except Exception as exc:  # botocore or JSON: either way the stage cannot serve
        raise ServiceUnavailable("configuration is unavailable") from exc
    if not isinstance(document, dict):
        raise ServiceUnavailable("configuration is unavailable")
    return document


def get_secrets() -> Secrets:
    """Return the stage's secrets, loaded once per process."""
    global _secrets
    if _secrets is not None:
        return _secrets
    with _lock:
        if _secrets is None:
            settings = get_settings()
            token = os.environ.get("POLL_ADMIN_TOKEN") or None
            key = os.environ.get("POLL_HMAC_KEY") or None
            turnstile = os.environ.get("TURNSTILE_SECRET") or None
            if settings.secret_id and (token is None or key is None):
                document = _load_secret_document(settings.secret_id)
                token = token or document.get("admin_token") or None
                key = key or document.get("hmac_key") or None
                turnstile = turnstile or document.get("turnstile_secret") or None
            if key is None and settings.stage == "local":
                key = _LOCAL_HMAC_KEY
            if not key:
                raise ServiceUnavailable("configuration is unavailable")
            if settings.stage != "local" and token is not None and len(token) < MIN_ADMIN_TOKEN:
                token = None  # a placeholder or weak token disables the admin routes instead of guarding them
            _secrets = Secrets(admin_token=token, hmac_key=key.encode(), turnstile_secret=turnstile)
    return _secrets


_edge: list[str | None] = []


def edge_key() -> str | None:
    """Return the key CloudFront sends as X-Origin-Verify (EDGE_KEY, else the EDGE_SECRET_ID secret), once a process.

    Loaded only when a request claims to come through the edge, so the vote path's cold start does not pay for it.
    """
    if _edge:
        return _edge[0]
    with _lock:
        if not _edge:
            key = os.environ.get("EDGE_KEY") or None
            secret_id = get_settings().edge_secret_id
            if key is None and secret_id:
                try:
                    key = str(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]) or None
                except Exception as exc:  # botocore: either way the edge cannot be recognised
                    raise ServiceUnavailable("configuration is unavailable") from exc
            _edge.append(key if key and len(key) >= MIN_ADMIN_TOKEN else None)
    return _edge[0]


def keyed_hash(*parts: str) -> str:
    """Return the hex HMAC-SHA256 of the parts under the stage's secret key (how tokens and IPs are stored)."""
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(get_secrets().hmac_key, message, hashlib.sha256).hexdigest()


def tokens_match(given: str, expected: str) -> bool:
    """Compare two secrets in constant time."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def reset() -> None:
    """Forget the loaded secrets."""
    global _secrets
    with _lock:
        _secrets = None
        _edge.clear()


state.register("secrets", reset)
