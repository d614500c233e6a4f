"""How long ballots are kept: RETENTION_DAYS past their poll's final close, whatever the poll's changes."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.core.poll import Poll
from chalicelib.runtime.settings import get_settings

DAY = 86400


def needed_until(poll: Poll, now: float) -> int:
    """Return until when the poll's ballots must be kept, as the poll now stands.

    RETENTION_DAYS past its close time; a poll with no close time is given OPEN_ENDED_DAYS from now (the snapshot
    job extends that while it stays open), and a poll closed now is kept from now.
    """
    settings = get_settings()
    end = poll.closes_at if poll.closes_at is not None else int(now) + settings.open_ended_days * DAY
    if poll.closed:
        end = min(end, poll.closed_at if poll.closed_at is not None else int(now))
    return max(end, int(now)) + settings.retention_days * DAY


def ballot_expiry(poll: Poll, now: float) -> int:
    """Return the expiry a new ballot gets: at least the poll's keep_until (what every ballot of it has)."""
    return max(poll.keep_until, needed_until(poll, now))


def kept(poll: Poll, now: float) -> Poll:
    """Return the poll with keep_until raised to what its ballots now need (never lowered).

    A raise means the ballots already stored must be kept longer: the snapshot job refreshes them through the
    by-poll index (services.upkeep), so extending or reopening a poll never lets TTL take a ballot while it is open.
    """
    needed = needed_until(poll, now)
    return replace(poll, keep_until=needed) if needed > poll.keep_until else poll


def running_low(poll: Poll, now: float) -> bool:
    """Tell whether an open poll without a close time is nearing its ballots' keep_until (half the margin left)."""
    settings = get_settings()
    if poll.closes_at is not None or poll.closed:
        return False
    return poll.keep_until - now < (settings.retention_days + settings.open_ended_days / 2) * DAY
