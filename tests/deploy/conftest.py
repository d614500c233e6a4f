"""The deploy tier: checks of what `make package` produces (templates, package, linters), no AWS account."""

from __future__ import annotations

import pytest

from tests.support import aws

# AWS on moto and the recorded app calls (tests/support/aws.py), as the api tier has them.
aws_backend, client, calls, faults = aws.aws_backend, aws.client, aws.calls, aws.faults


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "deploy_tier: checks the deployable artefacts (merged template, package) with external linters"
    )
