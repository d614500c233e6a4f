"""Results: a poll's tally, cached about a second per process, shown as its visibility allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core import visibility
from chalicelib.core.counts import Tally, results_document
from chalicelib.core.errors import PollNotFound
from chalicelib.core.poll import DEFAULT_SHARDS, Poll
from chalicelib.core.validation import validate_poll_id
from chalicelib.core.votes import check_voter
from chalicelib.runtime import clock, observability
from chalicelib.runtime.secrets import keyed_hash
from chalicelib.services import catalog
from chalicelib.store.adapters import store


@dataclass(frozen=True)
class ReaderResults:
    """Results for one reader, and whether a shared cache (a CDN) may keep them."""

    document: dict[str, Any]
    shareable: bool


def voter_hash(poll: Poll, voter: str) -> str:
    """Return the keyed hash that identifies a voter in a poll (no token is stored)."""
    return keyed_hash("ballot", poll.scope, voter)


def _read(poll_id: str) -> Tally:
    """Read the poll and its shards: one BatchGetItem per 100 keys when the shard count is known or the default."""
    known = catalog.cached_poll(poll_id)
    shards = known.shards if known is not None else DEFAULT_SHARDS
    as_of = clock.now()
    # The poll item always rides along: its shard count may have risen since this process cached it.
    poll, counts = store().read_counts(poll_id, range(shards), with_poll=True)
    catalog.remember(poll_id, poll)
    if poll is None:
        raise PollNotFound(f"no poll with id '{poll_id}'")
    if poll.shards > shards:  # the guess was short, or the poll was resharded: read the remaining shards
        _, rest = store().read_counts(poll_id, range(shards, poll.shards), with_poll=False)
        counts.merge(rest.votes, rest.voters)
    return Tally(poll=poll, counts=counts, as_of=as_of)


def current(poll_id: str) -> Tally:
    """Return the poll's tally from the process cache (about a second old at most) or the store."""
    validate_poll_id(poll_id)
    entry = catalog.tally(poll_id)
    if entry is not None:
        observability.count_by(observability.RESULTS_READS, observability.SOURCE_DIMENSION, "cache")
        return entry[1]
    observability.count_by(observability.RESULTS_READS, observability.SOURCE_DIMENSION, "store")
    tally = _read(poll_id)
    catalog.remember_tally(poll_id, tally)
    return tally


def after_vote(poll: Poll, options: list[str]) -> Tally:
    """Return the tally including a vote just committed by this process.

    A fresh cached tally was read before the vote committed, so adding the vote to it
    is exact for this process; otherwise the store is read (and includes the vote).
    """
    entry = catalog.tally(poll.id)
    if entry is None:
        return current(poll.id)
    stored_at, tally = entry
    counts = tally.counts.copy()
    counts.add(options)
    bumped = Tally(poll=tally.poll, counts=counts, as_of=tally.as_of)
    catalog.remember_tally(poll.id, bumped, stored_at)
    return bumped


def for_voter(poll: Poll, options: list[str] | None, lang: str | None = None) -> dict[str, Any] | None:
    """Return the results a voter sees after voting (with their vote when given), or None if hidden."""
    now = clock.now()
    if not visibility.shown(poll, now, voted=True):
        return None
    tally = after_vote(poll, options) if options is not None else current(poll.id)
    return results_document(tally, now, lang)


def has_voted(poll: Poll, voter: str) -> bool:
    """Tell whether this voter token has a ballot in the poll."""
    check_voter(voter)
    if not poll.block.keeps_ballots:
        return False
    return store().ballot_exists(poll, voter_hash(poll, voter))


def for_reader(poll_id: str, voter: str | None, is_admin: bool, lang: str | None = None) -> ReaderResults:
    """Return the results for a reader (in the language asked for where there is one), or raise ResultsHidden."""
    tally = current(poll_id)
    now = clock.now()
    document = results_document(tally, now, lang)
    if is_admin:
        return ReaderResults(document, shareable=False)
    if visibility.is_public(tally.poll, now):
        return ReaderResults(document, shareable=voter is None)
    if voter is not None and visibility.needs_ballot_check(tally.poll, now) and has_voted(tally.poll, voter):
        return ReaderResults(document, shareable=False)
    raise visibility.hidden(tally.poll)
