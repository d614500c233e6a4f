"""Recount: count a poll's ballots shard by shard, compare with the counters, and optionally repair them."""

from __future__ import annotations

from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.counts import Counts
from chalicelib.core.errors import InvalidJson, PollOpen, RecountUnavailable
from chalicelib.core.identity import SYSTEM, Actor
from chalicelib.core.poll import Status
from chalicelib.runtime import clock
from chalicelib.services import audit, catalog
from chalicelib.store.adapters import store


def parse_request(body: Any) -> bool:
    """Read the optional {"fix": bool} body of a recount request."""
    if body is None:
        return False
    if not isinstance(body, dict) or set(body) - {"fix"} or not isinstance(body.get("fix", False), bool):
        raise InvalidJson('the body must be empty or {"fix": true|false}')
    return bool(body.get("fix", False))


def _summary(counts: Counts, option_ids: list[str]) -> dict[str, Any]:
    return {"total_voters": counts.voters, "options": {o: counts.votes.get(o, 0) for o in option_ids}}


def recount(poll_id: str, fix: bool = False, *, actor: Actor = SYSTEM) -> dict[str, Any]:
    """Count a poll's ballots shard by shard, report drift from its shard counters, and record who asked."""
    poll = catalog.fresh_poll(poll_id)
    if not poll.block.keeps_ballots:
        raise RecountUnavailable("this poll allows repeat votes and keeps no ballots to recount")
    status = poll.status_at(clock.now())
    if fix and status is not Status.CLOSED:
        raise PollOpen("close the poll before repairing its counters")
    option_ids = poll.option_ids()
    shards = store().shard_counts(poll.id, poll.shards)
    counters, ballots = Counts(), Counts()
    drifting, fixed = [], []
    for shard in range(poll.shards):
        seen = shards.get(shard, Counts(votes={o: 0 for o in option_ids}))
        counted = Counts(votes={o: 0 for o in option_ids})
        for options in store().ballots_in_shard(poll, shard):
            counted.add(options)
        counters.merge(seen.votes, seen.voters)
        ballots.merge(counted.votes, counted.voters)
        if seen.differs_from(counted, option_ids):
            drifting.append(shard)
            if fix and shard in shards and store().replace_shard_counts(poll, shard, seen, counted):
                fixed.append(shard)
    if fixed:
        catalog.forget(poll.id)
    report = {
        "poll_id": poll.id,
        "status": status.value,
        "counters": _summary(counters, option_ids),
        "ballots": _summary(ballots, option_ids),
        "drift": {
            "total_voters": counters.voters - ballots.voters,
            "options": {o: counters.votes.get(o, 0) - ballots.votes.get(o, 0) for o in option_ids},
        },
        "drifting_shards": drifting,
        "fixed_shards": fixed,
    }
    details = {name: report[name] for name in ("counters", "ballots", "drift", "drifting_shards", "fixed_shards")}
    audit.record(actor, AuditAction.RECOUNT_FIX if fix else AuditAction.RECOUNT, poll.id, details)
    return report
