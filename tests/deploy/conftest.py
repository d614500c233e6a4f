"""The deploy tier: checks of what `make package` produces (templates, package, linters), no AWS account."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from local.stack import free_port
from tests.support import aws

# AWS on moto and the recorded app calls (tests/support/aws.py), as the api tier has them.
aws_backend, client, calls, faults = aws.aws_backend, aws.client, aws.calls, aws.faults


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "deploy_tier: checks the deployable artefacts (merged template, package) with external linters"
    )


def reset(url: str) -> None:
    """Forget everything moto holds (every backend of the process)."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).close()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto's server on 127.0.0.1 and a free port, empty, as AWS_ENDPOINT_URL (the fake credentials are conftest's).

    moto keeps its state per process, not per server: the server starts from a reset and resets when it stops.
    """
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    saved = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = url
    reset(url)
    try:
        yield url
    finally:
        reset(url)
        server.stop()
        if saved is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = saved
