"""Results snapshots to S3: latest JSON and CSV, per-minute history and an index, safe to repeat."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from chalicelib import archive, clock, results, storage
from chalicelib.domain import Counts, Poll
from chalicelib.errors import ApiError
from chalicelib.settings import get_settings

log = logging.getLogger("polls.snapshots")

PUBLIC_PREFIX = "results"
PRIVATE_PREFIX = "private/results"
HISTORY_CACHE = "public, max-age=31536000, immutable"
PRIVATE_CACHE = "private, no-store"
HISTORY_TAGS = "kind=history"  # the bucket's lifecycle rule moves these to infrequent access
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Report:
    """What one snapshot run did."""

    snapshot_at: str
    written: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    written_polls: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return asdict(self)


def is_public(poll: Poll, now: float) -> bool:
    """Tell whether a poll's results may be served from the public prefix now."""
    if poll.results_visibility == "always":
        return True
    return poll.results_visibility == "after_close" and poll.status_at(now) == "closed"


def prefix_for(poll: Poll, now: float) -> str:
    """Return the key prefix of a poll's snapshots."""
    return f"{PUBLIC_PREFIX if is_public(poll, now) else PRIVATE_PREFIX}/{poll.id}"


def minute_key(now: float) -> str:
    """Return the history file name of the minute window containing `now`."""
    return str(clock.to_iso(now))[:16].replace(":", "-") + "Z"  # 2026-11-25T09:41Z -> 2026-11-25T09-41Z


def _spreadsheet_safe(text: str) -> str:
    """Keep spreadsheet programs from running a label as a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(body: dict[str, Any]) -> bytes:
    """Render a results document as CSV with a UTF-8 byte order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["option_id", "label", "votes", "percent"])
    for option in body["options"]:
        writer.writerow([option["id"], _spreadsheet_safe(option["label"]), option["votes"], option["percent"]])
    writer.writerow(["total_voters", "", body["total_voters"], ""])
    return buffer.getvalue().encode("utf-8-sig")


def _json_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(poll: Poll, counts: Counts, now: float) -> str:
    """Fingerprint everything a snapshot shows except its time, to skip unchanged polls."""
    shown = [
        poll.question,
        [(o.id, o.label, counts.votes.get(o.id, 0)) for o in poll.options],
        counts.voters,
        poll.status_at(now),
        is_public(poll, now),
    ]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def _write_poll(poll: Poll, counts: Counts, now: float) -> dict[str, Any]:
    """Write one poll's history, latest JSON and latest CSV; return its index entry."""
    body = results.to_body(results.Tally(poll=poll, counts=counts, as_of=now), now)
    body["snapshot_at"] = clock.to_iso(now)
    prefix = prefix_for(poll, now)
    public = is_public(poll, now)
    latest_cache = f"public, max-age={get_settings().snapshot_max_age}" if public else PRIVATE_CACHE
    document = _json_bytes(body)
    archive.put(
        f"{prefix}/history/{minute_key(now)}.json",
        document,
        archive.JSON_TYPE,
        HISTORY_CACHE if public else PRIVATE_CACHE,
        tags=HISTORY_TAGS,
    )
    archive.put(f"{prefix}/latest.json", document, archive.JSON_TYPE, latest_cache)
    archive.put(f"{prefix}/latest.csv", to_csv(body), archive.CSV_TYPE, latest_cache)
    return {
        "id": poll.id,
        "question": poll.question,
        "status": body["status"],
        "total_voters": counts.voters,
        "snapshot_at": body["snapshot_at"],
    }


def _update_indexes(entries: dict[str, tuple[bool, dict[str, Any]]], now: float) -> None:
    """Merge this run's entries into the public and private index files."""
    for public, prefix in ((True, PUBLIC_PREFIX), (False, PRIVATE_PREFIX)):
        key = f"{prefix}/index.json"
        previous = archive.get_json(key) or {}
        polls = {p["id"]: p for p in previous.get("polls", []) if isinstance(p, dict) and "id" in p}
        changed = False
        for poll_id, (entry_public, entry) in entries.items():
            if entry_public == public:
                polls[poll_id] = entry
                changed = True
            elif polls.pop(poll_id, None) is not None:  # moved to the other prefix
                changed = True
        if changed:
            ordered = sorted(polls.values(), key=lambda p: (p["snapshot_at"], p["id"]), reverse=True)
            document = {"snapshot_at": clock.to_iso(now), "polls": ordered}
            cache = f"public, max-age={get_settings().snapshot_max_age}" if public else PRIVATE_CACHE
            archive.put(key, _json_bytes(document), archive.JSON_TYPE, cache)


def _fail(report: Report, what: str, exc: Exception) -> None:
    """Log one failure and count it in the report."""
    log.warning("snapshot of %s failed: %s", what, exc)
    report.failed += 1
    report.failures.append({"poll_id": what, "error": str(exc)})


def run() -> Report:
    """Snapshot every active poll whose results changed since its last snapshot."""
    started = time.monotonic()
    now = clock.now()
    report = Report(snapshot_at=str(clock.to_iso(now)))
    due = [d for d in storage.due_polls() if d.poll.status_at(now) != "scheduled"]
    # Open polls are read eventually consistent (half the read units; a snapshot a moment behind is
    # refreshed next run); closed polls get their final snapshot from strongly consistent reads.
    closed = [d.poll for d in due if d.poll.status_at(now) == "closed"]
    still_open = [d.poll for d in due if d.poll.status_at(now) != "closed"]
    counts = storage.read_many_counts(closed, consistent=True) if closed else {}
    counts.update(storage.read_many_counts(still_open, consistent=False))
    entries: dict[str, tuple[bool, dict[str, Any]]] = {}
    marks: list[tuple[Poll, str]] = []
    for item in due:
        poll = item.poll
        try:
            poll_counts = counts.get(poll.id)
            if poll_counts is None:
                raise archive.ArchiveError("the poll's counters are gone (deleted?)")
            mark = signature(poll, poll_counts, now)
            if mark == item.signature:
                report.skipped += 1
                continue
            entries[poll.id] = (is_public(poll, now), _write_poll(poll, poll_counts, now))
            marks.append((poll, mark))
        except archive.ArchiveError as exc:
            _fail(report, poll.id, exc)
    try:
        if entries:
            _update_indexes(entries, now)
    except archive.ArchiveError as exc:
        # Leave the polls unmarked: the next run writes them (and the index) again.
        _fail(report, "index.json", exc)
        marks = []
    for poll, mark in marks:
        try:
            storage.mark_snapshot(poll, mark, int(now), final=poll.status_at(now) == "closed")
            report.written += 1
            report.written_polls.append(poll.id)
        except ApiError as exc:
            _fail(report, poll.id, exc)
    log.info(
        json.dumps(
            {
                "event": "snapshot_run",
                "written": report.written,
                "skipped": report.skipped,
                "failed": report.failed,
                "seconds": round(time.monotonic() - started, 3),
            }
        )
    )
    return report
