"""Forensics for editors: a poll's ballots by source, voiding one source's ballots exactly once, and the voids.

A void marks ballots voided, page by page through the by-poll index; the fold takes their votes off the tallies.
Its audit entry comes first; it runs for at most VOID_SECONDS in the request, and the snapshot job carries on a
void that did not finish (each run, from where it stopped), recording a second audit entry when it is done.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections import Counter
from dataclasses import replace
from typing import Any

from chalicelib.core import exports, forensics
from chalicelib.core.audit import AuditAction
from chalicelib.core.forensics import BallotRecord, VoidRecord, VoidRequest
from chalicelib.core.identity import SYSTEM, Actor
from chalicelib.core.poll import Poll
from chalicelib.runtime import clock
from chalicelib.services import audit, catalog, surges
from chalicelib.services.exports import invalidate
from chalicelib.services.ledger import Position, every_ballot, walk
from chalicelib.store.adapters import store

log = logging.getLogger("polls.forensics")
VOID_SECONDS = 20.0  # a void request stops marking after this long (API Gateway gives up at 29 s)


def _range(request: VoidRequest) -> tuple[int | None, int | None]:
    """Return the index range (seconds) that holds every ballot the request's minutes can match."""
    since = None if request.start is None else request.start // 60 * 60
    until = None if request.end is None else request.end // 60 * 60 + 59
    return since, until


def report(poll_id: str) -> dict[str, Any]:
    """Return the poll's sources, busiest first, and its surges (GET /polls/{id}/forensics)."""
    poll = catalog.fresh_poll(poll_id)
    found = forensics.report(every_ballot(poll), poll.option_ids())
    return {"poll_id": poll.id, **found, "surges": surges.report(poll)}


def void(poll_id: str, body: Any, *, actor: Actor = SYSTEM) -> dict[str, Any]:
    """Void one source's counted ballots (within a time range): they stay, so their voters cannot vote again.

    A dry run only counts them. Otherwise the void is recorded (audit entry and void record) before its first
    ballot is marked, and goes on in the snapshot job if it does not finish within VOID_SECONDS.
    """
    request = forensics.parse_void(body)
    poll = catalog.fresh_poll(poll_id)
    option_ids = poll.option_ids()
    if request.dry_run:
        matching = [b for b in every_ballot(poll, *_range(request)) if request.matches(b)]
        return {"voided": len(matching), "options": forensics.tally(matching, option_ids), "dry_run": True}
    record = VoidRecord(
        id=f"{int(clock.now() * 1000):011x}{secrets.token_hex(3)}",  # sorts by time, to the millisecond
        request=request,
        voided=0,
        options={o: 0 for o in option_ids},
        at=int(clock.now()),
        actor=actor.as_dict(),
    )
    asked = {request.by: request.source, "from": request.start, "to": request.end, "reason": request.reason}
    audit.record(actor, AuditAction.VOID_STARTED, poll.id, {**asked, "void_id": record.id})
    store().save_void(poll, record)
    store().track_void(poll, record.id, running=True)
    record = carry_on(poll, record, time.monotonic() + VOID_SECONDS)
    return {
        "voided": record.voided,
        "options": record.options,
        "dry_run": False,
        "id": record.id,
        "complete": record.complete,
    }


def carry_on(poll: Poll, record: VoidRecord, deadline: float) -> VoidRecord:
    """Mark the void's matching ballots from where it stopped until done or the deadline; save its progress.

    The analytics export of each day it marked ballots of is then made out of date, for the schedule to redo.
    """
    counts = Counter(record.options)
    marked = [record.voided]
    days: set[str] = set()

    def visit(ballots: list[BallotRecord]) -> None:
        for ballot in ballots:
            if not record.request.matches(replace(ballot, voided=False)):
                continue
            days.add(exports.day_of(ballot.minute))  # marked now or by an earlier run of this void cut short
            if not ballot.voided and store().void_ballot(ballot.key, record.id, record.at):
                marked[0] += 1
                counts.update(o for o in ballot.options if o in counts)

    since, until = _range(record.request)
    try:
        position = walk(poll, Position(record.bucket, record.cursor), visit, deadline, since=since, until=until)
    finally:
        invalidate(days)  # after marking, even when a write failed: an export that reads the day from now on sees it
    record = replace(
        record,
        voided=marked[0],
        options=dict(counts),
        bucket=position.bucket,
        cursor=position.key,
        complete=position.done,
    )
    store().save_void(poll, record)
    if record.complete:
        _finished(poll, record)
    return record


def _finished(poll: Poll, record: VoidRecord) -> None:
    """Record a finished void: its audit entry, its log line, and the poll no longer carrying it."""
    store().track_void(poll, record.id, running=False)
    event = {
        "event": "void",
        "poll_id": poll.id,
        "void_id": record.id,
        "voided": record.voided,
        "options": record.options,
    }
    log.info(json.dumps(event))
    request = record.request
    asked = {request.by: request.source, "from": request.start, "to": request.end, "reason": request.reason}
    details = {**asked, "void_id": record.id, "voided": record.voided, "votes_removed": record.options}
    audit.record(Actor.from_dict(record.actor) if record.actor else SYSTEM, AuditAction.VOID, poll.id, details)


def list_voids(poll_id: str) -> dict[str, Any]:
    """Return what was voided in the poll, when and why (GET /polls/{id}/voids)."""
    poll = catalog.fresh_poll(poll_id)
    return {"poll_id": poll.id, "voids": [record.as_dict() for record in store().voids(poll)]}
