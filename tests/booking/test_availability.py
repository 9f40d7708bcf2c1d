"""The peak-overlap arithmetic in SQL, against cases worked out by hand.

Reservations are half-open [start, end): one ending at 9:00 and one starting at 9:00 never
count together.
"""

from __future__ import annotations

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest

from booking.availability import (
    Interval,
    peak_in,
    peak_reserved,
    reserved_intervals,
    reserved_intervals_and,
)
from tests.factories import DevicePoolFactory, ReservationFactory, UserFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime.date(2027, 3, 1)  # a Monday


def at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN)


def book(pool, start, end, quantity=1, **kwargs):
    return ReservationFactory(pool=pool, start=start, end=end, quantity=quantity, **kwargs)


def steps(intervals: list[Interval]) -> list[tuple[int, int, int]]:
    """Intervals as (start hour, end hour, reserved) in local time, for readable asserts."""
    return [
        (
            interval.start.astimezone(BERLIN).hour,
            interval.end.astimezone(BERLIN).hour,
            interval.reserved,
        )
        for interval in intervals
    ]


def test_back_to_back_reservations_never_overlap(pool):
    book(pool, at(8), at(9), 2)
    book(pool, at(9), at(10), 3)
    assert peak_reserved(pool.pk, at(8), at(10)) == 3
    assert peak_reserved(pool.pk, at(8), at(9)) == 2
    assert peak_reserved(pool.pk, at(9), at(10)) == 3
    assert steps(reserved_intervals(pool.pk, at(7), at(11))) == [
        (7, 8, 0),
        (8, 9, 2),
        (9, 10, 3),
        (10, 11, 0),
    ]


def test_a_range_ending_where_a_reservation_starts_does_not_see_it(pool):
    book(pool, at(9), at(10), 4)
    assert peak_reserved(pool.pk, at(8), at(9)) == 0
    assert peak_reserved(pool.pk, at(10), at(11)) == 0
    assert peak_reserved(pool.pk, at(8), at(9, 1)) == 4


def test_a_nested_reservation_adds_to_the_outer_one(pool):
    book(pool, at(8), at(12), 1)
    book(pool, at(9), at(10), 2)
    assert peak_reserved(pool.pk, at(8), at(12)) == 3
    assert peak_reserved(pool.pk, at(10), at(12)) == 1
    assert steps(reserved_intervals(pool.pk, at(8), at(12))) == [
        (8, 9, 1),
        (9, 10, 3),
        (10, 12, 1),
    ]


def test_partial_overlaps_peak_where_most_are_booked(pool):
    book(pool, at(8), at(10), 1)
    book(pool, at(9), at(11), 2)
    book(pool, at(10), at(12), 4)
    # 8–9: 1; 9–10: 1+2; 10–11: 2+4 (the first ended at 10); 11–12: 4
    assert peak_reserved(pool.pk, at(8), at(12)) == 6
    assert peak_reserved(pool.pk, at(8), at(10)) == 3
    assert peak_reserved(pool.pk, at(10, 30), at(11, 30)) == 6
    assert peak_reserved(pool.pk, at(11), at(13)) == 4
    assert steps(reserved_intervals(pool.pk, at(8), at(12))) == [
        (8, 9, 1),
        (9, 10, 3),
        (10, 11, 6),
        (11, 12, 4),
    ]


def test_a_reservation_that_began_before_the_range_counts_from_the_range_start(pool):
    book(pool, at(6), at(9), 2)
    book(pool, at(8, 30), at(9, 30), 1)
    assert peak_reserved(pool.pk, at(8), at(10)) == 3
    assert steps(reserved_intervals(pool.pk, at(8), at(10)))[0] == (8, 8, 2)
    assert reserved_intervals(pool.pk, at(8), at(10))[0].start == at(8)


@pytest.mark.parametrize("status", ["requested", "cancelled", "declined"])
def test_only_confirmed_reservations_count(pool, status):
    book(pool, at(8), at(10), 5, status=status)
    assert peak_reserved(pool.pk, at(8), at(10)) == 0
    assert reserved_intervals(pool.pk, at(8), at(10)) == [Interval(at(8), at(10), 0)]


def test_requested_ones_count_when_asked_for(pool):
    book(pool, at(8), at(10), 5, status="requested")
    book(pool, at(9), at(10), 1)
    statuses = ("requested", "confirmed")
    assert peak_reserved(pool.pk, at(8), at(10), statuses=statuses) == 6


def test_reservations_of_other_pools_do_not_count(pool, organization):
    other = DevicePoolFactory(organization=organization)
    book(other, at(8), at(10), 5)
    assert peak_reserved(pool.pk, at(8), at(10)) == 0
    assert peak_reserved(other.pk, at(8), at(10)) == 5


def test_a_range_without_reservations_is_one_free_interval(pool):
    book(pool, at(8, day=DAY + datetime.timedelta(days=1)), at(9, day=DAY + datetime.timedelta(1)))
    assert peak_reserved(pool.pk, at(8), at(18)) == 0
    assert reserved_intervals(pool.pk, at(8), at(18)) == [Interval(at(8), at(18), 0)]


