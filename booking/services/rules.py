"""The old name of booking.services.policy, kept only for the lending modules that another
branch of issue #16 moves into the lending app; the lead points them at the public names at
the merge and deletes this module (tests/test_architecture.py lists them in its allowlist)."""

from __future__ import annotations

from core import locking

from . import policy
from .policy import *  # noqa: F403

EARLIEST_YEAR = policy.EARLIEST_YEAR
LATEST_YEAR = policy.LATEST_YEAR
_lock = locking.for_update
_locked_pool = locking.locked
_utc = policy.as_utc
_clean_purpose = policy.clean_purpose
_exhausted = policy.exhausted
_limit_error = policy.limit_error
_per_person_error = policy.per_person_error
