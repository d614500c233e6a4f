"""Recount: compare a poll's folded tallies with its ballots, and repair the tallies once it is safe to.

The ballots are found through the by-poll index and re-read strongly by key (the index is eventually consistent,
and a ballot voided a moment ago may still show unvoided there); voided ones are skipped. A repair corrects the
poll's base so the tallies add up to the ballots, in one transaction conditioned on every tally being as read, so
it cannot race a fold; it is made only on a poll closed for RECOUNT_SETTLE_SECONDS, when the index and the fold
have caught up with the last votes.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.audit import AuditAction
from chalicelib.core.counts import Counts
from chalicelib.core.errors import InvalidJson, PollOpen, RecountTooSoon, ServiceUnavailable
from chalicelib.core.identity import SYSTEM, Actor
from chalicelib.core.poll import Poll, Status
from chalicelib.core.quiz import RIGHT
from chalicelib.core.write_ins import listed_only
from chalicelib.runtime import clock
from chalicelib.services import audit, catalog
from chalicelib.services.ledger import every_ballot
from chalicelib.store.adapters import store

RECOUNT_SETTLE_SECONDS = 600  # the index and the fold are seconds behind; ten minutes leaves room for retries


def parse_request(body: Any) -> bool:
    """Read the optional {"fix": bool} body of a recount request."""
    if body is None:
        return False
    if not isinstance(body, dict) or set(body) - {"fix"} or not isinstance(body.get("fix", False), bool):
        raise InvalidJson('the body must be empty or {"fix": true|false}')
    return bool(body.get("fix", False))


def _summary(counts: Counts, option_ids: list[str]) -> dict[str, Any]:
    return {"total_voters": counts.voters, "options": {o: counts.votes.get(o, 0) for o in option_ids}}


def ballot_counts(poll: Poll) -> Counts:
    """Count the poll's ballots: keys from the index, each ballot re-read strongly, voided ones skipped; a write-in
    the poll did not keep (past WRITE_IN_LIMIT) counts as unlisted, as the fold counts it."""
    keys = [ballot.key for ballot in every_ballot(poll)]
    kept = {answer.id for answer in store().answers(poll)}  # one Query; none for a poll never written in
    counts = Counts(votes={o: 0 for o in poll.option_ids()})
    for start in range(0, len(keys), 1000):
        for ballot in store().read_ballots(keys[start : start + 1000]):
            if not ballot.voided:
                counts.add([*listed_only(tuple(ballot.options), kept), *([RIGHT] if ballot.right else [])])
    return counts


def _check_settled(poll: Poll, now: float) -> None:
    """Refuse a repair before the poll has been closed long enough for the index and the fold to catch up."""
    if poll.status_at(now) is not Status.CLOSED:
        raise PollOpen("close the poll before repairing its counts")
    closed = poll.closed_at if poll.closed and poll.closed_at is not None else poll.closes_at
    since = now if closed is None else min(closed, now)
    wait = int(since + RECOUNT_SETTLE_SECONDS - now)
    if wait > 0:
        raise RecountTooSoon(
            f"the poll closed {int(now - since)} s ago; a repair waits {RECOUNT_SETTLE_SECONDS} s after the close, "
            "until the fold has every vote",
            retry_after=wait,
        )


def recount(poll_id: str, fix: bool = False, *, actor: Actor = SYSTEM) -> dict[str, Any]:
    """Count a poll's ballots, report drift from its tallies, repair when asked and safe, and record who asked."""
    poll = catalog.fresh_poll(poll_id)
    now = clock.now()
    if fix:
        _check_settled(poll, now)
    view = store().read_view(poll.id, consistent=True)
    ballots = ballot_counts(poll)
    tallies = view.counts
    counted = (set(tallies.votes) | set(ballots.votes)) - set(poll.option_ids())  # write-ins, a quiz's right ballots
    option_ids = [
        *poll.option_ids(),
        *sorted(key for key in counted if tallies.votes.get(key) or ballots.votes.get(key)),
    ]
    drift = Counts(
        votes={o: tallies.votes.get(o, 0) - ballots.votes.get(o, 0) for o in option_ids},
        voters=tallies.voters - ballots.voters,
    )
    drifting = drift.voters != 0 or any(drift.votes.values())
    fixed = False
    if fix and drifting:
        correction = Counts(votes={o: -n for o, n in drift.votes.items() if n}, voters=-drift.voters)
        if not store().correct_base(view, correction):
            raise ServiceUnavailable("the tallies changed while they were recounted; recount again", retry_after=1)
        fixed = True
        catalog.forget(poll.id)
    report = {
        "poll_id": poll.id,
        "status": poll.status_at(now).value,
        "tallies": _summary(tallies, option_ids),
        "ballots": _summary(ballots, option_ids),
        "drift": _summary(drift, option_ids),
        "fixed": fixed,
    }
    details = {name: report[name] for name in ("tallies", "ballots", "drift", "fixed")}
    audit.record(actor, AuditAction.RECOUNT_FIX if fix else AuditAction.RECOUNT, poll.id, details)
    return report