def test_neighbouring_intervals_with_the_same_load_are_merged(pool):
    book(pool, at(8), at(9), 2)
    book(pool, at(9), at(10), 2)
    book(pool, at(10), at(11), 3)
    assert steps(reserved_intervals(pool.pk, at(7), at(12))) == [
        (7, 8, 0),
        (8, 10, 2),
        (10, 11, 3),
        (11, 12, 0),
    ]


def test_intervals_cover_the_range_without_gaps(pool):
    book(pool, at(8), at(10), 2)
    book(pool, at(9, 15), at(13), 1)
    book(pool, at(12), at(16), 3)
    intervals = reserved_intervals(pool.pk, at(7), at(17))
    assert intervals[0].start == at(7)
    assert intervals[-1].end == at(17)
    for before, after in itertools.pairwise(intervals):
        assert before.end == after.start
        assert before.reserved != after.reserved
    assert max(interval.reserved for interval in intervals) == peak_reserved(pool.pk, at(7), at(17))


def test_the_per_person_peak_counts_only_that_persons_reservations(pool):
    anna, ben = UserFactory(), UserFactory()
    book(pool, at(8), at(10), 2, user=anna)
    book(pool, at(9), at(11), 3, user=ben)
    book(pool, at(9, 30), at(10, 30), 1, user=anna)
    assert peak_reserved(pool.pk, at(8), at(11)) == 6
    assert peak_reserved(pool.pk, at(8), at(11), user=anna) == 3
    assert peak_reserved(pool.pk, at(8), at(11), user=ben) == 3
    assert peak_reserved(pool.pk, at(10), at(11), user=anna) == 1


def test_excluded_reservations_do_not_count(pool):
    first = book(pool, at(8), at(10), 2)
    book(pool, at(9), at(10), 1)
    assert peak_reserved(pool.pk, at(8), at(10), exclude=[first.pk]) == 1


def test_peak_in_reads_the_step_function(pool):
    book(pool, at(8), at(9), 2)
    book(pool, at(10), at(11), 5)
    intervals = reserved_intervals(pool.pk, at(7), at(12))
    assert peak_in(intervals, at(8), at(9)) == 2
    assert peak_in(intervals, at(9), at(10)) == 0
    assert peak_in(intervals, at(8, 30), at(10, 30)) == 5
    assert peak_in(intervals, at(11), at(12)) == 0


def test_times_in_other_zones_mean_the_same_instants(pool):
    book(pool, at(8), at(9), 2)
    utc = datetime.UTC
    assert peak_reserved(pool.pk, at(8).astimezone(utc), at(9).astimezone(utc)) == 2
    # 08:00 in Berlin in March is 07:00 UTC: a range 06:00–07:00 UTC ends as it starts.
    assert (
        peak_reserved(
            pool.pk,
            datetime.datetime(2027, 3, 1, 6, tzinfo=utc),
            datetime.datetime(2027, 3, 1, 7, tzinfo=utc),
        )
        == 0
    )


@pytest.mark.parametrize("count", [3, 300])
def test_the_number_of_queries_does_not_grow_with_reservations(
    pool, count, django_assert_num_queries
):
    ReservationFactory.create_batch(
        count,
        pool=pool,
        start=at(8),
        end=at(9),
        quantity=1,
    )
    with django_assert_num_queries(1):
        assert peak_reserved(pool.pk, at(7), at(10)) == count
    with django_assert_num_queries(1):
        assert steps(reserved_intervals(pool.pk, at(7), at(10))) == [
            (7, 8, 0),
            (8, 9, count),
            (9, 10, 0),
        ]


def test_the_intervals_and_another_value_come_in_one_query(
    pool, organization, django_assert_num_queries
):
    from booking.services.policy import lendable_capacity, lendable_count
    from tests.factories import DeviceFactory

    DeviceFactory.create_batch(3, pool=pool)
    devices = lendable_capacity(pool, at(7))
    assert devices == pool.devices.count() >= 3
    book(pool, at(8), at(10), 2)
    book(pool, at(9), at(11), 1)
    skipped = book(pool, at(9), at(10), 5)
    other = DevicePoolFactory(organization=organization)
    with django_assert_num_queries(1):
        value, intervals = reserved_intervals_and(
            lendable_count(pool.pk, at(7)), pool.pk, at(7), at(12), exclude=[skipped.pk]
        )
    assert value == devices
    assert intervals == reserved_intervals(pool.pk, at(7), at(12), exclude=[skipped.pk])
    assert steps(intervals) == [(7, 8, 0), (8, 9, 2), (9, 10, 3), (10, 11, 1), (11, 12, 0)]
    # Nothing reserved: the value still comes back, with one free interval.
    value, intervals = reserved_intervals_and(
        lendable_count(other.pk, at(7)), other.pk, at(7), at(12)
    )
    assert (value, steps(intervals)) == (0, [(7, 12, 0)])
