"""The process's DynamoDB connection and the one translator of storage errors into domain errors."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.connection import Connection
from pynamodb.exceptions import CancellationReason, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import ServiceUnavailable
from chalicelib.runtime import state
from chalicelib.runtime.settings import get_settings
from chalicelib.store.dynamo import models

TRANSACTION_LIMIT = 100  # items per TransactWriteItems
THROTTLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
    }
)
STORAGE_ERRORS = (PynamoDBException, BotoCoreError, ClientError)
CONDITION_FAILED = "ConditionalCheckFailedException"


class NamedWrites:
    """A transaction's writes, each with a name, listed in the order PynamoDB sends them.

    PynamoDB sends condition checks, then deletes, then puts, then updates, whatever order they were
    added in; DynamoDB's cancellation reasons follow the items as sent. `order()` gives the names so.
    """

    KINDS = ("condition_check", "delete", "save", "update")

    def __init__(self, tx: TransactWrite) -> None:
        self.tx = tx
        self._names: dict[str, list[str]] = {kind: [] for kind in self.KINDS}

    def save(self, name: str, model: Any, **options: Any) -> None:
        """Put an item."""
        self._names["save"].append(name)
        self.tx.save(model, **options)

    def update(self, name: str, model: Any, **options: Any) -> None:
        """Update an item."""
        self._names["update"].append(name)
        self.tx.update(model, **options)

    def delete(self, name: str, model: Any, **options: Any) -> None:
        """Delete an item."""
        self._names["delete"].append(name)
        self.tx.delete(model, **options)

    def order(self) -> list[str]:
        """Return the item names in the order the request lists the items."""
        return [name for kind in self.KINDS for name in self._names[kind]]


TxOp = Callable[[NamedWrites], None]

_lock = threading.Lock()
_connection: Connection | None = None


def conn() -> Connection:
    """Return the process's DynamoDB connection, binding the models to the stage's tables first."""
    global _connection
    if _connection is None:
        with _lock:
            if _connection is None:
                settings = get_settings()
                models.bind(settings)
                _connection = Connection(region=settings.region, host=settings.endpoint_url)
    return _connection


def reset() -> None:
    """Drop the cached connection and model bindings."""
    global _connection
    with _lock:
        _connection = None
        for model in models.ALL_MODELS:
            model._connection = None


state.register("dynamodb", reset)


def error_code(exc: BaseException | None) -> str | None:
    """Return the AWS error code of a botocore ClientError (or its PynamoDB wrapper)."""
    while exc is not None:
        if isinstance(exc, ClientError):
            return str(exc.response.get("Error", {}).get("Code"))
        exc = getattr(exc, "cause", None) or exc.__cause__
    return None


def unavailable(exc: BaseException) -> ServiceUnavailable:
    """Translate a storage failure that has no domain meaning."""
    if error_code(exc) in THROTTLE_CODES:
        return ServiceUnavailable("the poll store is busy, try again shortly", retry_after=1)
    return ServiceUnavailable("the poll store is unavailable, try again shortly")


@contextmanager
def translated() -> Iterator[None]:
    """Turn any storage error raised inside into ServiceUnavailable (the domain's meaning is decided before)."""
    try:
        yield
    except STORAGE_ERRORS as exc:
        raise unavailable(exc) from exc


class Cancelled(Exception):
    """A transaction was cancelled; `reasons` maps each named item to its cancellation code ("None" if it passed)."""

    def __init__(self, reasons: dict[str, str], cause: TransactWriteError) -> None:
        super().__init__(", ".join(f"{name}={code}" for name, code in reasons.items()))
        self.reasons = reasons
        self.cause = cause

    def failed(self, name: str) -> bool:
        """Tell whether this item's condition failed."""
        return self.reasons.get(name) == "ConditionalCheckFailed"


def named_reasons(exc: TransactWriteError, names: list[str]) -> dict[str, CancellationReason]:
    """Pair a cancelled transaction's reasons with its items' names (NamedWrites.order())."""
    return {name: reason for name, reason in zip(names, exc.cancellation_reasons or [], strict=False) if reason}


def transact_in_chunks(operations: list[TxOp]) -> None:
    """Run writes in as few transactions as the 100-item limit allows (one for up to 100).

    A cancelled chunk raises Cancelled with its items' reasons by name; other failures raise
    ServiceUnavailable.
    """
    connection = conn()
    for start in range(0, len(operations), TRANSACTION_LIMIT):
        writes: NamedWrites | None = None
        try:
            with TransactWrite(connection=connection, client_request_token=str(uuid.uuid4())) as tx:
                writes = NamedWrites(tx)
                for operation in operations[start : start + TRANSACTION_LIMIT]:
                    operation(writes)
        except TransactWriteError as exc:
            if writes is not None and error_code(exc) == "TransactionCanceledException" and exc.cancellation_reasons:
                reasons = named_reasons(exc, writes.order())
                raise Cancelled({name: reason.code for name, reason in reasons.items()}, exc) from exc
            raise unavailable(exc) from exc
