"""The deploy tier: checks of what `make package` produces (templates, package, linters), no AWS account."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "deploy_tier: checks the deployable artefacts (merged template, package) with external linters"
    )
