"""Many teachers booking the last devices of a pool at the same moment, and two desks handing
out the same device at once: never more than the pool holds, one open loan per device, and
friendly errors for everyone else. Each test has a control with the lock switched off
(``LERNPOOL_BOOKING_LOCKS = False``) that shows the race really happens, so the test can see
it."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError
from django.db.models import Sum
from django.utils import timezone

from booking import availability, services
from booking.models import Loan, LoanItem, Reservation
from organizations.models import Role
from tests.concurrency.race import race
from tests.factories import (
    DeviceFactory,
    DevicePoolFactory,
    MembershipFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50
ROUNDS = 20
CAPACITY = 12
FREE = 5  # the last devices, for which THREADS teachers ask at once


def _booking_outcome(error: Exception) -> str:
    if isinstance(error, services.PoolExhausted):
        return "exhausted"
    return f"error: {error!r}"


def _slot(round_number: int) -> tuple[datetime.datetime, datetime.datetime]:
    """A fresh lesson-length slot for each round, on weekdays of the coming weeks."""
    today = timezone.localdate()
    day = today + datetime.timedelta(days=7 - today.weekday() + round_number)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0)))
    return start, start + datetime.timedelta(minutes=90)


@pytest.fixture
def pool(organization):
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 1")
    for _ in range(CAPACITY):
        DeviceFactory(pool=pool)
    return pool


@pytest.fixture
def teachers(organization):
    return [
        MembershipFactory(organization=organization, role=Role.TEACHER).user for _ in range(THREADS)
    ]


def _book_the_last_devices(pool, teachers, round_number: int) -> tuple[list[str], int, int]:
    """CAPACITY - FREE devices are booked already; every teacher asks for one more at once.
    Returns the outcomes, the peak (SQL) and the devices booked (counted) for the slot."""
    start, end = _slot(round_number)
    ReservationFactory(
        pool=pool, user=UserFactory(), quantity=CAPACITY - FREE, start=start, end=end
    )
    works = [
        lambda teacher=teacher: services.reserve(
            by=teacher, pool=pool, quantity=1, start=start, end=end, purpose="Klasse 8a"
        )
        for teacher in teachers
    ]
    outcomes = race(works, _booking_outcome)
    peak = availability.peak_reserved(pool.pk, start, end)
    booked = (
        Reservation.objects.confirmed()
        .filter(pool=pool)
        .overlapping(start, end)
        .aggregate(total=Sum("quantity"))["total"]
    )
    return outcomes, peak, booked


def test_fifty_teachers_booking_the_last_five_devices_get_five_and_friendly_conflicts(
    pool, teachers
):
    for round_number in range(ROUNDS):
        outcomes, peak, booked = _book_the_last_devices(pool, teachers, round_number)

        assert outcomes.count("ok") == FREE, (round_number, outcomes)
        assert outcomes.count("exhausted") == THREADS - FREE, (round_number, outcomes)
        assert [o for o in outcomes if o.startswith("error")] == []
        assert peak == booked == CAPACITY, round_number
    assert Reservation.objects.filter(pool=pool).count() == ROUNDS * (1 + FREE)


def test_control_without_the_lock_the_same_run_overbooks(pool, teachers, settings):
    """With the pool row not locked, threads count before the others have written: the test
    can see the race that the lock prevents."""
    settings.LERNPOOL_BOOKING_LOCKS = False
    overbooked = []
    for round_number in range(ROUNDS):
        outcomes, peak, booked = _book_the_last_devices(pool, teachers, round_number)
        assert [o for o in outcomes if o.startswith("error")] == []
        assert peak == booked  # the SQL peak and the plain count agree, also when over
        if peak > CAPACITY:
            overbooked.append((round_number, peak))
            break
    assert overbooked, "no round overbooked: the test could not see the race"


# --- hand-out -------------------------------------------------------------------------------

DESKS = 10


def _hand_out_outcome(error: Exception) -> str:
    if isinstance(error, services.HandOutError):
        # The service's own check says "already handed out"; when two desks got past it at
        # once, the partial unique constraint raises and the service turns that into
        # "handed out at another desk just now".
        return "constraint" if isinstance(error.__cause__, IntegrityError) else "refused"
    return f"error: {error!r}"


def _hand_out_the_same_device(pool, staff, round_number: int):
    device = DeviceFactory(pool=pool)
    start, end = _slot(round_number)
    reservations = [
        ReservationFactory(pool=pool, user=UserFactory(), quantity=1, start=start, end=end)
        for _ in range(DESKS)
    ]
    works = [
        lambda reservation=reservation: services.hand_out(
            by=staff, reservation=reservation, devices=[device], now=reservation.start
        )
        for reservation in reservations
    ]
    outcomes = race(works, _hand_out_outcome)
    open_items = LoanItem.objects.filter(device=device, returned_at__isnull=True).count()
    loans = Loan.objects.filter(items__device=device).count()
    return outcomes, open_items, loans


def test_desks_handing_out_the_same_device_at_once_make_one_open_loan(pool, staff):
    for round_number in range(5):
        outcomes, open_items, loans = _hand_out_the_same_device(pool, staff, round_number)

        assert outcomes.count("ok") == 1, outcomes
        assert outcomes.count("refused") == DESKS - 1, outcomes
        assert open_items == loans == 1
    # a failed hand-out leaves no empty loan behind
    assert Loan.objects.count() == LoanItem.objects.count() == 5


def test_control_without_the_lock_the_constraint_stops_the_second_desk(pool, staff, settings):
    """With the devices not locked, several desks get past the service's check: the
    database's partial unique constraint is what then keeps one open loan per device."""
    settings.LERNPOOL_BOOKING_LOCKS = False
    seen = []
    for round_number in range(5):
        outcomes, open_items, loans = _hand_out_the_same_device(pool, staff, round_number)

        assert outcomes.count("ok") == 1, outcomes
        assert [o for o in outcomes if o.startswith("error")] == []
        assert open_items == loans == 1
        seen.extend(outcomes)
        if "constraint" in outcomes:
            break
    assert "constraint" in seen, "no desk got past the check: the test could not see the race"
    assert Loan.objects.count() == LoanItem.objects.count()
