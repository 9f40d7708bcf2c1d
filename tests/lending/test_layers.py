"""Lending sits above booking: no app below it imports it (#16). Booking tells lending what
happened by signals (``booking.signals``) instead."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BELOW_LENDING = ("booking", "devices", "organizations", "accounts")
# The demo seed moves into the demo app, above everything (#16's other half).
NOT_YET_MOVED = {Path("booking/demo_lending.py")}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", BELOW_LENDING)
def test_no_app_below_lending_imports_it(app):
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / app).rglob("*.py"))
        if path.relative_to(ROOT) not in NOT_YET_MOVED
        for module in _imported_modules(path)
        if module == "lending" or module.startswith("lending.")
    ]
    assert not offenders
