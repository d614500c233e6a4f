"""The layout holds: small modules, Chalice only at the edge, PynamoDB only in the store."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
MODULES = sorted(CHALICELIB.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CHALICELIB)))
def test_no_chalicelib_module_is_over_300_lines(path):
    assert len(path.read_text().splitlines()) <= 300


@pytest.mark.parametrize(("library", "home"), [("chalice", "api"), ("pynamodb", "store")])
def test_a_library_is_imported_only_in_its_layer(library, home):
    outside = [p for p in MODULES if library in imported(p) and p.relative_to(CHALICELIB).parts[0] != home]
    assert outside == []
