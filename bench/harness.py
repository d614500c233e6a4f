"""Shared benchmark machinery: the local stage's environment, moto and the local stack, request and capacity
recording, stats, tables."""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
import secrets
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# The environment must be in place before the app or any AWS client is imported (as in tests/conftest.py).
FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "STAGE": "local",
    "POLL_ADMIN_TOKEN": "bench-admin-token",
    "POLL_HMAC_KEY": "bench-hmac-key",
}
for _name, _value in FAKE_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

from moto import mock_aws  # noqa: E402

from chalicelib.runtime import state  # noqa: E402
from chalicelib.runtime.settings import get_settings  # noqa: E402
from local import recorder  # noqa: E402
from local.recorder import Call  # noqa: E402 - also harness.Call: what RECORDER holds
from local.seed import seed_active_polls  # noqa: E402, F401 - used as harness.*
from local.stack import LocalStack, free_port  # noqa: E402
from ops.client import PollClient, loopback  # noqa: E402

REGION = "us-east-1"
POLL = {"question": "Should the council build the new bridge?", "options": ["Yes", "No", "Don't know"]}

# DynamoDB's capacity rules (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/
# read-write-operations.html), applied to item sizes measured on moto's backend:
WRITE_UNIT_BYTES = 1024  # a standard write: 1 WCU per KB of the larger of the item before and after
READ_UNIT_BYTES = 4096  # a strongly consistent read: 1 RCU per 4 KB (eventually consistent: half)
TRANSACTION_FACTOR = 2  # transactional reads and writes cost twice as much, per item
WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


# ---------------------------------------------------------------- item sizes


def _number_size(text: str) -> int:
    """DynamoDB's size of a number: about one byte per two significant digits, plus one."""
    digits = text.lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def value_size(value: dict[str, Any]) -> int:
    """Return DynamoDB's size of an attribute value in wire format ({"S": ...}, {"M": ...}, ...)."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        return _number_size(str(inner))
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "BS"):
        return sum(len(v.encode("utf-8")) if isinstance(v, str) else len(v) for v in inner)
    if kind == "NS":
        return sum(_number_size(str(v)) for v in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in inner.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    """Return an item's size: the UTF-8 bytes of each attribute name plus its value's size."""
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def write_units(size: int, transactional: bool) -> int:
    """Write units of one item write (a refused conditional write still costs at least one)."""
    return max(1, math.ceil(size / WRITE_UNIT_BYTES)) * (TRANSACTION_FACTOR if transactional else 1)


def read_units(size: int, consistent: bool) -> float:
    """Read units of one item read (a read of a missing item still costs the minimum)."""
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


# ---------------------------------------------------------------- moto's backend


def _moto_table(table_name: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(table_name)


def stored_item(table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """Read an item straight from moto's in-process backend (no request is made or recorded)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    try:
        found = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_item(table_name, key)
    except Exception:  # noqa: BLE001 - a table moto does not know: nothing stored
        return None
    return None if found is None else found.to_json()["Attributes"]


def key_of(table_name: str, item: dict[str, Any]) -> dict[str, Any]:
    """Return the primary key of a wire-format item."""
    table = _moto_table(table_name)
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: item[name] for name in names}


