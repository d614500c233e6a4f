"""Forensics for editors: a poll's ballots by source, voiding one source's ballots exactly once, and the voids."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from typing import Any

from chalicelib.core import forensics
from chalicelib.core.audit import AuditAction
from chalicelib.core.errors import NoBallots
from chalicelib.core.forensics import BallotRecord, VoidRecord
from chalicelib.core.identity import SYSTEM, Actor
from chalicelib.core.poll import Poll
from chalicelib.runtime import clock
from chalicelib.services import audit, catalog, votes
from chalicelib.store.adapters import store

log = logging.getLogger("polls.forensics")


def _poll_with_ballots(poll_id: str) -> Poll:
    """Read the poll as stored (every shard up to its current count), refusing polls that keep no ballots."""
    poll = catalog.fresh_poll(poll_id)
    if not poll.block.keeps_ballots:
        raise NoBallots("this poll allows repeat votes and keeps no ballots")
    return poll


def _ballots(poll: Poll) -> Iterator[BallotRecord]:
    """Yield the poll's counted ballots, shard by shard."""
    for shard in range(poll.shards):
        yield from store().ballot_records(poll, shard)


def report(poll_id: str) -> dict[str, Any]:
    """Return the poll's sources, busiest first (GET /polls/{id}/forensics)."""
    poll = _poll_with_ballots(poll_id)
    return {"poll_id": poll.id, **forensics.report(_ballots(poll), poll.option_ids())}


def void(poll_id: str, body: Any, *, actor: Actor = SYSTEM) -> dict[str, Any]:
    """Void one source's ballots (within a time range): their votes leave the counters, the ballots stay.

    A void that removed votes is recorded in the audit log with who asked, the source, range, reason and counts.
    """
    request = forensics.parse_void(body)
    poll = _poll_with_ballots(poll_id)
    option_ids = poll.option_ids()
    matching = [ballot for ballot in _ballots(poll) if request.matches(ballot)]
    if request.dry_run or not matching:
        return {"voided": len(matching), "options": forensics.tally(matching, option_ids), "dry_run": request.dry_run}
    now = int(clock.now())
    record = VoidRecord(
        id=secrets.token_hex(8),
        request=request,
        voided=len(matching),
        options=forensics.tally(matching, option_ids),
        at=now,
        expires_at=votes.ballot_expiry(poll, now),
    )
    voided = store().void_ballots(poll, record, matching)
    catalog.forget(poll.id)  # the cached tally still counts them
    counts = forensics.tally(voided, option_ids)
    event = {"event": "void", "poll_id": poll.id, "void_id": record.id, "voided": len(voided), "options": counts}
    log.info(json.dumps(event))
    if voided:
        asked = {"source": request.source, "from": request.start, "to": request.end, "reason": request.reason}
        details = {**asked, "void_id": record.id, "voided": len(voided), "votes_removed": counts}
        audit.record(actor, AuditAction.VOID, poll.id, details)
    return {"voided": len(voided), "options": counts, "dry_run": False, "id": record.id if voided else None}


def list_voids(poll_id: str) -> dict[str, Any]:
    """Return what was voided in the poll, when and why (GET /polls/{id}/voids)."""
    poll = _poll_with_ballots(poll_id)
    return {"poll_id": poll.id, "voids": [record.as_dict() for record in store().voids(poll)]}
