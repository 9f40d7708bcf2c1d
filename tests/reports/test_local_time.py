"""The report's scans read a reservation's local day and time of day through
``local_time_cursor``: on PostgreSQL as casts in a transaction whose time zone is the
project's (#21). These tests hold them to Python's local time, and check that the session
is left as it was found."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from booking.models import Reservation
from reports.figures.calendar import local_date, local_time_cursor, seconds_of_day
from reports.figures.devices import _driver_rows
from tests.factories import ReservationFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
BERLIN = ZoneInfo("Europe/Berlin")

# UTC instants around the 2025 changes of Europe/Berlin (30 March 01:00 UTC: +1 → +2;
# 26 October 01:00 UTC: +2 → +1), around local midnight, and with seconds to cut off.
INSTANTS = [
    datetime.datetime(2025, 3, 30, 0, 59, 59, tzinfo=UTC),  # 01:59:59 local, winter time
    datetime.datetime(2025, 3, 30, 1, 0, tzinfo=UTC),  # 03:00 local, summer time
    datetime.datetime(2025, 10, 26, 0, 30, tzinfo=UTC),  # 02:30 local, the first time
    datetime.datetime(2025, 10, 26, 1, 30, tzinfo=UTC),  # 02:30 local, the second time
    datetime.datetime(2025, 6, 30, 21, 59, 30, 700_000, tzinfo=UTC),  # 23:59:30.7 local
    datetime.datetime(2025, 6, 30, 22, 0, tzinfo=UTC),  # 00:00 local, the next day
    datetime.datetime(2025, 12, 31, 22, 59, 59, 999_999, tzinfo=UTC),  # 23:59:59.999999
    datetime.datetime(2025, 12, 31, 23, 0, tzinfo=UTC),  # the new year, local midnight
    datetime.datetime(2025, 7, 1, 7, 44, 59, 500_000, tzinfo=UTC),  # 09:44:59.5 local
]


def python_local(instant: datetime.datetime) -> tuple[datetime.date, int]:
    local = instant.astimezone(BERLIN)
    return local.date(), local.hour * 3600 + local.minute * 60


def test_local_days_and_times_are_those_of_python(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    ids = []
    for instant in INSTANTS:
        reservation = ReservationFactory(start=instant, end=instant + datetime.timedelta(hours=1))
        ids.append(reservation.pk)
    rows = (
        Reservation.objects.filter(pk__in=ids)
        .annotate(day=local_date("start"), seconds=seconds_of_day("start"))
        .order_by("start")
        .values_list("day", "seconds")
    )
    found = [(_as_date(day), seconds) for day, seconds in _driver_rows(rows)]
    assert found == [python_local(instant) for instant in sorted(INSTANTS)]


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


@pytest.mark.postgres
def test_the_session_is_left_as_it_was_found():
    """Inside a caller's transaction (this test's) the settings are put back by hand: a
    savepoint would keep them until that transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone'), current_setting('work_mem')")
        before = cursor.fetchone()
        with local_time_cursor(connection.alias) as scanning:
            scanning.execute("SELECT current_setting('TimeZone'), current_setting('work_mem')")
            assert scanning.fetchone() == (settings_zone(), "32MB")
        cursor.execute("SELECT current_setting('TimeZone'), current_setting('work_mem')")
        assert cursor.fetchone() == before
    assert before[0] != settings_zone()  # Django's own connections talk UTC


@pytest.mark.postgres
def test_a_failed_scan_leaves_the_session_as_it_was_found():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone')")
        (before,) = cursor.fetchone()
        with pytest.raises(ZeroDivisionError), local_time_cursor(connection.alias):
            raise ZeroDivisionError
        cursor.execute("SELECT current_setting('TimeZone')")
        assert cursor.fetchone() == (before,)


@pytest.mark.postgres
def test_a_local_day_read_outside_the_cursor_is_an_error_not_a_day_in_utc():
    rows = Reservation.objects.annotate(day=local_date("start")).values_list("day")
    with pytest.raises(RuntimeError, match="local_time_cursor"):
        list(rows)


def settings_zone() -> str:
    from django.conf import settings

    return settings.TIME_ZONE
