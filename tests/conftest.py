"""Test fixtures: fake credentials and the local stage's environment, moto, the Chalice test client."""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# The environment must be in place before the app or any AWS client is imported.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "STAGE": "local",
        "POLL_ADMIN_TOKEN": "test-admin-token",
        "POLL_HMAC_KEY": "test-hmac-key",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

import botocore.session  # noqa: E402
import pynamodb.connection.base as pynamodb_base  # noqa: E402
import pytest  # noqa: E402

from chalicelib.runtime import settings  # noqa: E402
from devtools.fixtures import reset_process_state  # noqa: E402

ADMIN_TOKEN = "test-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
JSON = {"Content-Type": "application/json"}


class CallRecorder:
    """Records every AWS API call made by any botocore client (PynamoDB's included)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append((service, operation, params))

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def operations(self, service: str | None = None) -> list[str]:
        return [op for svc, op, _ in self.calls if service is None or svc == service]

    def count(self, service: str | None = None) -> Counter[str]:
        return Counter(self.operations(service))


RECORDER = CallRecorder()
ROOT = Path(__file__).resolve().parent.parent
APP_CODE = str(ROOT / "chalicelib")
THIS_FILE = str(Path(__file__).resolve())
# Every AWS call the app itself made during the session (not the tests' own calls): the IAM check reads it.
APP_CALLS: list[tuple[str, str, dict[str, Any]]] = []


def made_by_app() -> bool:
    """Tell whether the innermost project frame on the stack is app code (chalicelib/)."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(str(ROOT)) and ".venv" not in filename and filename != THIS_FILE:
            return filename.startswith(APP_CODE)
        frame = frame.f_back
    return False


class FaultInjector:
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
        with self._lock:
            self._faults.clear()

    def take(self, operation: str) -> Any:
        with self._lock:
            for index, (name, fault) in enumerate(self._faults):
                if name == operation:
                    del self._faults[index]
                    return fault
        return None


FAULTS = FaultInjector()
_original_create_client = botocore.session.Session.create_client


def _recording_create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
    client = _original_create_client(self, *args, **kwargs)
    service = client.meta.service_model.service_name

    def before_parameter_build(model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        RECORDER.record(service, model.name, params)
        if made_by_app():
            APP_CALLS.append((service, model.name, params))
        context["api_params"] = params

    def before_call(model: Any, context: dict[str, Any], **_: Any) -> Any:
        fault = FAULTS.take(model.name)
        if fault is None:
            return None
        if isinstance(fault, BaseException):
            raise fault
        return fault(context.get("api_params", {}))  # an (http_response, parsed) pair short-circuits the call

    def after_call(model: Any, **_: Any) -> None:
        error = FAULTS.take(f"after:{model.name}")
        if error is not None:
            raise error

    client.meta.events.register("after-call", after_call)
    client.meta.events.register("before-parameter-build", before_parameter_build)
    client.meta.events.register("before-call", before_call)
    return client


botocore.session.Session.create_client = _recording_create_client  # type: ignore[method-assign]

# PynamoDB makes a new botocore session per connection, which reloads the DynamoDB service
# model each time; tests reset connections per test, so share one session to keep them quick.
_SHARED_SESSIONS: list[botocore.session.Session] = []


def _shared_session() -> botocore.session.Session:
    """Return the one botocore session PynamoDB uses, made after moto is imported (its stubber hooks new sessions)."""
    if not _SHARED_SESSIONS:
        import moto  # noqa: F401 - registers moto's handlers before the session exists

        _SHARED_SESSIONS.append(botocore.session.get_session())
    return _SHARED_SESSIONS[0]


pynamodb_base.get_session = _shared_session


@pytest.fixture
def aws_backend() -> Iterator[None]:
    """A fresh moto backend with the local stage's tables and bucket."""
    from moto import mock_aws

    from devtools.provision import ensure_resources

    reset_process_state()
    with mock_aws():
        ensure_resources(settings.get_settings())
        reset_process_state()
        RECORDER.clear()
        FAULTS.clear()
        yield
        FAULTS.clear()
    reset_process_state()


@pytest.fixture
def client(aws_backend: None) -> Iterator[Any]:
    """A Chalice test client on the local stage, backed by moto."""
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def faults() -> FaultInjector:
    """The fault injector, emptied."""
    FAULTS.clear()
    return FAULTS


@pytest.fixture
def calls() -> CallRecorder:
    """The AWS call recorder, emptied."""
    RECORDER.clear()
    return RECORDER


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the IAM policy check last, after every other test has recorded the app's AWS calls."""
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "runs_last: run after every other test (reads what they recorded)")
