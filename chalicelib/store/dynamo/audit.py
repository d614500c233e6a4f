"""The audit log in DynamoDB: append-only entries keyed by poll, newest first, and a feed index of all entries."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.exceptions import PynamoDBException

from chalicelib.core.audit import AuditAction, AuditEntry
from chalicelib.core.identity import Actor, ActorKind
from chalicelib.store.dynamo.audit_model import FEED, AuditModel
from chalicelib.store.dynamo.connection import translated, unavailable
from chalicelib.store.dynamo.tables import Tables
from chalicelib.store.port import AuditPage

SITE_STREAM = "site"  # the stream of entries that concern no single poll (snapshot runs)


def stream_of(poll_id: str | None) -> str:
    """Return the partition an entry about this poll (or none) lives in."""
    return f"poll#{poll_id}" if poll_id else SITE_STREAM


def _to_model(model: type[AuditModel], entry: AuditEntry) -> AuditModel:
    return model(
        stream=stream_of(entry.poll_id),
        at_id=f"{entry.at_ms:013d}#{entry.entry_id}",
        actor_kind=entry.actor.kind.value,
        actor=entry.actor.name,
        actor_id=entry.actor.id,
        action=entry.action.value,
        poll_id=entry.poll_id,
        details=json.dumps(entry.details, ensure_ascii=False, separators=(",", ":")),
    )


def _from_model(item: AuditModel) -> AuditEntry:
    at_ms, _, entry_id = item.at_id.partition("#")
    return AuditEntry(
        at_ms=int(at_ms),
        entry_id=entry_id,
        actor=Actor(ActorKind(item.actor_kind), item.actor, item.actor_id),
        action=AuditAction(item.action),
        poll_id=item.poll_id,
        details=json.loads(item.details),
    )


class DynamoAuditLog:
    """The AuditLog port over the stage's audit table (the app may only PutItem, if absent, and Query)."""

    def __init__(self, tables: Tables) -> None:
        self.model = tables.audit

    def append(self, entry: AuditEntry) -> None:
        """Add an entry; an entry never replaces another (put on condition that the key is new)."""
        try:
            _to_model(self.model, entry).save(condition=self.model.stream.does_not_exist())
        except PynamoDBException as exc:
            raise unavailable(exc) from exc

    def page(self, poll_id: str | None, limit: int, start: dict[str, str] | None) -> AuditPage:
        """Read one page newest first, through the poll's key or the feed index (never a scan)."""
        exclusive: Any = {name: {"S": value} for name, value in start.items()} if start else None
        with translated():
            if poll_id is None:
                found = self.model.feed_index.query(
                    FEED, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=exclusive
                )
            else:
                found = self.model.query(
                    stream_of(poll_id),
                    scan_index_forward=False,
                    limit=limit,
                    page_size=limit,
                    last_evaluated_key=exclusive,
                )
            entries = [_from_model(item) for item in found]
            last = found.last_evaluated_key
        next_key = {name: str(value["S"]) for name, value in last.items()} if last else None
        return AuditPage(entries=entries, next_key=next_key)
