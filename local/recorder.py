"""Every AWS request any botocore client makes, seen by hooks: the tests' and benchmarks' recorder."""

# `install()` patches botocore once. Each request becomes one `Call`, which every hook in `HOOKS` sees when its
# parameters are known (`prepared`), just before it is sent (`sending`: may answer in place of AWS) and once it is
# answered (`answered`). The tests record calls and inject faults with it; the benchmarks add capacity accounting.

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.session
import pynamodb.connection.base as pynamodb_base


@dataclass
class Call:
    """One AWS request: what was asked, whether it failed, and the capacity a benchmark hook measured for it."""

    service: str
    operation: str
    params: dict[str, Any]
    failed: bool = False
    wcu: float = 0.0
    rcu: float = 0.0
    index_wcu: float = 0.0
    s3_bytes: int = 0
    items: list[tuple[str, str, int]] = field(default_factory=list)  # (table, key, WCU) per item written
    index_items: list[tuple[str, str, int]] = field(default_factory=list)  # (index, index key, WCU)
    notes: dict[str, Any] = field(default_factory=dict, repr=False)  # what a hook keeps between a call's stages


class Hook:
    """What the recorder calls for every request; override the stages you need."""

    def prepared(self, call: Call) -> None:
        """The request's parameters are known (before validation and serialisation)."""

    def sending(self, call: Call) -> Any:
        """The request is about to be sent: return an (http_response, parsed) pair to answer it instead, or raise."""
        return None

    def answered(self, call: Call, http_response: Any, parsed: dict[str, Any]) -> None:
        """The request was answered (call.failed is set); raising here loses the answer after AWS acted on it."""


class Hooks:
    """The hooks every request goes through, in the order they were added."""

    def __init__(self) -> None:
        self._hooks: tuple[Hook, ...] = ()
        self._lock = threading.Lock()

    def add(self, hook: Hook) -> None:
        """Run a hook on every request from now on (once, however often it is added)."""
        with self._lock:
            if hook not in self._hooks:
                self._hooks = (*self._hooks, hook)

    def remove(self, hook: Hook) -> None:
        """Stop running a hook."""
        with self._lock:
            self._hooks = tuple(h for h in self._hooks if h is not hook)

    def __iter__(self) -> Iterator[Hook]:
        return iter(self._hooks)  # a snapshot: hooks may be added or removed while a request runs


HOOKS = Hooks()


class Recorder(Hook):
    """Keeps every request made while it is hooked in."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def prepared(self, call: Call) -> None:
        """Record the call."""
        self.add(call)

    def add(self, call: Call) -> None:
        """Record one call."""
        with self._lock:
            self.calls.append(call)

    def clear(self) -> None:
        """Forget the recorded calls."""
        with self._lock:
            self.calls.clear()

    def operations(self, service: str | None = None) -> list[str]:
        """The recorded operations (of one service, or all), in order."""
        return [c.operation for c in self.calls if service is None or c.service == service]

    def count(self, service: str | None = None) -> Counter[str]:
        """The recorded operations (of one service, or all), counted."""
        return Counter(self.operations(service))


class FaultInjector(Hook):
    """Makes chosen AWS calls fail at the botocore layer, as throttling or conflicts would."""

    def __init__(self) -> None:
        self._faults: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, operation: str, fault: Any, times: int = 1) -> None:
        """Fail the next `times` calls of an operation; fault is an exception or a callable(params)."""
        with self._lock:
            self._faults += [(operation, fault)] * times

    def add_after(self, operation: str, error: BaseException, times: int = 1) -> None:
        """Let the next `times` calls of an operation reach AWS, then raise (an answer lost after the commit)."""
        self.add(f"after:{operation}", error, times)

    def clear(self) -> None:
        """Drop the faults not yet used."""
        with self._lock:
            self._faults.clear()

    def take(self, operation: str) -> Any:
        """Remove and return the next fault for an operation, or None."""
        with self._lock:
            for index, (name, fault) in enumerate(self._faults):
                if name == operation:
                    del self._faults[index]
                    return fault
        return None

    def sending(self, call: Call) -> Any:
        """Raise the operation's next fault, or answer with it (an (http_response, parsed) pair short-circuits)."""
        fault = self.take(call.operation)
        if fault is None:
            return None
        if isinstance(fault, BaseException):
            raise fault
        return fault(call.params)

    def answered(self, call: Call, http_response: Any, parsed: dict[str, Any]) -> None:
        """Raise the operation's next after-fault, if any."""
        error = self.take(f"after:{call.operation}")
        if error is not None:
            raise error


def _prepared(service: str, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    call = context["recorded_call"] = Call(service=service, operation=model.name, params=params)
    for hook in HOOKS:
        hook.prepared(call)


def _sending(model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> Any:
    call = context.get("recorded_call")
    if call is None:
        return None
    for hook in HOOKS:
        answer = hook.sending(call)
        if answer is not None:
            return answer
    return None


def _answered(http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    call = context.get("recorded_call")
    if call is None:
        return
    call.failed = http_response.status_code >= 300
    for hook in HOOKS:
        hook.answered(call, http_response, parsed)


def _recording_create_client(original: Any) -> Any:
    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        service = client.meta.service_model.service_name

        def prepared(**kwargs: Any) -> None:
            _prepared(service, **kwargs)

        client.meta.events.register("before-parameter-build", prepared)
        client.meta.events.register("before-call", _sending)
        client.meta.events.register("after-call", _answered)
        return client

    create_client._recorder = True  # type: ignore[attr-defined]
    return create_client


# PynamoDB makes a new botocore session per connection, which reloads the DynamoDB service
# model each time; tests and benchmarks reset connections often, so they share one session.
_SHARED_SESSIONS: list[botocore.session.Session] = []
_LOCK = threading.Lock()


def shared_session() -> botocore.session.Session:
    """Return the one botocore session PynamoDB uses, made after moto is imported (its stubber hooks new sessions)."""
    with _LOCK:
        if not _SHARED_SESSIONS:
            import moto  # noqa: F401, PLC0415 - registers moto's handlers before the session exists

            _SHARED_SESSIONS.append(botocore.session.get_session())
        return _SHARED_SESSIONS[0]


def install() -> None:
    """Patch botocore so that every client's requests go through HOOKS, and share PynamoDB's session (once)."""
    with _LOCK:
        if not getattr(botocore.session.Session.create_client, "_recorder", False):
            botocore.session.Session.create_client = _recording_create_client(  # type: ignore[method-assign]
                botocore.session.Session.create_client
            )
        pynamodb_base.get_session = shared_session
