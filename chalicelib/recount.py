"""Recount: count a poll's ballots shard by shard, compare with the counters, and optionally repair them."""

from __future__ import annotations

from typing import Any

from chalicelib import clock, polls, storage
from chalicelib.domain import Counts
from chalicelib.errors import InvalidJson, PollOpen, RecountUnavailable


def parse_request(body: Any) -> bool:
    """Read the optional {"fix": bool} body of a recount request."""
    if body is None:
        return False
    if not isinstance(body, dict) or set(body) - {"fix"} or not isinstance(body.get("fix", False), bool):
        raise InvalidJson('the body must be empty or {"fix": true|false}')
    return bool(body.get("fix", False))


def _summary(counts: Counts, option_ids: list[str]) -> dict[str, Any]:
    return {"total_voters": counts.voters, "options": {o: counts.votes.get(o, 0) for o in option_ids}}


def recount(poll_id: str, fix: bool = False) -> dict[str, Any]:
    """Count a poll's ballots through the by-slot index and report drift from its shard counters."""
    poll = polls.fresh(poll_id)
    if poll.block == "none":
        raise RecountUnavailable("this poll allows repeat votes and keeps no ballots to recount")
    status = poll.status_at(clock.now())
    if fix and status != "closed":
        raise PollOpen("close the poll before repairing its counters")
    option_ids = poll.option_ids()
    shards = storage.shard_items(poll.id, poll.shards)
    counters, ballots = Counts(), Counts()
    drifting, fixed = [], []
    for shard in range(poll.shards):
        seen = shards.get(shard, {"counts": {o: 0 for o in option_ids}, "voters": 0})
        counted = Counts(votes={o: 0 for o in option_ids})
        for options in storage.ballots_in_slot(f"{poll.scope}#{shard:03d}"):
            counted.add(options)
        counters.merge(seen["counts"], seen["voters"])
        ballots.merge(counted.votes, counted.voters)
        if seen["voters"] != counted.voters or any(seen["counts"].get(o, 0) != counted.votes[o] for o in option_ids):
            drifting.append(shard)
            if (
                fix
                and shard in shards
                and storage.replace_shard_counts(poll, shard, seen, counted.votes, counted.voters)
            ):
                fixed.append(shard)
    if fixed:
        polls.forget(poll.id)
    return {
        "poll_id": poll.id,
        "status": status,
        "counters": _summary(counters, option_ids),
        "ballots": _summary(ballots, option_ids),
        "drift": {
            "total_voters": counters.voters - ballots.voters,
            "options": {o: counters.votes.get(o, 0) - ballots.votes.get(o, 0) for o in option_ids},
        },
        "drifting_shards": drifting,
        "fixed_shards": fixed,
    }
