"""Retention runs at a fixed moment, so that every boundary is exact."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 6, 15, 12, 0, tzinfo=BERLIN)

RETENTION = {
    "bookings_days": 90,
    "bookings_min_days": 30,
    "bookings_max_days": 365,
    "courses_days": 365,
    "inactive_days": 730,
    "inactive_warning_days": 14,
    "audit_days": 730,
}


def days_ago(days: float, now: datetime.datetime = NOW) -> datetime.datetime:
    return now - datetime.timedelta(days=days)


@pytest.fixture(autouse=True)
def _retention_settings(settings):
    """The defaults of config/settings/base.py, written out: an operator's environment must
    not change what these tests expect."""
    settings.LERNPOOL_RETENTION = dict(RETENTION)


@pytest.fixture
def apply(django_capture_on_commit_callbacks):
    """Run the whole retention job as of ``now`` (NOW unless given); emails go out on
    commit, as in production."""
    from accounts.privacy import apply_retention

    def run(now: datetime.datetime = NOW) -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return apply_retention(now)

    return run


@pytest.fixture
def clock(monkeypatch):
    """Sets what ``timezone.now()`` returns (and so today's date): ``clock(moment)``."""
    from django.utils import timezone

    def set_to(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(datetime.UTC))

    return set_to
