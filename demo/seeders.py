"""What ``manage.py seed_demo`` runs after the region itself (organizations, closures,
people) is seeded, in this order, inside the command's transaction.

The demo sits above every app, so it imports them and calls their parts in order; no app
knows about the demo. A seeder is ``seed(stdout) -> str``: it must be idempotent and returns
a one-line summary. Tests that check one part replace ``_seeders`` (monkeypatch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from demo import booking, courses, devices, lending, log
from demo.data.organizations import seed_demo_totp

Seeder = Callable[[TextIO], str]

_seeders: list[Seeder] = [
    # The demo's staff and admins get the public demo secret for 2FA (LERNPOOL_DEMO only).
    seed_demo_totp,
    devices.seed,
    booking.seed,
    # Lending to residents, after the school bookings.
    lending.seed,
    # After the bookings and the lending demo (courses reserve the providers' pools).
    courses.seed,
    # Last, after the demo's bookings, loans and courses exist.
    log.seed,
]


def seeders() -> list[Seeder]:
    return list(_seeders)
