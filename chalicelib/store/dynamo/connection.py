"""Requests to DynamoDB and the one translator of storage errors into domain errors."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import ServiceUnavailable

TRANSACTION_LIMIT = 100  # items per TransactWriteItems
BATCH_GET_LIMIT = 100  # keys per BatchGetItem
BATCH_WRITE_LIMIT = 25  # requests per BatchWriteItem
UNPROCESSED_RETRIES = 6
THROTTLE_CODES = frozenset(
    {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "ThrottlingError"}
)
IN_PROGRESS = "TransactionInProgressException"  # an earlier attempt with the same token may still commit
CANCELLED = "TransactionCanceledException"
CONDITION_FAILED = "ConditionalCheckFailedException"
SERVER_ERRORS = frozenset({"InternalServerError", "ServiceUnavailable"})
STORAGE_ERRORS = (PynamoDBException, BotoCoreError, ClientError)


def error_code(exc: BaseException | None) -> str | None:
    """Return the AWS error code of a botocore ClientError (or its PynamoDB wrapper)."""
    while exc is not None:
        if isinstance(exc, ClientError):
            return str(exc.response.get("Error", {}).get("Code"))
        exc = getattr(exc, "cause", None) or exc.__cause__
    return None


def unavailable(exc: BaseException) -> ServiceUnavailable:
    """Translate a storage failure that has no domain meaning."""
    if error_code(exc) in THROTTLE_CODES | {IN_PROGRESS}:
        return ServiceUnavailable("the poll store is busy, try again shortly", retry_after=1)
    return ServiceUnavailable("the poll store is unavailable, try again shortly")


@contextmanager
def translated() -> Iterator[None]:
    """Turn any storage error raised inside into ServiceUnavailable (the domain's meaning is decided before)."""
    try:
        yield
    except STORAGE_ERRORS as exc:
        raise unavailable(exc) from exc


@dataclass
class Transaction:
    """A TransactWriteItems request whose items have names, so a cancellation is read by name, never position."""

    names: list[str] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, kind: str, body: dict[str, Any]) -> None:
        """Add an item: kind is Put, Update, Delete or ConditionCheck."""
        self.names.append(name)
        self.items.append({kind: body})


class Cancelled(Exception):
    """A transaction was cancelled; `reasons` maps each item's name to its code ("None" if it passed)."""

    def __init__(self, reasons: dict[str, str], items: dict[str, dict[str, Any]], cause: ClientError) -> None:
        super().__init__(", ".join(f"{name}={code}" for name, code in reasons.items()))
        self.reasons = reasons
        self.items = items  # the item as it was, for items that asked for ALL_OLD and failed their condition
        self.cause = cause

    def failed(self, name: str) -> bool:
        """Tell whether this item's condition failed."""
        return self.reasons.get(name) == "ConditionalCheckFailed"

    @property
    def conflict(self) -> bool:
        """Tell whether another transaction or write held one of the items."""
        return "TransactionConflict" in self.reasons.values()


def transact(client: Any, transaction: Transaction, token: str | None = None) -> None:
    """Run a transaction (with a client request token, when given); raise Cancelled with the reasons by name."""
    arguments: dict[str, Any] = {"TransactItems": transaction.items}
    if token is not None:
        arguments["ClientRequestToken"] = token
    try:
        client.transact_write_items(**arguments)
    except ClientError as exc:
        reasons = exc.response.get("CancellationReasons")
        if error_code(exc) != CANCELLED or not reasons:
            raise
        codes = {name: str(reason.get("Code")) for name, reason in zip(transaction.names, reasons, strict=False)}
        items = {
            name: reason["Item"] for name, reason in zip(transaction.names, reasons, strict=False) if reason.get("Item")
        }
        raise Cancelled(codes, items, exc) from exc


def batch_get(client: Any, table: str, keys: list[dict[str, Any]], consistent: bool = True) -> list[dict[str, Any]]:
    """BatchGetItem over one table's keys in chunks of 100, retrying unprocessed keys."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request: dict[str, Any] = {table: {"Keys": keys[start : start + BATCH_GET_LIMIT], "ConsistentRead": consistent}}
        for attempt in range(UNPROCESSED_RETRIES):
            with translated():
                response = client.batch_get_item(RequestItems=request)
            found += response.get("Responses", {}).get(table, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
        else:
            raise ServiceUnavailable("the poll store is busy, try again shortly", retry_after=1)
    return found


def batch_delete(client: Any, table: str, keys: list[dict[str, Any]]) -> None:
    """BatchWriteItem deletes in chunks of 25, retrying unprocessed ones."""
    for start in range(0, len(keys), BATCH_WRITE_LIMIT):
        request: dict[str, Any] = {table: [{"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]]}
        for attempt in range(UNPROCESSED_RETRIES):
            with translated():
                response = client.batch_write_item(RequestItems=request)
            request = response.get("UnprocessedItems") or {}
            if not request:
                break
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
        else:
            raise ServiceUnavailable("the poll store is busy, try again shortly", retry_after=1)


def query_all(client: Any, **arguments: Any) -> list[dict[str, Any]]:
    """Run a Query to its end (every page) and return the items."""
    items: list[dict[str, Any]] = []
    while True:
        with translated():
            response = client.query(**arguments)
        items += response.get("Items", [])
        if not response.get("LastEvaluatedKey"):
            return items
        arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]
