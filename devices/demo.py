"""The demo inventory (filled in by devices/demo_data.py)."""

from __future__ import annotations

from typing import TextIO


def seed(stdout: TextIO) -> str:
    return "Geräte: noch keine Demodaten."
