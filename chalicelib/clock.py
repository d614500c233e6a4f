"""The current time, in one place so tests can move it."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    """Return the current time as seconds since the epoch."""
    return time.time()


def to_iso(epoch: float | None) -> str | None:
    """Format epoch seconds as ISO 8601 UTC with a Z suffix, or None."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """Parse an ISO 8601 time (UTC when it has no offset) into epoch seconds; ValueError if bad."""
    if not isinstance(text, str) or not 10 <= len(text) <= 40:
        raise ValueError("not an ISO 8601 time")
    value = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
