"""Demo data for courses: a realistic programme across the region's providers."""

from __future__ import annotations

from typing import TextIO


def seed(stdout: TextIO) -> str:
    return "courses: nothing yet"
