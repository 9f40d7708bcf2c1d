"""What the booking tests share: a pool of the organization with ten devices in service.
A module that needs another pool (more or fewer devices, other rules) defines its own
``pool``, which overrides this one, from the helpers here: ``ipad_case`` (a school's pool
with its lesson periods) and ``shared_library_pool`` (a library's, shared with the region).
The desk's tests add ``devices`` with asset tags to their pool and a booking ``todays``."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from devices.models import DevicePool
from tests.factories import (
    LIBRARY_WEEK,
    SCHOOL_DAY,
    DeviceFactory,
    ReservationFactory,
    give_hours,
    give_lesson_periods,
    pool_with_devices,
)


@pytest.fixture
def pool(organization):
    return pool_with_devices(organization, 10, name="Koffer Mathe")


def ipad_case(organization, *, periods=SCHOOL_DAY, devices: int = 30, **fields) -> DevicePool:
    """The pool a teacher books by lesson period: the school's ``periods`` (a whole school
    day unless given) and "iPad-Koffer 1" with ``devices`` devices (``fields`` for the pool)."""
    give_lesson_periods(organization, periods)
    return pool_with_devices(organization, devices, name="iPad-Koffer 1", **fields)


def shared_library_pool(library, devices: int) -> DevicePool:
    """The library's laptops, shared with the region (a teacher's booking is a request), and
    the library open LIBRARY_WEEK (Tuesday 10–13 and 14–18, closed on Sunday and Monday)."""
    give_hours(library, LIBRARY_WEEK)
    return pool_with_devices(
        library, devices, name="Leih-Laptops", booking_scope=DevicePool.Scope.REGION
    )


@pytest.fixture
def devices(pool):
    """Five devices of the pool, with the asset tags the desk shows and scans."""
    return [
        DeviceFactory(pool=pool, asset_tag=f"KRG-IPAD-{number:03}", name=f"iPad {number:02}")
        for number in range(1, 6)
    ]


@pytest.fixture
def todays(pool, teacher, devices):
    """The teacher's booking of three of them that runs now."""
    start, end = today_slot()
    return ReservationFactory(
        pool=pool, user=teacher, quantity=3, start=start, end=end, purpose="Klasse 7b, Mathe"
    )


def today_slot() -> tuple[datetime.datetime, datetime.datetime]:
    """A time range that started today (local) and ends later today, around now."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    next_midnight = timezone.make_aware(
        datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time.min)
    )
    start = max(midnight, now - datetime.timedelta(hours=2))
    end = min(next_midnight - datetime.timedelta(seconds=1), now + datetime.timedelta(hours=2))
    return start, end


def tomorrow(hour: int) -> datetime.datetime:
    """Tomorrow at ``hour`` o'clock, local time."""
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
