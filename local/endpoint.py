"""moto as the embedded AWS endpoint: one request at a time, as DynamoDB serialises conflicting writes.

moto is not thread-safe: `TransactWriteItems` deep-copies every table it touches and puts the copies
back on cancellation, so two concurrent transactions can lose each other's writes. The endpoint here
serves one AWS request at a time. While it does, a transaction backs up only the items it touches
(a deep copy of each table costs time in proportion to the table, and dominated busy tests) and
restores just those, and the tables' streams, on cancellation: the same outcome, since nothing
else can write meanwhile. Upstream, moto's own `transact_write_items` could do the same: back up
`get_item` of each key the transaction names and the length of each touched table's stream.
"""

from __future__ import annotations

import copy
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any


class SerialisedWsgi:
    """WSGI middleware that serves one request at a time, body included."""

    def __init__(self, app: Any, around: Callable[[], AbstractContextManager[None]] | None = None) -> None:
        self.app = app
        self.around = around
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self.lock, (self.around or nullcontext)():
            body = self.app(environ, start_response)
            try:
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()


class _Unusual(Exception):
    """A transaction this module does not back up itself (moto's own table copies handle it)."""


def _touched_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]]:
    """Return (table, hash value, range value) for every item a transaction writes or checks."""
    from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415 - a dev dependency

    touched = []
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName"))
            key = op.get("Item") if op_type == "Put" else op.get("Key")
            if table is None or not isinstance(key, dict) or table.hash_key_attr not in key:
                raise _Unusual
            if table.range_key_attr is not None and table.range_key_attr not in key:
                raise _Unusual
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr is not None else None
            touched.append((table, DynamoType(key[table.hash_key_attr]), range_value))
    return touched


def _restore(table: Any, hash_value: Any, range_value: Any, item: Any) -> None:
    """Put one item back as it was (absent when `item` is None)."""
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
    elif item is None:
        table.items.get(hash_value, {}).pop(range_value, None)
    else:
        table.items[hash_value][range_value] = item


class _Installed:
    """How many endpoints use the item-level rollback now, and what it replaced in moto."""

    count = 0
    original: tuple[Any, Any] = (None, None)


_install_lock = threading.Lock()
_in_transaction = threading.local()  # set while this thread's transaction runs: moto copies no table then


def _tables_not_copied(table_type: type) -> Any:
    """Return a stand-in for moto's `copy` module that copies no table while this thread runs a transaction."""

    def deepcopy(value: Any, memo: Any = None) -> Any:
        if getattr(_in_transaction, "active", False) and isinstance(value, table_type):
            return value
        return copy.deepcopy(value, memo)

    return types.SimpleNamespace(copy=copy.copy, deepcopy=deepcopy)


def _item_level(original: Callable[..., None]) -> Callable[..., None]:
    """Wrap moto's transact_write_items: back up the items a transaction names, restore them if it is cancelled."""

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        try:
            touched = _touched_items(self, transact_items)
        except _Unusual:
            return original(self, transact_items)
        saved = [(t, h, r, copy.deepcopy(t.get_item(h, r))) for t, h, r in touched]
        streams = {id(t): (t.stream_shard, len(t.stream_shard.items)) for t, _, _ in touched if t.stream_shard}
        _in_transaction.active = True
        try:
            return original(self, transact_items)
        except BaseException:
            for table, hash_value, range_value, item in reversed(saved):
                _restore(table, hash_value, range_value, item)
            for shard, length in streams.values():
                del shard.items[length:]  # the stream records of writes that never happened
            raise
        finally:
            _in_transaction.active = False

    return transact_write_items


@contextmanager
def item_level_transactions() -> Iterator[None]:
    """While one request is served alone: transactions back up the items they touch, not whole tables.

    Installed once however many endpoints (threads) enter it at a time, and removed when the last leaves: a patch
    per request would let two endpoints' patches and restores interleave, and leave one behind."""
    from moto.dynamodb import models  # noqa: PLC0415 - a dev dependency
    from moto.dynamodb.models.table import Table  # noqa: PLC0415

    backend: Any = models.DynamoDBBackend
    with _install_lock:
        if _Installed.count == 0:
            _Installed.original = (backend.transact_write_items, models.copy)
            backend.transact_write_items = _item_level(backend.transact_write_items)
            models.copy = _tables_not_copied(Table)
        _Installed.count += 1
    try:
        yield
    finally:
        with _install_lock:
            _Installed.count -= 1
            if _Installed.count == 0:
                backend.transact_write_items, models.copy = _Installed.original


@contextmanager
def embedded_request() -> Iterator[None]:
    """What serving one AWS request alone involves (the endpoint's `around`)."""
    from moto.core.model_instances import reset_model_data  # noqa: PLC0415 - a dev dependency

    try:
        with item_level_transactions():
            yield
    finally:
        # moto tracks every model instance for its dashboard, the transactions' table copies included:
        # forget them, or a busy test keeps millions of objects alive.
        reset_model_data()


class _Running:
    """The embedded endpoints running in this process. moto keeps AWS's state in module globals, shared by every
    endpoint a process starts: the first to start and the last to stop empty it, so that each starts with an empty
    AWS as a process of its own would (a table's stream read from its start holds only that endpoint's records). The
    reset empties all of moto in the process, a `mock_aws` or another moto server's too: none runs beside a stack."""

    count = 0
    lock = threading.Lock()

    @classmethod
    def enter(cls) -> None:
        with cls.lock:
            if cls.count == 0:
                _forget_aws()
            cls.count += 1

    @classmethod
    def leave(cls) -> None:
        with cls.lock:
            cls.count -= 1
            if cls.count == 0:
                _forget_aws()


def _forget_aws() -> None:
    """Empty moto's every backend in this process, as its `POST /moto-api/reset` does."""
    from moto.moto_api._internal.models import moto_api_backend  # noqa: PLC0415 - a dev dependency

    moto_api_backend.reset()


def serialised_moto_server(ip_address: str, port: int) -> Any:
    """Return moto's ThreadedMotoServer whose app serves one AWS request at a time."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: PLC0415 - a dev dependency
    from moto.moto_server.werkzeug_app import (  # noqa: PLC0415
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server  # noqa: PLC0415

    class SerialisedMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:  # moto's own, with the app wrapped
            app = SerialisedWsgi(DomainDispatcherApplication(create_backend_app), around=embedded_request)
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

        def start(self) -> None:
            _Running.enter()
            super().start()

        def stop(self) -> None:
            try:
                super().stop()
            finally:
                _Running.leave()

    return SerialisedMotoServer(ip_address=ip_address, port=port, verbose=False)
