"""The unit tier: services on an in-memory store and archive; no moto, no network, no Chalice client."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from chalicelib.runtime import clock, state
from chalicelib.store import adapters
from tests.unit.memory import MemoryArchive, MemoryStore
from tests.unit.memory_audit import MemoryAuditLog


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every outgoing connection: a unit test that reaches for the network fails."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the unit tier makes no network connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def memory() -> Iterator[MemoryStore]:
    """A fresh process with an in-memory store and archive in place of DynamoDB and S3."""
    state.reset_all()
    store = MemoryStore()
    adapters.use(store, MemoryArchive())
    adapters.use_audit_log(MemoryAuditLog())
    yield store
    state.reset_all()


@pytest.fixture
def archive(memory: MemoryStore) -> MemoryArchive:
    """The in-memory archive the services write snapshots to."""
    found = adapters.archive()
    assert isinstance(found, MemoryArchive)
    return found


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """A clock the test moves by hand: set `frozen["now"]`."""
    now = {"now": 1_800_000_000.0}
    monkeypatch.setattr(clock, "now", lambda: now["now"])
    return now


@pytest.fixture
def audit_log(memory: MemoryStore) -> MemoryAuditLog:
    """The in-memory audit log the services record to."""
    found = adapters.audit_log()
    assert isinstance(found, MemoryAuditLog)
    return found


def fold_all(store: MemoryStore) -> None:
    """Fold every ballot change the in-memory stream holds (shard by shard), publish the tallies that changed, then
    let the process caches expire: as the two stream consumers and a second would."""
    from chalicelib.services import catalog, edge, fold

    while store.stream:
        fold.fold(store.batch())
    edge.publish_changed(store.tally_event())
    catalog.reset()


@pytest.fixture
def folded(memory: MemoryStore) -> Callable[[], None]:
    """Fold and publish what the votes so far wrote, as the streams' consumers would (where a test waits for them)."""
    return lambda: fold_all(memory)
