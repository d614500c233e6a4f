"""The fold: the ballots table's stream, applied to the polls' tallies exactly once.

Lambda delivers a stream shard's records in order, one batch at a time (redelivering a failed batch, or its halves
after a bisection, until it succeeds). For each poll in a batch, one conditional write adds the batch's
contributions to the tally that stream shard owns, on condition that the tally's mark (the highest sequence number
it applied) is below the first of them. When the condition fails, the mark says which records are already in, and
exactly the rest are applied: a redelivered, bisected or partly applied batch never counts a record twice, and a
record is never skipped. A shard whose tally was sealed into the poll's base goes on in a new tally, begun past the
sealed mark (the shard's marker).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from typing import Any

from chalicelib.core.audience import SEP
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.ledger import (
    Contribution,
    Lane,
    audience_groups,
    audience_run,
    cap_sites,
    delta,
    grouped,
    live_key,
    past,
)
from chalicelib.core.write_in_sightings import sightings
from chalicelib.core.write_ins import is_answer, listed_only
from chalicelib.runtime import clock, observability, state
from chalicelib.runtime.settings import get_settings
from chalicelib.services import surges
from chalicelib.store.adapters import ballot_batch, store

MAX_STEPS = 8  # conditional writes one poll's part of a batch may take (each step learns a mark; two are usual)

_lock = threading.Lock()
_live: dict[Lane, str] = {}  # the tally key each lane folds into now
_sites: dict[Lane, set[str]] = {}  # the sites each lane's site tally names (read from it when a new one comes)
_kept: dict[tuple[str, str], set[str]] = {}  # write-in answers each poll incarnation keeps (kept stays kept)


@dataclass
class FoldReport:
    """What one batch did: records read, contributions applied, and those a tally already held."""

    shard: str | None = None
    records: int = 0
    polls: int = 0
    applied: int = 0
    already: int = 0
    writes: int = 0
    lag_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)


WINDOW_RESPONSE: dict[str, Any] = {"state": {}, "batchItemFailures": []}  # what a tumbling window expects back


def fold(event: dict[str, Any]) -> FoldReport:
    """Fold one batch of the ballots table's stream (a tumbling-window event, which names its stream shard).

    Any failure raises, so Lambda retries the batch (bisecting it): what was applied stays applied, once.
    """
    batch = ballot_batch(event)
    report = FoldReport(shard=batch.shard, records=batch.records)
    if batch.contributions and not batch.shard:
        raise ValueError("a batch of ballots without its shardId: the event source needs a tumbling window")
    groups = grouped(batch.contributions)
    report.polls = len(groups)
    for (poll_id, incarnation), written in groups.items():
        lane = Lane(poll_id, incarnation, str(batch.shard))
        contributions = listed(lane, written)
        apply(lane, contributions, report)
        apply_audience(lane, contributions, report)
        surges.observe(poll_id, incarnation, lane.shard, contributions)  # after the counts, never in their way
    if batch.contributions:
        report.lag_seconds = round(max(0.0, clock.now() - max(c.at for c in batch.contributions)), 3)
        observability.count(observability.FOLD_RECORDS, report.applied)
        observability.count(observability.FOLD_LAG_SECONDS, report.lag_seconds)
    observability.log_event("fold_batch", **report.as_dict())
    observability.flush()
    return report


def listed(lane: Lane, contributions: list[Contribution]) -> list[Contribution]:
    """Note the batch's write-ins in the queue (their first, last and spellings; counts are the tallies'), and return
    the contributions with each answer the poll does not keep (past WRITE_IN_LIMIT) counted as UNLISTED."""
    answers = {option for item in contributions for option in item.options if is_answer(option)}
    if not answers:
        return contributions
    seen = sightings(contributions)
    kept = store().note_answers(lane.poll_id, lane.incarnation, seen, get_settings().write_in_limit) if seen else set()
    poll = (lane.poll_id, lane.incarnation)
    with _lock:
        _kept.setdefault(poll, set()).update(kept)
        kept = answers & _kept[poll]
    # answers chosen without their text (voids, votes for an approved answer): kept if their item exists
    unsure = answers - kept - {sighting.answer_id for sighting in seen}
    if unsure:
        found = store().kept_answers(lane.poll_id, lane.incarnation, unsure)
        kept |= found
        with _lock:
            _kept[poll] |= found
    return [replace(item, options=listed_only(item.options, kept)) for item in contributions]


def apply(lane: Lane, contributions: list[Contribution], report: FoldReport) -> None:
    """Apply one poll's contributions from one stream shard to that shard's tally, each exactly once."""
    with _lock:
        key = _live.get(lane, live_key(lane.shard, None))
    pending, marker_read = list(contributions), False
    for _ in range(MAX_STEPS):
        if not pending:
            break
        change = delta(pending)
        report.writes += 1
        refused = store().add_to_tally(lane, key, change)
        if refused is None:
            report.applied += len(pending)
            pending = []
            break
        if refused.exists and not refused.sealed:
            kept = past(pending, refused.mark)  # the tally holds those up to its mark already
            report.already += len(pending) - len(kept)
            pending = kept
            continue
        marker = store().shard_marker(lane)
        kept = past(pending, marker)  # a sealed tally holds those up to the shard's marker
        report.already += len(pending) - len(kept)
        pending = kept
        live = live_key(lane.shard, marker)
        if live != key or (refused.exists and not marker_read):
            key, marker_read = live, True
            continue
        if not pending:
            break
        report.writes += 1
        if store().create_tally(lane, key, delta(pending), marker):
            report.applied += len(pending)
            pending = []
            break
    if pending:
        raise ServiceUnavailable(f"the fold could not settle poll {lane.poll_id}'s tally for shard {lane.shard}")
    with _lock:
        _live[lane] = key


def apply_audience(lane: Lane, contributions: list[Contribution], report: FoldReport) -> None:
    """Apply one poll's contributions from one stream shard to that shard's audience tallies, each exactly once.

    Each tally is written in runs that fit one expression; a refused run names the tally's mark, and only the
    contributions past it are written (a redelivered batch, or one that failed between two runs). Past MAX_SITES
    sites in a shard's tally, new ones count as "other"."""
    counted = [item for item in contributions if item.in_audience]
    with _lock:
        known = _sites.get(lane)
    if known is None or not {item.dimensions.site for item in counted} <= known:
        known = store().audience_sites(lane)  # exact: what the shard's site tally names
    written = set(known)
    for group, touching in audience_groups(cap_sites(counted, known)[0]).items():
        pending = touching
        for _ in range(len(pending) + MAX_STEPS):
            if not pending:
                break
            run = audience_run(group, pending)
            report.writes += 1
            mark = store().add_to_audience(lane, run)
            if mark is None and group == "s":
                written |= {name.split(SEP)[1] for name in run.adds if name.count(SEP) == 1}
            pending = pending[run.size :] if mark is None else past(pending, mark)
        if pending:
            raise ServiceUnavailable(f"the fold could not settle poll {lane.poll_id}'s audience for shard {lane.shard}")
    with _lock:
        _sites[lane] = written  # never more than the tally names: a site it lacks is read again


def reset() -> None:
    """Forget which tally each stream shard folds into."""
    with _lock:
        _live.clear()
        _sites.clear()
        _kept.clear()


state.register("fold", reset)