def _written_keys(operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    """Return (table, key, transactional) for every item a write request touches."""
    if operation == "PutItem":
        return [(params["TableName"], key_of(params["TableName"], params["Item"]), False)]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(params["TableName"], params["Key"], False)]
    if operation == "BatchWriteItem":
        found = []
        for table, requests in params["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    found.append((table, key_of(table, request["PutRequest"]["Item"]), False))
                else:
                    found.append((table, request["DeleteRequest"]["Key"], False))
        return found
    found = []
    for entry in params.get("TransactItems", []):
        (kind, body), *_ = entry.items()
        key = key_of(body["TableName"], body["Item"]) if kind == "Put" else body["Key"]
        found.append((body["TableName"], key, True))
    return found


class Recorder(recorder.Recorder):
    """The benchmarks' recorder: calls with their capacity (DynamoDB's by default), and totals."""

    def operations(self, service: str | None = "dynamodb") -> list[str]:
        """The recorded operations, in order."""
        return super().operations(service)

    def count(self, service: str | None = "dynamodb") -> Counter[str]:
        """The recorded operations, counted."""
        return super().count(service)

    def totals(self) -> dict[str, float]:
        """Sum of requests and capacity over the recorded calls."""
        dynamo = [c for c in self.calls if c.service == "dynamodb"]
        return {
            "requests": len(dynamo),
            "wcu": sum(c.wcu for c in dynamo),
            "index_wcu": sum(c.index_wcu for c in dynamo),
            "rcu": sum(c.rcu for c in dynamo),
            "s3_puts": sum(1 for c in self.calls if c.service == "s3" and c.operation == "PutObject"),
            "s3_gets": sum(1 for c in self.calls if c.service == "s3" and c.operation == "GetObject"),
            "s3_bytes": sum(c.s3_bytes for c in self.calls),
        }


RECORDER = Recorder()
RECORDING = {"on": True}  # off while timing: the capacity bookkeeping reads moto's backend on every write
# Hooks a scenario may add: called with (operation, params) before and (operation, params, failed) after a call.
BEFORE_CALL: list[Callable[[str, dict[str, Any]], None]] = []
AFTER_CALL: list[Callable[[str, dict[str, Any], bool], None]] = []


def _projected(index: Any, item: dict[str, Any]) -> dict[str, Any]:
    """The part of an item a secondary index stores (its projection)."""
    projection = index.projection or {}
    kind = projection.get("ProjectionType", "ALL")
    if kind == "ALL":
        return item
    keep = set(index.table_key_attrs) | set(index.schema_key_attrs)
    if kind == "INCLUDE":
        keep |= set(projection.get("NonKeyAttributes", []))
    return {name: value for name, value in item.items() if name in keep}


def index_writes(
    table_name: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[tuple[str, str, int]]:
    """(index, index key, WCU) a table's GSIs take for one item write: a standard write per entry changed."""
    if before == after:
        return []
    found = []
    for index in getattr(_moto_table(table_name), "global_indexes", []):
        in_before = bool(before) and all(k in before for k in index.schema_key_attrs)  # type: ignore[operator]
        in_after = bool(after) and all(k in after for k in index.schema_key_attrs)  # type: ignore[operator]
        old = _projected(index, before) if in_before and before else None
        new = _projected(index, after) if in_after and after else None
        if old == new:
            continue  # nothing the index stores changed
        key = json.dumps([(new or old or {}).get(k) for k in index.schema_key_attrs], sort_keys=True)
        if old is not None and new is not None and any(old[k] != new[k] for k in index.schema_key_attrs):
            units = write_units(item_size(old), False) + write_units(item_size(new), False)  # key moved: delete + put
        else:
            units = write_units(max(item_size(old), item_size(new)), False)
        found.append((index.name, key, units))
    return found


def _read_cost(operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> float:
    """Read units of a read request, from the sizes of the items it read."""
    if operation == "GetItem":
        item = stored_item(params["TableName"], params["Key"])
        return read_units(item_size(item), bool(params.get("ConsistentRead")))
    if operation == "BatchGetItem":
        total = 0.0
        for table, request in params["RequestItems"].items():
            for key in request["Keys"]:
                total += read_units(item_size(stored_item(table, key)), bool(request.get("ConsistentRead")))
        return total
    if operation in ("Query", "Scan"):
        size = sum(item_size(item) for item in parsed.get("Items", []))  # a query rounds once, over all items
        return read_units(size, bool(params.get("ConsistentRead")))
    return 0.0


def _body_size(body: Any) -> int:
    """Bytes of an S3 body (botocore turns bytes into a file-like object before sending)."""
    if isinstance(body, bytes | str):
        return len(body)
    if hasattr(body, "seek") and hasattr(body, "tell"):
        position = body.tell()
        body.seek(0, 2)
        size = int(body.tell())
        body.seek(position)
        return size
    return 0


class Capacity(recorder.Hook):
    """While RECORDING is on: runs BEFORE_CALL and AFTER_CALL, measures each call's capacity, adds it to RECORDER."""

    def prepared(self, call: Call) -> None:
        """Run BEFORE_CALL and keep the items a write will touch as they were before it."""
        if not RECORDING["on"]:
            return
        for hook in list(BEFORE_CALL):
            hook(call.operation, call.params)
        if call.service == "dynamodb" and call.operation in WRITE_OPERATIONS:
            keys = _written_keys(call.operation, call.params)
            call.notes["before"] = [(t, k, tx, stored_item(t, k)) for t, k, tx in keys]

    def answered(self, call: Call, http_response: Any, parsed: dict[str, Any]) -> None:
        """Measure the call's capacity from the items before and after it, record it, then run AFTER_CALL."""
        if not RECORDING["on"]:
            return
        if call.service == "dynamodb":
            for table, key, transactional, before in call.notes.pop("before", []):
                after = stored_item(table, key)
                units = write_units(max(item_size(before), item_size(after)), transactional)
                call.wcu += units
                call.items.append((table, json.dumps(key, sort_keys=True), units))
                for entry in index_writes(table, before, after):
                    call.index_wcu += entry[2]
                    call.index_items.append(entry)
            if not call.failed:
                call.rcu = _read_cost(call.operation, call.params, parsed)
        if call.service == "s3" and call.operation == "PutObject":
            call.s3_bytes = _body_size(call.params.get("Body", b""))
        RECORDER.add(call)
        for hook in list(AFTER_CALL):
            hook(call.operation, call.params, call.failed)


recorder.install()
recorder.HOOKS.add(Capacity())


# ---------------------------------------------------------------- the backend and the app, the local stack


@contextmanager
def backend() -> Iterator[PollClient]:
    """A fresh moto backend with the local stage's tables and bucket, and the API's client through Chalice's test
    client (the app in this process, every AWS call recorded)."""
    from chalice.test import Client

    from app import app
    from local.resources import ensure_resources
    from local.stack import stage_environment

    logger = logging.getLogger(app.log.name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # injected faults would print tracebacks
    saved_environment = dict(os.environ)
    # The local stage's settings for the whole block, not only while the test client runs a request:
    # settings are read once and cached, and some reads happen between requests.
    os.environ.update({k: v for k, v in stage_environment("local").items() if k not in FAKE_ENVIRONMENT})
    state.reset_all()
    try:
        with mock_aws():
            ensure_resources(get_settings())
            state.reset_all()
            with Client(app, stage_name="local") as client:
                RECORDER.clear()
                try:
                    yield PollClient.over_chalice(client, os.environ["POLL_ADMIN_TOKEN"])
                finally:
                    BEFORE_CALL.clear()
                    AFTER_CALL.clear()
    finally:
        logger.setLevel(level)
        os.environ.clear()
        os.environ.update(saved_environment)
        state.reset_all()


@contextmanager
def local_stack(admin_token: str) -> Iterator[LocalStack]:
    """The local stack (moto's server, `chalice local`, the site) on free ports, its API's output discarded; stopped,
    and the environment put back, after the block. The benchmarks that need real HTTP start it only here."""
    saved_environment = dict(os.environ)
    try:
        with LocalStack(port=free_port(), aws_port=free_port(), admin_token=admin_token, quiet=True) as stack:
            yield stack
    finally:
        os.environ.clear()
        os.environ.update(saved_environment)


def new_voter() -> str:
    """A fresh valid voter token."""
    return "bench-" + secrets.token_hex(8)


def steady_votes(
    api_url: str, poll_id: str, *, seconds: float, rate: float, threads: int, prefix: str = "steady"
) -> tuple[list[float], int]:
    """Offer `rate` votes a second for `seconds` from `threads` clients on distinct loopback addresses (each on its
    own schedule, together evenly spaced); return each accepted vote's time (monotonic, sorted) and the refusals."""
    accepted: list[float] = []
    refused = [0]
    numbers = itertools.count()
    lock = threading.Lock()
    started = time.monotonic()
    interval = threads / rate

    def client(index: int) -> None:
        reader = PollClient.over_http(api_url, source=loopback(index), timeout=30)
        due = started + index * interval / threads
        while due < started + seconds:
            time.sleep(max(0.0, due - time.monotonic()))
            with lock:
                number = next(numbers)
            answer = reader.vote(poll_id, ["yes" if number % 3 else "no"], f"{prefix}-voter-{number:08d}")
            with lock:
                if answer.status == 201:
                    accepted.append(time.monotonic())
                else:
                    refused[0] += 1
            due += interval

    workers = [threading.Thread(target=client, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sorted(accepted), refused[0]


@contextmanager
def unrecorded() -> Iterator[None]:
    """Turn the request recording (and its overhead) off inside the block."""
    RECORDING["on"] = False
    try:
        yield
    finally:
        RECORDING["on"] = True


@contextmanager
def recording() -> Iterator[Recorder]:
    """Record the calls made inside the block (the recorder is emptied first)."""
    RECORDER.clear()
    yield RECORDER


# ---------------------------------------------------------------- stats and tables


@dataclass
class Spread:
    """min / median / max of repeated measurements."""

    values: list[float]

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    def show(self, digits: int = 2, unit: str = "") -> str:
        """Format as 'median (min–max)'."""
        return f"{self.median:.{digits}f}{unit} ({self.min:.{digits}f}–{self.max:.{digits}f})"


def timed(function: Callable[[], Any]) -> float:
    """Seconds one call takes (monotonic clock)."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def fmt(value: float, digits: int = 1) -> str:
    """A number without a useless fraction."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


@dataclass
class Section:
    """One benchmark's output: a title, markdown tables and notes, plus raw figures for tests."""

    title: str
    tables: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def table(self, header: list[str], rows: list[list[Any]]) -> None:
        """Add a table."""
        self.tables.append((header, [[str(c) for c in row] for row in rows]))

    def markdown(self) -> str:
        """Render as markdown."""
        lines = [f"## {self.title}", ""]
        for header, rows in self.tables:
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "|".join("---" for _ in header) + "|")
            lines += ["| " + " | ".join(row) + " |" for row in rows]
            lines.append("")
        lines += [f"- {note}" for note in self.notes]
        if self.notes:
            lines.append("")
        return "\n".join(lines)
