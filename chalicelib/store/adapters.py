"""Which store, archive and audit log this process uses: DynamoDB and S3, bound to the stage when first used."""

from __future__ import annotations

from typing import Any

from chalicelib.runtime import state
from chalicelib.runtime.settings import get_settings
from chalicelib.store.port import Archive, AuditLog, BallotBatch, Store
from chalicelib.store.quiz_port import QuizStore

_tables: Any = None
_store: Store | None = None
_archive: Archive | None = None
_audit_log: AuditLog | None = None
_quizzes: QuizStore | None = None


def _bound_tables() -> Any:
    """Return the stage's tables, bound once per process from the settings."""
    global _tables
    if _tables is None:
        from chalicelib.store.dynamo.tables import Tables  # noqa: PLC0415 - PynamoDB only when the store is used

        _tables = Tables.build(get_settings())
    return _tables


def store() -> Store:
    """Return the process's store (the DynamoDB adapter by default, built on first use)."""
    global _store
    if _store is None:
        from chalicelib.store.dynamo.store import DynamoStore  # noqa: PLC0415

        _store = DynamoStore(_bound_tables())
    return _store


def quiz_store() -> QuizStore:
    """Return the process's quiz store (the DynamoDB adapter, built on first use)."""
    global _quizzes
    if _quizzes is None:
        from chalicelib.store.dynamo.quizzes import DynamoQuizzes  # noqa: PLC0415

        _quizzes = DynamoQuizzes(_bound_tables())
    return _quizzes


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

        _audit_log = DynamoAuditLog(_bound_tables())
    return _audit_log


def ballot_batch(event: dict[str, Any]) -> BallotBatch:
    """Read a batch of the ballots table's stream."""
    from chalicelib.store.dynamo.stream import ballot_batch as read  # noqa: PLC0415 - the stream is DynamoDB's

    return read(event)


def tallied_polls(event: dict[str, Any]) -> list[str]:
    """Return the polls whose tallies a batch of the polls table's stream changed."""
    from chalicelib.store.dynamo.stream import tallied_polls as read  # noqa: PLC0415

    return read(event)


def defined_polls(event: dict[str, Any]) -> list[str]:
    """Return the polls whose definition a batch of the polls table's stream created or changed."""
    from chalicelib.store.dynamo.stream import defined_polls as read  # noqa: PLC0415

    return read(event)


def use_audit_log(audit_log_: AuditLog | None) -> None:
    """Put another audit log in place (tests; None restores the default on next use)."""
    global _audit_log
    _audit_log = audit_log_


def use(store_: Store | None = None, archive_: Archive | None = None) -> None:
    """Put another store and archive in place (tests; None restores the defaults on next use)."""
    global _store, _archive, _tables, _quizzes
    _store, _archive, _tables, _quizzes = store_, archive_, None, None


state.register("adapters", use)
state.register("audit-log", lambda: use_audit_log(None))
