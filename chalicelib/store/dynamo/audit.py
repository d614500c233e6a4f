"""The audit log in DynamoDB: append-only entries keyed by poll, newest first, and a feed index of all entries."""

from __future__ import annotations

import json
import threading
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.audit import AuditAction, AuditEntry
from chalicelib.core.identity import Actor, ActorKind
from chalicelib.runtime import state
from chalicelib.runtime.settings import Settings, get_settings
from chalicelib.store.dynamo.connection import conn, translated, unavailable
from chalicelib.store.port import AuditPage

FEED = "all"  # every entry's feed key: admin actions are a few a minute, far below one partition's limits
SITE_STREAM = "site"  # the stream of entries that concern no single poll (snapshot runs)


class AuditFeedIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    """Every entry, newest first, for the audit page without a poll filter."""

    class Meta:
        index_name = "feed"
        projection = AllProjection()

    feed = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)


class AuditModel(Model):
    """One audit entry: partition per poll ("poll#<id>", or "site"), sorted by time."""

    class Meta:
        table_name = "poll-audit"
        region = "us-east-1"

    stream = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)  # "<epoch ms, 13 digits>#<entry id>": sorts by time
    feed = UnicodeAttribute(default=FEED)
    actor_kind = UnicodeAttribute()
    actor = UnicodeAttribute()
    actor_id = UnicodeAttribute(null=True)
    action = UnicodeAttribute()
    poll_id = UnicodeAttribute(null=True)
    details = UnicodeAttribute()  # JSON: before and after, kept exactly as recorded
    feed_index = AuditFeedIndex()


_lock = threading.Lock()
_bound = False


def bind(settings: Settings) -> None:
    """Point the model at a stage's audit table, region and endpoint."""
    AuditModel.Meta.table_name = settings.audit_table
    AuditModel.Meta.region = settings.region
    AuditModel.Meta.host = settings.endpoint_url  # type: ignore[attr-defined]
    AuditModel._connection = None


def _bind() -> None:
    """Bind the model to this stage once per process."""
    global _bound
    if _bound:
        return
    with _lock:
        conn()
        bind(get_settings())
        _bound = True


def _reset() -> None:
    global _bound
    with _lock:
        _bound = False
        AuditModel._connection = None


state.register("audit-model", _reset)


def stream_of(poll_id: str | None) -> str:
    """Return the partition an entry about this poll (or none) lives in."""
    return f"poll#{poll_id}" if poll_id else SITE_STREAM


def _to_model(entry: AuditEntry) -> AuditModel:
    return AuditModel(
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

    def append(self, entry: AuditEntry) -> None:
        """Add an entry; an entry never replaces another (put on condition that the key is new)."""
        _bind()
        try:
            _to_model(entry).save(condition=AuditModel.stream.does_not_exist())
        except PynamoDBException as exc:
            raise unavailable(exc) from exc

    def page(self, poll_id: str | None, limit: int, start: dict[str, str] | None) -> AuditPage:
        """Read one page newest first, through the poll's key or the feed index (never a scan)."""
        _bind()
        exclusive: Any = {name: {"S": value} for name, value in start.items()} if start else None
        with translated():
            if poll_id is None:
                found = AuditModel.feed_index.query(
                    FEED, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=exclusive
                )
            else:
                found = AuditModel.query(
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
