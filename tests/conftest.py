"""Test fixtures: fake credentials and the local stage's environment, moto, the Chalice test client."""

from __future__ import annotations

import os
import threading
from collections import Counter
from typing import Any, Iterator

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
import pytest  # noqa: E402
from chalice.test import Client  # noqa: E402
from moto import mock_aws  # noqa: E402

from chalicelib import aws, polls, results, settings, storage  # noqa: E402

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
_original_create_client = botocore.session.Session.create_client


def _recording_create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
    client = _original_create_client(self, *args, **kwargs)
    service = client.meta.service_model.service_name

    def before_call(model: Any, params: dict[str, Any], **_: Any) -> None:
        RECORDER.record(service, model.name, params)

    client.meta.events.register("before-call", before_call)
    return client


botocore.session.Session.create_client = _recording_create_client  # type: ignore[method-assign]


def reset_process_state() -> None:
    """Forget every per-process cache, client and connection, as a fresh Lambda would."""
    settings.reset()
    aws.reset()
    storage.reset()
    polls.reset_cache()
    results.reset_cache()


@pytest.fixture
def aws_backend() -> Iterator[None]:
    """A fresh moto backend with the local stage's tables and bucket."""
    from devtools.provision import ensure_resources

    reset_process_state()
    with mock_aws():
        ensure_resources(settings.get_settings())
        reset_process_state()
        RECORDER.clear()
        yield
    reset_process_state()


@pytest.fixture
def client(aws_backend: None) -> Iterator[Client]:
    """A Chalice test client on the local stage, backed by moto."""
    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def calls() -> CallRecorder:
    """The AWS call recorder, emptied."""
    RECORDER.clear()
    return RECORDER
