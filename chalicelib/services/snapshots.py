"""Results snapshots to the archive: latest JSON and CSV, per-minute history and an index, safe to repeat."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from chalicelib.core import caching
from chalicelib.core.audit import AuditAction
from chalicelib.core.counts import Counts
from chalicelib.core.errors import DomainError
from chalicelib.core.identity import Actor
from chalicelib.core.poll import Poll, Status
from chalicelib.core.times import minute_key, to_iso
from chalicelib.core.visibility import is_public
from chalicelib.runtime import clock, observability
from chalicelib.services import audit, edge, upkeep
from chalicelib.store.adapters import archive, store
from chalicelib.store.port import ArchiveError, DuePoll, PollView

HISTORY_TAGS = "kind=history"  # the bucket's lifecycle rule moves these to infrequent access
UPKEEP_SECONDS = 60.0  # a run spends at most this long on upkeep (voids, ballots kept longer), then goes on next run


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

    def fail(self, what: str, error: str) -> None:
        """Log one failure and count it."""
        observability.logger.warning("snapshot failed", extra={"poll_id": what, "error": error})
        self.failed += 1
        self.failures.append({"poll_id": what, "error": error})


def signature(poll: Poll, counts: Counts, now: float) -> str:
    """Fingerprint everything a snapshot shows except its time, to skip unchanged polls: the results document as
    written (merged write-ins, Other and a closed quiz's answer included), the CSV's disclaimer and where it goes."""
    shown = {k: v for k, v in edge.results_body(poll, counts, now).items() if k not in ("snapshot_at", "as_of")}
    shown.update(disclaimer=poll.disclaimer_in(None), public=is_public(poll, now))
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:32]


def _moved(item: DuePoll, now: float) -> bool:
    """Tell whether a poll's status moved with the clock since its last snapshot (or its creation, published then)."""
    since = item.poll.created_at if item.snapshot_at is None else item.snapshot_at
    return item.poll.status_at(since) is not item.poll.status_at(now)


def _write_poll(poll: Poll, counts: Counts, now: float, moved: bool) -> dict[str, Any]:
    """Write a poll's history and latest results, its document too if its status moved; return its index entry."""
    body = edge.write_latest(poll, counts, now, withdraw=moved)  # publicity moves only with the status
    history_cache = caching.IMMUTABLE if is_public(poll, now) else caching.NO_STORE
    key = f"{edge.prefix_for(poll, now)}/history/{minute_key(now)}.json"
    archive().put(key, edge.json_bytes(body), edge.JSON_TYPE, history_cache, tags=HISTORY_TAGS)
    if moved:  # opened or closed by its schedule: the edge document says so (edits publish it themselves)
        edge.write_poll(poll, now, edge.card_refs(poll.id))
    return {
        "id": poll.id,
        "question": poll.question,
        "languages": poll.languages(),
        "status": body["status"],
        "total_voters": counts.voters,
        "snapshot_at": body["snapshot_at"],
    }


def _update_indexes(entries: dict[str, tuple[bool, dict[str, Any]]], now: float) -> None:
    """Merge this run's entries into the public and private index files."""
    for public, prefix in ((True, edge.PUBLIC_PREFIX), (False, edge.PRIVATE_PREFIX)):
        key = f"{prefix}/index.json"
        previous = archive().get_json(key) or {}
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
            document = {"snapshot_at": to_iso(now), "polls": ordered}
            archive().put(key, edge.json_bytes(document), edge.JSON_TYPE, edge.latest_cache(public))


def _views(due: list[DuePoll], now: float) -> dict[str, PollView | None]:
    """Read each due poll's view (definition and tallies: one Query each).

    Closed polls are read strongly, for their final snapshot; open ones eventually consistent (half the read units;
    a snapshot a moment behind is refreshed next run).
    """
    views: dict[str, PollView | None] = {}
    for item in due:
        try:
            views[item.poll.id] = store().read_view(item.poll.id, consistent=item.poll.status_at(now) is Status.CLOSED)
        except DomainError:
            views[item.poll.id] = None
    return views


def run() -> Report:
    """Snapshot every active poll whose results changed since its last snapshot, and tend to each one's upkeep."""
    started = time.monotonic()
    now = clock.now()
    report = Report(snapshot_at=str(to_iso(now)))
    due = [d for d in store().due_polls() if d.poll.status_at(now) is not Status.SCHEDULED]
    views = _views(due, now)
    deadline = upkeep.budget(UPKEEP_SECONDS)
    entries: dict[str, tuple[bool, dict[str, Any]]] = {}
    marks: list[tuple[Poll, str, bool]] = []
    for item in due:
        poll, view = item.poll, views.get(item.poll.id)
        if view is None or view.poll.incarnation != poll.incarnation:
            report.fail(poll.id, "the poll is gone (deleted?)")
            continue
        left = upkeep.tend(item, view, int(now), deadline).left
        final = poll.status_at(now) is Status.CLOSED and not left
        mark = signature(poll, view.counts, now)
        if mark == item.signature:
            report.skipped += 1
            if final:  # unchanged since its last snapshot, and nothing left to do: it leaves the job's list
                marks.append((poll, mark, True))
            continue
        try:
            entries[poll.id] = (is_public(poll, now), _write_poll(poll, view.counts, now, _moved(item, now)))
            marks.append((poll, mark, final))
        except ArchiveError as exc:
            report.fail(poll.id, str(exc))
    try:
        if entries:
            _update_indexes(entries, now)
    except ArchiveError as exc:
        # Leave the polls unmarked: the next run writes them (and the index) again.
        report.fail("index.json", str(exc))
        marks = []
    for poll, mark, final in marks:
        try:
            store().mark_snapshot(poll, mark, int(now), final=final)
            if poll.id in entries:
                report.written += 1
                report.written_polls.append(poll.id)
        except DomainError as exc:
            report.fail(poll.id, str(exc))
    _measure(report, due, now)
    seconds = round(time.monotonic() - started, 3)
    summary = {"written": report.written, "skipped": report.skipped, "failed": report.failed, "seconds": seconds}
    observability.log_event("snapshot_run", **summary)
    observability.flush()
    return report


def run_by(actor: Actor) -> Report:
    """Run the job at a caller's request; a run that wrote or failed something is recorded in the audit log."""
    report = run()
    if report.written or report.failed:
        details = {"written": report.written, "skipped": report.skipped, "failed": report.failed}
        audit.record(actor, AuditAction.SNAPSHOT_RUN, None, {**details, "written_polls": report.written_polls})
    return report


def _measure(report: Report, due: list[DuePoll], now: float) -> None:
    """Count what the run did, and how far behind the published snapshots are.

    A poll written or found unchanged this run is up to date; a poll that failed is behind by the age
    of its last snapshot (or of the poll, if it never had one). The age is 0 when nothing is behind, so
    a quiet site with unchanged polls never looks stale, and a job that stops reporting does.
    """
    observability.count(observability.SNAPSHOT_WRITTEN, report.written)
    observability.count(observability.SNAPSHOT_SKIPPED, report.skipped)
    observability.count(observability.SNAPSHOT_FAILED, report.failed)
    failed = {failure["poll_id"] for failure in report.failures}
    if "index.json" in failed:  # the index failed: every poll of this run is written again next run
        failed |= {d.poll.id for d in due}
    behind = [now - (d.snapshot_at or d.poll.created_at) for d in due if d.poll.id in failed]
    observability.count(observability.SNAPSHOT_AGE_SECONDS, max([0.0, *behind]))
