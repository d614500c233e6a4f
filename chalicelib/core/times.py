"""Time formats: epoch seconds to and from ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, datetime

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100  # times outside these years are refused wherever a time is read


def to_iso(epoch: float | None) -> str | None:
    """Format epoch seconds as ISO 8601 UTC with a Z suffix, or None."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """Parse an ISO 8601 time (UTC when it has no offset, years 2000 to 2100) into epoch seconds; ValueError if bad."""
    if not isinstance(text, str) or not 10 <= len(text) <= 40:
        raise ValueError("not an ISO 8601 time")
    value = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not EARLIEST_YEAR <= value.astimezone(UTC).year <= LATEST_YEAR:
        raise ValueError(f"a time from {EARLIEST_YEAR} to {LATEST_YEAR} is expected")
    return value.timestamp()


def minute_key(now: float) -> str:
    """Return the name of the minute window containing `now`: 2026-11-25T09:41Z -> 2026-11-25T09-41Z."""
    return str(to_iso(now))[:16].replace(":", "-") + "Z"
