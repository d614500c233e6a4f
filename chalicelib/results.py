"""Results: summed shard counts, cached about a second per process, and who may see them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chalicelib import clock, polls, storage
from chalicelib.cache import TTLCache
from chalicelib.domain import Counts, Poll
from chalicelib.errors import PollNotFound, ResultsHidden
from chalicelib.settings import get_settings

# A cold read asks for this many shards alongside the poll item before it knows the
# poll's real shard count (the default), so polls with default shards need one request.
GUESSED_SHARDS = 10


@dataclass(frozen=True)
class Tally:
    """A poll's definition with its counts as of a moment."""

    poll: Poll
    counts: Counts
    as_of: float


_cache: TTLCache[Tally] = TTLCache()


def percent(votes: int, voters: int) -> float:
    """Return votes as a percentage of voters, rounded half up to one decimal (0 with no voters)."""
    if voters <= 0:
        return 0.0
    value = Decimal(votes * 100) / Decimal(voters)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def to_body(tally: Tally, now: float) -> dict[str, Any]:
    """Build the results document (GET /polls/{id}/results)."""
    poll, counts = tally.poll, tally.counts
    return {
        "poll_id": poll.id,
        "question": poll.question,
        "status": poll.status_at(now),
        "total_voters": counts.voters,
        "options": [
            {
                "id": o.id,
                "label": o.label,
                "votes": counts.votes.get(o.id, 0),
                "percent": percent(counts.votes.get(o.id, 0), counts.voters),
            }
            for o in poll.options
        ],
        "as_of": clock.to_iso(tally.as_of),
    }


def _read(poll_id: str) -> Tally:
    """Read the poll and its shards: one BatchGetItem when the shard count is known or default."""
    known = polls.cached(poll_id)
    shards = known.shards if known is not None else GUESSED_SHARDS
    with_poll = known is None or shards < storage.BATCH_GET_LIMIT
    as_of = clock.now()
    found, counts = storage.read_counts(poll_id, range(shards), with_poll=with_poll)
    if with_poll:
        polls.remember(found, poll_id)
        if found is None:
            raise PollNotFound(f"no poll with id '{poll_id}'")
    poll = found or known
    assert poll is not None
    if poll.shards > shards:  # the guess was short: read the remaining shards
        _, rest = storage.read_counts(poll_id, range(shards, poll.shards), with_poll=False)
        counts.merge(rest.votes, rest.voters)
    return Tally(poll=poll, counts=counts, as_of=as_of)


def current(poll_id: str) -> Tally:
    """Return the poll's tally from the process cache (about a second old at most) or the store."""
    polls.validate_poll_id(poll_id)
    entry = _cache.get(poll_id, get_settings().results_cache_seconds)
    if entry is not None:
        return entry[1]
    tally = _read(poll_id)
    _cache.put(poll_id, tally)
    return tally


def after_vote(poll: Poll, options: list[str]) -> Tally:
    """Return the tally including a vote just committed by this process.

    A fresh cached tally was read before the vote committed, so adding the vote to it
    is exact for this process; otherwise the store is read (and includes the vote).
    """
    entry = _cache.get(poll.id, get_settings().results_cache_seconds)
    if entry is None:
        return current(poll.id)
    stored_at, tally = entry
    counts = tally.counts.copy()
    counts.add(options)
    bumped = Tally(poll=tally.poll, counts=counts, as_of=tally.as_of)
    _cache.replace(poll.id, stored_at, bumped)
    return bumped


def visible_to_voter(poll: Poll, now: float) -> bool:
    """Tell whether someone who has just voted (or already had) may see the results."""
    if poll.results_visibility in ("always", "after_vote"):
        return True
    return poll.results_visibility == "after_close" and poll.status_at(now) == "closed"


def for_reader(poll_id: str, voter: str | None, is_admin: bool) -> tuple[dict[str, Any], bool]:
    """Return (results, cacheable) for a reader, or ResultsHidden when visibility forbids it."""
    from chalicelib import votes  # noqa: PLC0415 - votes imports this module

    tally = current(poll_id)
    now = clock.now()
    visibility = tally.poll.results_visibility
    if is_admin:
        return to_body(tally, now), False
    if visibility == "always":
        return to_body(tally, now), voter is None
    if visibility == "after_close":
        if tally.poll.status_at(now) == "closed":
            return to_body(tally, now), voter is None
        raise ResultsHidden("results are published when the poll closes")
    if visibility == "after_vote" and voter is not None and votes.has_voted(tally.poll, voter):
        return to_body(tally, now), False
    if visibility == "after_vote":
        raise ResultsHidden("results are shown to those who have voted")
    raise ResultsHidden("results of this poll are not published")


def forget(poll_id: str) -> None:
    """Drop a poll's cached tally (after it changed or was deleted)."""
    _cache.invalidate(poll_id)


def reset_cache() -> None:
    """Forget cached tallies (tests)."""
    _cache.clear()
