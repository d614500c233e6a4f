"""A pytest plugin that makes moto unimportable (`-p tests.support.no_moto`): `make test-unit` runs with it, so a unit
test that reaches moto, directly or through any helper, fails with ModuleNotFoundError."""

from __future__ import annotations

import sys

sys.modules["moto"] = None  # type: ignore[assignment] - Python's way to make `import moto` raise
