"""AWS for the api and deploy tiers: moto, the Chalice test client, and every botocore call recorded or faulted.

Imported by tests/api/conftest.py and tests/deploy/conftest.py (never by the unit tier, which runs without moto):
importing it patches botocore once (local/recorder.py) so that the recorder, the app-call log and the fault
injector see every request made from then on.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from chalicelib.runtime import settings, state
from local import recorder
from tests.conftest import ROOT

RECORDER = recorder.Recorder()
FAULTS = recorder.FaultInjector()
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
    """A fresh moto backend with the local stage's tables and bucket; transactions roll back item by item."""
    from moto import mock_aws

    from local.endpoint import item_level_transactions
    from local.resources import ensure_resources

    state.reset_all()
    with mock_aws(), item_level_transactions():
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
