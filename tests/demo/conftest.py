"""The demo's tests: ``manage.py seed_demo`` and what it writes (tests of one part replace
``demo.seeders._seeders``)."""

from __future__ import annotations

# The demo's 2FA test checks a code against allauth's clock, frozen as in tests/accounts.
from tests.accounts.conftest import frozen_totp_clock  # noqa: F401
