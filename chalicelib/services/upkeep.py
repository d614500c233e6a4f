"""The snapshot job's upkeep of a poll: compacting its tallies, keeping its ballots as long as it needs, and
carrying on its voids. Each step is bounded and resumable: what one run leaves, the next run finishes."""

from __future__ import annotations

import time
from dataclasses import dataclass

from chalicelib.core.forensics import BallotRecord
from chalicelib.core.ledger import Compaction, compaction
from chalicelib.core.poll import Status
from chalicelib.runtime import observability
from chalicelib.services import catalog, forensics, retention, surges
from chalicelib.services.ledger import Position, walk
from chalicelib.store.adapters import store
from chalicelib.store.port import DuePoll, PollView, StaleDefinition

COMPACT_IDLE_SECONDS = 600  # a stream shard's tally that folded nothing for this long is sealed into the base
FORGET_SECONDS = 120  # the base forgets a dropped tally this long after, when no read can still see it
SEAL_LIMIT = 49  # tallies one transaction seals: two items each, and the base


@dataclass
class Upkeep:
    """What the upkeep of one poll did in one run, and whether anything is left for the next run."""

    sealed: int = 0
    dropped: int = 0
    kept: int = 0
    voided: int = 0
    left: bool = False


def tend(item: DuePoll, view: PollView, now: int, deadline: float) -> Upkeep:
    """Do one run's upkeep of a poll (until the deadline, a monotonic time)."""
    done = Upkeep()
    plan = _compact(view, now, done)
    poll = item.poll
    tallies_left = [t for t in view.tallies if t not in plan.drop]
    absorbed_left = set(view.base.absorbed) - set(plan.forget)
    if poll.status_at(now) is Status.CLOSED and (tallies_left or absorbed_left):
        done.left = True  # a closed poll stays on the job's list until its tallies are all in its base
    if poll.status_at(now) is not Status.CLOSED and retention.running_low(poll, now):
        try:
            store().change_poll(poll, retention.kept(poll, now))
            catalog.forget(poll.id)
            done.left = True  # the ballots are refreshed from the next run, with the poll as stored
        except StaleDefinition:
            done.left = True
    elif poll.keep_until and (item.kept_until or 0) < poll.keep_until:
        _keep(item, deadline, done)
    if surges.sweep(poll, view.surges, now):
        catalog.forget(poll.id)
    if any(surge.until > now for surge in view.surges):
        done.left = True  # a closed poll stays on the job's list until its surges have lapsed and been swept
    for void_id in item.voids_running:
        record = next((r for r in store().voids(poll) if r.id == void_id), None)
        if record is None or record.complete:
            store().track_void(poll, void_id, running=False)
            continue
        before = record.voided
        record = forensics.carry_on(poll, record, deadline)
        done.voided += record.voided - before
        done.left = done.left or not record.complete
    return done


def _compact(view: PollView, now: int, done: Upkeep) -> Compaction:
    """Seal idle tallies into the base, drop sealed ones the base holds, let the base forget dropped ones."""
    plan = compaction(view.base, view.tallies, now, COMPACT_IDLE_SECONDS, FORGET_SECONDS)
    if plan.empty:
        return plan
    for start in range(0, len(plan.seal), SEAL_LIMIT):
        chunk = plan.seal[start : start + SEAL_LIMIT]
        if store().seal(view, chunk):
            done.sealed += len(chunk)
    for start in range(0, len(plan.drop), SEAL_LIMIT):
        chunk = plan.drop[start : start + SEAL_LIMIT]
        store().drop(view, chunk, now)
        done.dropped += len(chunk)
    if plan.forget:
        store().forget(view, plan.forget)
    observability.count(observability.TALLIES_COMPACTED, done.sealed)
    done.left = bool(plan.seal or plan.drop)  # sealed tallies are dropped, and dropped ones forgotten, later
    return plan


def _keep(item: DuePoll, deadline: float, done: Upkeep) -> None:
    """Give the poll's ballots its keep_until, page by page from where the last run stopped."""
    poll = item.poll

    def visit(ballots: list[BallotRecord]) -> None:
        for ballot in ballots:
            done.kept += int(store().keep_ballot(ballot.key, poll.keep_until))

    position = walk(poll, Position.from_dict(item.keep_cursor), visit, deadline)
    if position.done:
        store().record_keeping(poll, poll.keep_until, None)
        observability.log_event("ballots_kept", poll_id=poll.id, keep_until=poll.keep_until, kept=done.kept)
    else:
        store().record_keeping(poll, item.kept_until, position.as_dict())
        done.left = True


def budget(seconds: float) -> float:
    """Return a deadline this many seconds from now (monotonic)."""
    return time.monotonic() + seconds
