"""Test fixtures: fake credentials and the local stage's environment, moto, the Chalice test client."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
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

import pytest  # noqa: E402

from chalicelib.runtime import (
    settings,  # noqa: E402
    state,  # noqa: E402
)
from local import recorder  # noqa: E402

ADMIN_TOKEN = "test-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
JSON = {"Content-Type": "application/json"}

RECORDER = recorder.Recorder()
FAULTS = recorder.FaultInjector()
ROOT = Path(__file__).resolve().parent.parent
APP_CODE = str(ROOT / "chalicelib")
NOT_THE_CALLER = {str(Path(__file__).resolve()), str(Path(recorder.__file__).resolve())}
# Every AWS call the app itself made during the session (not the tests' own calls): the IAM check reads it.
APP_CALLS: list[recorder.Call] = []


def made_by_app() -> bool:
    """Tell whether the innermost project frame on the stack (past the recorder's) is app code (chalicelib/)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(str(ROOT)) and ".venv" not in filename and filename not in NOT_THE_CALLER:
            return filename.startswith(APP_CODE)
        frame = frame.f_back
    return False


class AppCalls(recorder.Hook):
    """Adds the calls made from app code to APP_CALLS."""

    def prepared(self, call: recorder.Call) -> None:
        """Keep the call if app code made it."""
        if made_by_app():
            APP_CALLS.append(call)


recorder.install()
for _hook in (RECORDER, AppCalls(), FAULTS):
    recorder.HOOKS.add(_hook)


@pytest.fixture
def aws_backend() -> Iterator[None]:
    """A fresh moto backend with the local stage's tables and bucket."""
    from moto import mock_aws

    from local.resources import ensure_resources

    state.reset_all()
    with mock_aws():
        ensure_resources(settings.get_settings())
        state.reset_all()
        RECORDER.clear()
        FAULTS.clear()
        yield
        FAULTS.clear()
    state.reset_all()


@pytest.fixture
def client(aws_backend: None) -> Iterator[Any]:
    """A Chalice test client on the local stage, backed by moto."""
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def faults() -> recorder.FaultInjector:
    """The fault injector, emptied."""
    FAULTS.clear()
    return FAULTS


@pytest.fixture
def calls() -> recorder.Recorder:
    """The AWS call recorder, emptied."""
    RECORDER.clear()
    return RECORDER


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the IAM policy check last, after every other test has recorded the app's AWS calls."""
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "runs_last: run after every other test (reads what they recorded)")
