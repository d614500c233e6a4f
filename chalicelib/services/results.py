"""Results: a poll's tally as folded and published (one small read, kept a second), shown as visibility allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core import quiz, visibility
from chalicelib.core.counts import Tally, results_document
from chalicelib.core.poll import Poll
from chalicelib.core.votes import OwnBallot, check_voter
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


def _published(poll_id: str) -> tuple[Tally, float | None]:
    """Return the poll's results as folded and published (read at most a second ago), and when they were summed."""
    published, read_at, from_store = catalog.read(poll_id)
    source = "store" if from_store else "cache"
    observability.count_by(observability.RESULTS_READS, observability.SOURCE_DIMENSION, source)
    return Tally(poll=published.poll, counts=published.counts, as_of=published.at or read_at), published.at


def current(poll_id: str) -> Tally:
    """Return the poll's results as folded and published (read at most a second ago), as of the publisher's sum."""
    return _published(poll_id)[0]


def _with_own(tally: Tally, counted_at: float | None, ballot: OwnBallot | None) -> Tally:
    """Add a voter's own ballot to a copy of the tally if the published counts cannot hold it yet.

    A copy, never the cached tally: concurrent requests neither lose nor double a vote."""
    if ballot is None or not ballot.newer_than(counted_at):
        return tally
    counts = tally.counts.copy()
    counts.add(list(ballot.options) + quiz.markers(tally.poll, ballot.options))
    return Tally(poll=tally.poll, counts=counts, as_of=tally.as_of)


def for_voter(
    poll: Poll, ballot: OwnBallot | None, lang: str | None = None, *, just_written: bool = False
) -> dict[str, Any] | None:
    """Return the results a voter sees after voting, or None if hidden: the folded tally, with their own ballot
    until the published counts hold it (always, for a ballot `just_written`: no published count holds it yet)."""
    now = clock.now()
    if not visibility.shown(poll, now, voted=True):
        return None
    tally, counted_at = _published(poll.id)
    counted = _with_own(tally, None if just_written else counted_at, ballot)
    return results_document(counted, now, lang, answer=True)


def voter_ballot(poll: Poll, voter: str) -> OwnBallot | None:
    """Return this voter token's ballot in the poll (None: none, or the poll keeps none by voter)."""
    check_voter(voter)
    if not poll.block.keeps_ballots:
        return None
    return store().voter_ballot(poll, voter_hash(poll, voter))


def for_reader(poll_id: str, voter: str | None, is_admin: bool, lang: str | None = None) -> ReaderResults:
    """Return the results for a reader (in the language asked for where there is one), or raise ResultsHidden.

    A voter's own results (`voter` given) hold their ballot even before the published counts do."""
    tally, counted_at = _published(poll_id)
    now = clock.now()
    if is_admin:
        return ReaderResults(results_document(tally, now, lang, answer=True), shareable=False)
    ballot = None if voter is None else voter_ballot(tally.poll, voter)
    document = results_document(_with_own(tally, counted_at, ballot), now, lang, answer=ballot is not None)
    if visibility.is_public(tally.poll, now):
        return ReaderResults(document, shareable=voter is None)
    if ballot is not None and visibility.needs_ballot_check(tally.poll, now):
        return ReaderResults(document, shareable=False)
    raise visibility.hidden(tally.poll)
