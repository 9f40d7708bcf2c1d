"""The demo's tests: ``manage.py seed_demo`` and what it writes.

Seeding the whole region takes seconds, so a module seeds it once (``seed_once``, in a
module-scoped fixture) inside a transaction that is rolled back when the module is done;
each test runs in a savepoint within it (``db``), so what a test changes is gone for the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

# The demo's 2FA test checks a code against allauth's clock, frozen as in tests/accounts.
from tests.accounts.conftest import frozen_totp_clock  # noqa: F401


@contextmanager
def only_seeders(monkeypatch: pytest.MonkeyPatch, *, without: tuple[str, ...]) -> Iterator[None]:
    """seed_demo leaves out the seeders defined in the modules ``without``."""
    from demo import seeders

    kept = [seed for seed in seeders.seeders() if seed.__module__ not in without]
    monkeypatch.setattr(seeders, "_seeders", kept)
    yield


@contextmanager
def seed_once(django_db_blocker, *, without: tuple[str, ...] = ()) -> Iterator[str]:
    """Seed the demo (leaving out the seeders of the modules ``without``) for a whole module;
    yields seed_demo's output and rolls everything back at the end."""
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        only_seeders(monkeypatch, without=without),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
