"""`make test-unit` runs the unit tier with moto unimportable, and a unit test that reaches moto fails there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BLOCK = ["-p", "tests.support.no_moto"]


def pytest_run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run pytest from the project's root in a fresh process."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_make_test_unit_blocks_moto_and_the_unit_tier_passes():
    dry_run = subprocess.run(["make", "-n", "-s", "test-unit"], cwd=ROOT, capture_output=True, text=True, check=True)
    (recipe,) = [line for line in dry_run.stdout.splitlines() if "-m pytest tests/unit" in line]
    assert " ".join(BLOCK) in recipe
    # The recipe itself, without make's prerequisite (which would rebuild .venv if it were out of date).
    result = subprocess.run(recipe, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.parametrize(
    "reach",
    [
        "import moto",
        "from local.recorder import install, shared_session\ninstall()\nshared_session()",  # how 9 unit tests did
    ],
    ids=["directly", "through-a-helper"],
)
def test_a_test_that_reaches_moto_fails_with_moto_blocked(tmp_path: Path, reach: str):
    probe = tmp_path / "test_reaches_moto.py"
    probe.write_text("def test_reaches_moto():\n    " + reach.replace("\n", "\n    ") + "\n")
    result = pytest_run(*BLOCK, str(probe))
    assert result.returncode == 1, result.stdout
    assert "import of moto halted" in result.stdout
    assert pytest_run(str(probe)).returncode == 0  # it passes where moto may be imported
