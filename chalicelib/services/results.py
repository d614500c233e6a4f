"""Results: a poll's tally as folded and published (one small read, kept a second), shown as visibility allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core import visibility
from chalicelib.core.counts import Tally, results_document
from chalicelib.core.poll import Poll
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


def current(poll_id: str) -> Tally:
    """Return the poll's results as folded and published (read at most a second ago), as of the publisher's sum."""
    published, read_at, from_store = catalog.read(poll_id)
    source = "store" if from_store else "cache"
    observability.count_by(observability.RESULTS_READS, observability.SOURCE_DIMENSION, source)
    return Tally(poll=published.poll, counts=published.counts, as_of=published.at or read_at)


def for_voter(poll: Poll, options: list[str] | None, lang: str | None = None) -> dict[str, Any] | None:
    """Return the results a voter sees after voting, or None if hidden: the folded tally plus their own vote.

    The vote is added to a copy, never to the cached tally, so concurrent requests neither lose nor double a vote.
    """
    now = clock.now()
    if not visibility.shown(poll, now, voted=True):
        return None
    tally = current(poll.id)
    if options is not None:
        counts = tally.counts.copy()
        counts.add(options)
        tally = Tally(poll=tally.poll, counts=counts, as_of=tally.as_of)
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
