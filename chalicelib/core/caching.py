"""Cache-Control values, written once for the API's responses and the archived snapshots."""

from __future__ import annotations

NO_STORE = "private, no-store"
IMMUTABLE = "public, max-age=31536000, immutable"


def public(max_age: int) -> str:
    """Return the Cache-Control value for a response a CDN may share for max_age seconds."""
    return f"public, max-age={max_age}"
