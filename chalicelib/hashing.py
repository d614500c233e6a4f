"""Keyed hashes: how voter tokens and IP addresses are stored without identifying anyone."""

from __future__ import annotations

import hashlib
import hmac

from chalicelib.settings import get_secrets


def keyed_hash(*parts: str) -> str:
    """Return the hex HMAC-SHA256 of the parts under the stage's secret key."""
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(get_secrets().hmac_key, message, hashlib.sha256).hexdigest()


def tokens_match(given: str, expected: str) -> bool:
    """Compare two secrets in constant time."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
