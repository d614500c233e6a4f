"""Which store and archive this process uses: DynamoDB and S3 unless a test puts others in their place."""

from __future__ import annotations

from typing import Any

from chalicelib.runtime import state
from chalicelib.store.port import Archive, AuditLog, Store

_store: Store | None = None
_archive: Archive | None = None
_audit_log: AuditLog | None = None


def store() -> Store:
    """Return the process's store (the DynamoDB adapter by default, built on first use)."""
    global _store
    if _store is None:
        from chalicelib.store.dynamo.store import DynamoStore  # noqa: PLC0415 - PynamoDB only when the store is used

        _store = DynamoStore()
    return _store


def changed_polls(records: list[dict[str, Any]]) -> list[str]:
    """Return the polls whose counts a batch of the counters table's stream records changed."""
    from chalicelib.store.dynamo.stream import changed_polls as read  # noqa: PLC0415 - the stream is DynamoDB's

    return read(records)


def archive() -> Archive:
    """Return the process's archive (the S3 adapter by default)."""
    global _archive
    if _archive is None:
        from chalicelib.store.s3 import S3Archive  # noqa: PLC0415 - boto only when the archive is used

        _archive = S3Archive()
    return _archive


def audit_log() -> AuditLog:
    """Return the process's audit log (the DynamoDB adapter by default)."""
    global _audit_log
    if _audit_log is None:
        from chalicelib.store.dynamo.audit import DynamoAuditLog  # noqa: PLC0415 - PynamoDB only when used

        _audit_log = DynamoAuditLog()
    return _audit_log


def use_audit_log(audit_log_: AuditLog | None) -> None:
    """Put another audit log in place (tests; None restores the default on next use)."""
    global _audit_log
    _audit_log = audit_log_


def use(store_: Store | None = None, archive_: Archive | None = None) -> None:
    """Put another store and archive in place (tests; None restores the defaults on next use)."""
    global _store, _archive
    _store, _archive = store_, archive_


state.register("adapters", use)
state.register("audit-log", lambda: use_audit_log(None))
