"""The audit log's domain: what editors and the system did to polls, by whom, with what changed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.core.identity import Actor
from chalicelib.core.times import to_iso

MAX_AUDIT_PAGE, DEFAULT_AUDIT_PAGE = 100, 20


class AuditAction(StrEnum):
    """Every action the audit log records."""

    CREATE = "create"
    CHANGE = "change"
    CLOSE = "close"
    REOPEN = "reopen"
    RESHARD = "reshard"  # recorded before votes became a ledger (no poll has shards now); kept so old entries read
    AUTO_RESHARD = "auto_reshard"  # likewise
    DELETE = "delete"
    RECOUNT = "recount"
    RECOUNT_FIX = "recount_fix"
    VOID_STARTED = "void_started"  # recorded before a void marks its first ballot
    VOID = "void"  # recorded when a void has marked every ballot it matched
    SNAPSHOT_RUN = "snapshot_run"
    EXPORT = "export"  # an analytics export asked for (POST /exports)
    SURGE = "surge"  # the surge rule raised a network's or block's proof cost (core/surges.py)
    SURGE_LAPSED = "surge_lapsed"  # a surge (or an editor's lift) ended after its cool-down
    SURGE_LIFTED = "surge_lifted"  # an editor lifted a surge (or kept one from starting)
    WRITE_IN = "write_in"  # an editor approved, merged or rejected a reader's write-in answer
    QUIZ_CREATE = "quiz_create"  # a multi-question quiz (its id in poll_id)
    QUIZ_CHANGE = "quiz_change"
    QUIZ_DELETE = "quiz_delete"


@dataclass(frozen=True)
class AuditEntry:
    """One recorded action; `at` is epoch milliseconds, `entry_id` makes entries of one millisecond distinct."""

    at_ms: int
    entry_id: str
    actor: Actor
    action: AuditAction
    poll_id: str | None
    details: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """Return the entry as GET /audit shows it."""
        return {
            "at": to_iso(self.at_ms / 1000),
            "actor": self.actor.name,
            "actor_id": self.actor.id,
            "action": self.action.value,
            "poll_id": self.poll_id,
            "details": self.details,
        }


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Return {"before": {...}, "after": {...}} holding only the fields that differ (status included)."""
    names = [name for name in after if before.get(name) != after.get(name)]
    names += [name for name in before if name not in after]
    return {"before": {n: before.get(n) for n in names}, "after": {n: after.get(n) for n in names}}


def change_action(body: dict[str, Any]) -> AuditAction:
    """Name a PATCH by what it asked: a close, a reopen, or another change."""
    status = body.get("status")
    if status == "closed":
        return AuditAction.CLOSE
    if status == "open":
        return AuditAction.REOPEN
    return AuditAction.CHANGE
