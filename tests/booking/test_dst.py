"""Daylight saving time in Europe/Berlin: clocks go back on 2026-10-25 (03:00 CEST becomes
02:00 CET) and forward on 2027-03-28 (02:00 CET becomes 03:00 CEST).

A weekly series keeps its wall-clock time, so its UTC offset changes; lengths and overlaps
are real time, not wall-clock time. The services take ``now``; each test passes one before
the dates it books (2026-10-25 is in the past on the real calendar of this project).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from booking import services
from booking.availability import peak_reserved, reserved_intervals
from booking.models import Reservation
from booking.services import LimitExceeded
from devices.models import DevicePool
from tests.factories import DeviceFactory, DevicePoolFactory, ReservationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

BERLIN = ZoneInfo("Europe/Berlin")
UTC = datetime.UTC
AUTUMN_NOW = datetime.datetime(2026, 9, 1, 7, 0, tzinfo=BERLIN)
SPRING_NOW = datetime.datetime(2027, 3, 1, 7, 0, tzinfo=BERLIN)
HOUR = datetime.timedelta(hours=1)


def local(*args, fold: int = 0) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN, fold=fold)


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def pool(organization):
    pool = DevicePoolFactory(organization=organization, max_days_ahead=365)
    DeviceFactory.create_batch(10, pool=pool)
    return pool


def series(teacher, pool, first_date, until, now):
    return services.book_series(
        by=teacher,
        pool=pool,
        quantity=5,
        first_date=first_date,
        until=until,
        start_time=datetime.time(8, 0),
        end_time=datetime.time(9, 30),
        now=now,
    )


@pytest.mark.parametrize(
    ("first_date", "until", "now", "offsets"),
    [
        (
            datetime.date(2026, 10, 13),
            datetime.date(2026, 11, 3),
            AUTUMN_NOW,
            [2, 2, 1, 1],  # CEST until 25 October, CET after
        ),
        (
            datetime.date(2027, 3, 16),
            datetime.date(2027, 4, 6),
            SPRING_NOW,
            [1, 1, 2, 2],  # CET until 28 March, CEST after
        ),
    ],
    ids=["autumn", "spring"],
)
def test_a_weekly_series_keeps_its_local_time_across_a_change(
    teacher, pool, first_date, until, now, offsets
):
    booked = list(series(teacher, pool, first_date, until, now).reservations.order_by("start"))
    assert len(booked) == 4
    for reservation, offset in zip(booked, offsets, strict=True):
        start = reservation.start.astimezone(BERLIN)
        end = reservation.end.astimezone(BERLIN)
        assert (start.time(), end.time()) == (datetime.time(8), datetime.time(9, 30))
        assert start.utcoffset() == datetime.timedelta(hours=offset)
        assert reservation.start.astimezone(UTC).hour == 8 - offset
        assert reservation.end - reservation.start == datetime.timedelta(minutes=90)


def test_the_series_plan_finds_conflicts_on_both_sides_of_the_change(teacher, pool):
    # Full at 08:00 local on the Tuesday before and the Tuesday after the spring change.
    for day in (23, 30):
        ReservationFactory(
            pool=pool, quantity=10, start=local(2027, 3, day, 8), end=local(2027, 3, day, 9)
        )
    # 08:00 UTC on 30 March is 10:00 CEST: outside the series' time.
    ReservationFactory(pool=pool, quantity=10, start=utc(2027, 4, 6, 8), end=utc(2027, 4, 6, 9))
    plan = services.plan_series(
        by=teacher,
        pool=pool,
        quantity=1,
        first_date=datetime.date(2027, 3, 16),
        until=datetime.date(2027, 4, 6),
        start_time=datetime.time(8, 0),
        end_time=datetime.time(9, 30),
        now=SPRING_NOW,
    )
    assert [(o.date.day, o.free) for o in plan.occurrences] == [(16, 10), (23, 0), (30, 0), (6, 10)]


def test_a_booking_over_the_spring_night_lasts_seven_hours_not_eight(teacher, pool):
    DevicePool.objects.filter(pk=pool.pk).update(max_booking_hours=7)
    pool.refresh_from_db()
    start, end = local(2027, 3, 27, 22), local(2027, 3, 28, 6)
    reservation = services.reserve(
        by=teacher, pool=pool, quantity=2, start=start, end=end, now=SPRING_NOW
    )
    reservation.refresh_from_db()
    assert reservation.end - reservation.start == datetime.timedelta(hours=7)
    assert (reservation.start, reservation.end) == (utc(2027, 3, 27, 21), utc(2027, 3, 28, 4))


def test_a_booking_over_the_autumn_night_lasts_nine_hours_and_breaks_an_eight_hour_limit(
    teacher, pool
):
    assert pool.max_booking_hours == 8
    with pytest.raises(LimitExceeded) as error:
        services.reserve(
            by=teacher,
            pool=pool,
            quantity=1,
            start=local(2026, 10, 24, 22),
            end=local(2026, 10, 25, 6),
            now=AUTUMN_NOW,
        )
    assert "at most 8 hours" in str(error.value)
    assert not Reservation.objects.exists()
    reservation = services.reserve(
        by=teacher,
        pool=pool,
        quantity=1,
        start=local(2026, 10, 24, 22),
        end=local(2026, 10, 25, 5),
        now=AUTUMN_NOW,
    )
    assert reservation.end - reservation.start == datetime.timedelta(hours=8)


def test_the_repeated_autumn_hour_is_two_different_hours(teacher, pool):
    # 02:15–02:45 happens twice: first in summer time (fold=0), then in winter time (fold=1).
    first = ReservationFactory(
        pool=pool, quantity=10, start=local(2026, 10, 25, 2, 15), end=local(2026, 10, 25, 2, 45)
    )
    first.refresh_from_db()
    assert (first.start, first.end) == (utc(2026, 10, 25, 0, 15), utc(2026, 10, 25, 0, 45))
    second = services.reserve(
        by=teacher,
        pool=pool,
        quantity=10,
        start=local(2026, 10, 25, 2, 15, fold=1),
        end=local(2026, 10, 25, 2, 45, fold=1),
        now=AUTUMN_NOW,
    )
    second.refresh_from_db()
    assert (second.start, second.end) == (utc(2026, 10, 25, 1, 15), utc(2026, 10, 25, 1, 45))
    assert second.end - second.start == datetime.timedelta(minutes=30)


def test_availability_over_the_spring_change_counts_real_time(pool):
    # 01:00 CET to 03:00 CEST is one real hour; 03:00 to 04:00 CEST follows right after.
    ReservationFactory(pool=pool, quantity=4, start=utc(2027, 3, 28, 0), end=utc(2027, 3, 28, 1))
    ReservationFactory(
        pool=pool, quantity=3, start=local(2027, 3, 28, 3), end=local(2027, 3, 28, 4)
    )
    night_start, night_end = local(2027, 3, 27, 22), local(2027, 3, 28, 6)
    assert peak_reserved(pool.pk, night_start, night_end) == 4
    intervals = reserved_intervals(pool.pk, night_start, night_end)
    assert [
        (i.start.astimezone(BERLIN).strftime("%H:%M %Z"), i.end - i.start, i.reserved)
        for i in intervals
    ] == [
        ("22:00 CET", 3 * HOUR, 0),
        ("01:00 CET", HOUR, 4),
        ("03:00 CEST", HOUR, 3),
        ("04:00 CEST", 2 * HOUR, 0),
    ]
    assert sum((i.end - i.start for i in intervals), datetime.timedelta()) == 7 * HOUR


def test_availability_over_the_autumn_change_counts_the_hour_twice(pool):
    ReservationFactory(
        pool=pool, quantity=4, start=local(2026, 10, 25, 2), end=local(2026, 10, 25, 2, fold=1)
    )
    ReservationFactory(
        pool=pool, quantity=6, start=local(2026, 10, 25, 2, 30, fold=1), end=local(2026, 10, 25, 4)
    )
    night_start, night_end = local(2026, 10, 24, 22), local(2026, 10, 25, 6)
    assert peak_reserved(pool.pk, night_start, night_end) == 6
    intervals = reserved_intervals(pool.pk, night_start, night_end)
    assert [(i.end - i.start, i.reserved) for i in intervals] == [
        (4 * HOUR, 0),
        (HOUR, 4),
        (datetime.timedelta(minutes=30), 0),
        (datetime.timedelta(minutes=90), 6),
        (2 * HOUR, 0),
    ]
    assert sum((i.end - i.start for i in intervals), datetime.timedelta()) == 9 * HOUR


def test_alternatives_after_the_change_keep_the_local_time(teacher, pool):
    day = datetime.date(2027, 3, 9)
    while day <= datetime.date(2027, 3, 26):
        if day.weekday() < 5:
            start = datetime.datetime.combine(day, datetime.time(8), tzinfo=BERLIN)
            ReservationFactory(pool=pool, quantity=10, start=start, end=start + HOUR)
        day += datetime.timedelta(days=1)
    times, _pools = services.alternatives(
        by=teacher,
        pool=pool,
        quantity=1,
        start=local(2027, 3, 23, 8),
        end=local(2027, 3, 23, 9),
        now=SPRING_NOW,
    )
    assert [alt.start for alt in times] == [
        local(2027, 3, 29, 8),
        local(2027, 3, 30, 8),
        local(2027, 3, 31, 8),
    ]
    assert all(alt.end - alt.start == HOUR for alt in times)
