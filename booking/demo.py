"""Demo bookings (filled in by the demo-data work)."""

from __future__ import annotations

from typing import TextIO


def seed(stdout: TextIO) -> str:
    return "bookings: none yet"
