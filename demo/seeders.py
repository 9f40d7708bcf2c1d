"""How apps above organizations add to ``manage.py seed_demo`` without being imported here.

An app registers a seeder in its ``AppConfig.ready()``; seed_demo calls every seeder, in
the order of INSTALLED_APPS, inside its own transaction, after the region itself is seeded.
A seeder is ``seed(stdout) -> str``: it must be idempotent and returns a one-line summary.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

Seeder = Callable[[TextIO], str]

_seeders: list[Seeder] = []


def register_seeder(seeder: Seeder) -> Seeder:
    if seeder not in _seeders:
        _seeders.append(seeder)
    return seeder


def seeders() -> list[Seeder]:
    return list(_seeders)
