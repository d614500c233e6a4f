"""The analytics export: a day's ballots of every poll, open or closed, to the bucket as gzip JSON Lines.

Resumable and idempotent: a day's progress is kept in the bucket (`private/exports/runs/<day>.json`), a run stops
before its deadline between polls and the next carries on; a poll's file for the day is rewritten whole, and when
every poll is done the day's files of polls with no ballots that day (deleted, or voided away) are removed. A rerun
of a day that was complete starts again and replaces it. Ballots are read through the by-poll index, whose range
key is the vote's time, so a day costs one range query per index bucket and poll.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from chalicelib.core import exports
from chalicelib.core.audit import AuditAction
from chalicelib.core.exports import Progress
from chalicelib.core.identity import SYSTEM, Actor
from chalicelib.core.poll import Poll
from chalicelib.runtime import clock
from chalicelib.services import audit
from chalicelib.services.ledger import pages
from chalicelib.store.adapters import archive, store

log = logging.getLogger("polls.exports")
EXPORT_SECONDS = 6.0  # a request stops starting polls after this long (the API function times out at 10 s)
SETTLE_SECONDS = 60  # a day is over for the export this long after its end (the index is eventually consistent)
SCHEDULE_SECONDS = 780.0  # the scheduled run's budget, under its function's 900 s timeout
CATCH_UP_DAYS = 31  # the schedule also redoes any of the 31 days before yesterday left incomplete or voided into


def _polls(day: str) -> list[Poll]:
    """Return every poll that may hold ballots of the day, by id (a stable order to carry on in)."""
    return sorted((p for p in store().list_polls(None) if exports.may_hold_ballots(p, day)), key=lambda p: p.id)


def _export_poll(poll: Poll, day: str) -> str | None:
    """Write a poll's ballots of the day (voided ones too, marked); return the key, or None when it had none."""
    first, last = exports.day_range(day)
    writer = exports.JsonlGzip()
    for ballots in pages(poll, first, last):  # page by page: only the compressed file is held
        writer.write(exports.row(poll.id, ballot) for ballot in ballots)
    body = writer.close()
    if not writer.rows:
        return None
    key = exports.object_key(day, poll.id)
    archive().put(key, body, exports.CONTENT_TYPE, "no-store")
    return key


def _progress(day: str, *, restart: bool) -> Progress:
    """Return a day's stored progress; a complete day starts again when asked to (a rerun replaces it)."""
    progress = Progress.from_dict(day, archive().get_json(exports.run_key(day)))
    return Progress(day) if restart and progress.complete else progress


def _save(progress: Progress) -> None:
    """Keep a day's progress in the bucket, for the next run to carry on from."""
    body = json.dumps(progress.as_dict()).encode("utf-8")
    archive().put(exports.run_key(progress.day), body, "application/json", "no-store")


def _keep(record: Progress) -> bool:
    """Save a run's progress unless a void made the day stale since this run's last save.

    A stale record is left in place (the day is started again by the next run, the schedule's included), and False
    returned. The read narrows the race with a void to the moment between it and the write.
    """
    stored = archive().get_json(exports.run_key(record.day))
    if isinstance(stored, dict) and stored.get("stale") is True:
        log.info(json.dumps({"event": "export_stale", "day": record.day}))
        return False
    _save(record)
    return True


def export_day(day: str, deadline: float, *, restart: bool = True) -> Progress:
    """Export a day from where its last run stopped, until done or the deadline (monotonic); return the progress.

    A day not over when the run started may get more ballots: when every poll is done it is still recorded as to do
    again (the answer says complete, the record does not), so the schedule exports it once it is over. A void that
    marks ballots of the day while a run goes on stops the run (answered incomplete) and leaves the day to redo.
    """
    started = clock.now()
    # Over a minute ago: the by-poll index (eventually consistent) holds the day's last ballots by now.
    over = exports.is_over(day, started - SETTLE_SECONDS)
    progress = _progress(day, restart=restart)
    if progress.complete:
        return progress
    _save(progress)  # this run reads the ballots from now on: any stale mark before it is taken into account
    done = set(progress.done)
    for poll in _polls(day):
        if poll.id in done:
            continue
        if time.monotonic() >= deadline:  # a day not over keeps no partial progress: its polls get more ballots
            return progress if _keep(progress if over else Progress(day)) else Progress(day)
        key = _export_poll(poll, day)
        progress.done.append(poll.id)
        if key is not None:
            progress.keys.append(key)
        if not _keep(progress if over else Progress(day)):  # after each poll: a run cut short loses one poll's work
            return Progress(day)
    stale = sorted(set(archive().list_keys(exports.day_prefix(day))) - set(progress.keys))
    archive().delete(stale)
    if not _keep(Progress(day, progress.done, progress.keys, complete=True) if over else Progress(day)):
        return Progress(day)
    progress.complete = True
    log.info(json.dumps({"event": "export", "day": day, "files": len(progress.keys), "removed": stale}))
    return progress


def request_export(body: Any, *, actor: Actor = SYSTEM) -> dict[str, Any]:
    """Export a day now (POST /exports): yesterday by default; a complete day is replaced, an incomplete one goes on."""
    day = exports.parse_request(body, clock.now())
    audit.record(actor, AuditAction.EXPORT, None, {"day": day})
    progress = export_day(day, time.monotonic() + EXPORT_SECONDS)
    return {"day": day, "keys": progress.keys, "complete": progress.complete}


def invalidate(days: set[str]) -> None:
    """Mark days' exports out of date (a void marked ballots of them): one write a day; the schedule redoes them."""
    for day in sorted(days):
        body = json.dumps({**Progress(day).as_dict(), "stale": True}).encode("utf-8")
        archive().put(exports.run_key(day), body, "application/json", "no-store")


def run_schedule() -> dict[str, Any]:
    """Export yesterday (UTC) on the schedule, and redo any of the CATCH_UP_DAYS before left incomplete or stale."""
    deadline = time.monotonic() + SCHEDULE_SECONDS
    yesterday = exports.yesterday(clock.now())
    report: dict[str, Any] = {}
    for day in [*exports.previous_days(yesterday, CATCH_UP_DAYS), yesterday]:
        stored = archive().get_json(exports.run_key(day))
        if day != yesterday and (stored is None or Progress.from_dict(day, stored).complete):
            continue
        progress = export_day(day, deadline, restart=False)
        report[day] = {"files": len(progress.keys), "complete": progress.complete}
    return report
