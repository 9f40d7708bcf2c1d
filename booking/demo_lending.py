"""Demo data for lending to residents (libraries' pools)."""

from __future__ import annotations

from typing import TextIO


def seed(stdout: TextIO) -> str:
    return "lending: nothing yet"
