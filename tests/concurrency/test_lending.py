"""Residents and library desks at the same moment: two desks lending the same device make one
loan; twenty residents asking for the last free device get one reservation, and the other
nineteen a friendly "none free" and a gap-free place on the waiting list. Each has a control
with the lock switched off (``LERNPOOL_BOOKING_LOCKS = False``) that shows the race."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from booking import services
from booking.models import Loan, LoanItem, Reservation
from lending import services as lending_services
from lending.models import WaitlistEntry
from organizations.models import Role
from tests.concurrency.race import race
from tests.factories import DeviceFactory, LendingPoolFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RESIDENTS = 20
DESKS = 2


@pytest.fixture
def pool():
    pool = LendingPoolFactory(name="Leih-Laptops")
    DeviceFactory(pool=pool)
    return pool


@pytest.fixture
def librarian(pool):
    return MembershipFactory(organization=pool.organization, role=Role.STAFF).user


# --- the last free device -----------------------------------------------------------------


def _reserve_outcome(error: Exception) -> str:
    if isinstance(error, services.PoolExhausted):
        return "exhausted"
    return f"error: {error!r}"


def _everyone_asks(pool, round_number: int) -> tuple[list[str], list[Reservation]]:
    people = [UserFactory() for _ in range(RESIDENTS)]
    pickup = timezone.localdate() + datetime.timedelta(days=1 + round_number)
    works = [
        lambda person=person: lending_services.reserve_loan(
            by=person, pool=pool, pickup_date=pickup
        )
        for person in people
    ]
    outcomes = race(works, _reserve_outcome)
    start, end = lending_services.loan_span(pool, pickup)
    reservations = list(Reservation.objects.filter(pool=pool, start=start, end=end))
    return outcomes, reservations, people


def test_twenty_residents_asking_for_the_last_device_get_one_reservation_and_a_queue(pool):
    outcomes, reservations, people = _everyone_asks(pool, 0)

    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("exhausted") == RESIDENTS - 1, outcomes
    assert len(reservations) == 1
    winner = reservations[0].user
    others = [person for person in people if person != winner]
    joins = [
        lambda person=person: lending_services.join_waitlist(by=person, pool=pool)
        for person in others
    ]
    assert race(joins, lambda error: f"error: {error!r}") == ["ok"] * (RESIDENTS - 1)
    entries = list(WaitlistEntry.objects.filter(pool=pool))
    assert len(entries) == RESIDENTS - 1
    assert sorted(lending_services.waitlist_position(entry) for entry in entries) == list(
        range(1, RESIDENTS)
    )
    assert sorted(
        position
        for person in others
        for position in lending_services.waitlist_positions(person).values()
    ) == list(range(1, RESIDENTS))


def test_control_without_the_lock_residents_overbook_the_last_device(pool, settings):
    settings.LERNPOOL_BOOKING_LOCKS = False
    overbooked = False
    for round_number in range(10):
        outcomes, reservations, _people = _everyone_asks(pool, round_number)
        assert [o for o in outcomes if o.startswith("error")] == []
        if len(reservations) > 1:
            overbooked = True
            break
    assert overbooked, "no round overbooked: the test could not see the race"


# --- two desks, one device ----------------------------------------------------------------


def _desk_outcome(error: Exception) -> str:
    if isinstance(error, services.HandOutError):
        return "constraint" if isinstance(error.__cause__, IntegrityError) else "refused"
    if isinstance(error, services.PoolExhausted):
        return "refused"
    return f"error: {error!r}"


def _two_desks(pool, librarian, round_number: int):
    """One desk hands the device out against a reservation, the other lends it to someone
    at the counter (the pool's second device makes that look free)."""
    device = pool.devices.order_by("pk").first()
    now = timezone.now() + datetime.timedelta(days=30 * round_number)
    reserved = lending_services.reserve_loan(
        by=UserFactory(), pool=pool, pickup_date=timezone.localtime(now).date(), now=now
    )
    works = [
        lambda: lending_services.lend_at_desk(
            by=librarian, pool=pool, borrower=UserFactory(), devices=[device], now=now
        ),
        lambda: services.hand_out(by=librarian, reservation=reserved, devices=[device], now=now),
    ]
    outcomes = race(works, _desk_outcome)
    open_items = LoanItem.objects.filter(device=device, returned_at__isnull=True).count()
    loan = Loan.objects.filter(items__device=device, closed_at__isnull=True).first()
    if loan is not None:
        lending_services.return_by_code(by=librarian, code=device.asset_tag, now=now)
    return outcomes, open_items


@pytest.fixture
def second_device(pool):
    return DeviceFactory(pool=pool)


def test_two_desks_lending_the_same_device_at_once_make_one_loan(pool, librarian, second_device):
    for round_number in range(5):
        outcomes, open_items = _two_desks(pool, librarian, round_number)
        assert outcomes.count("ok") == 1, outcomes
        assert outcomes.count("refused") == DESKS - 1, outcomes
        assert open_items == 1
    assert Loan.objects.count() == LoanItem.objects.count() == 5


def test_control_without_the_lock_the_constraint_stops_the_second_desk(
    pool, librarian, second_device, settings
):
    settings.LERNPOOL_BOOKING_LOCKS = False
    seen: list[str] = []
    for round_number in range(20):
        outcomes, open_items = _two_desks(pool, librarian, round_number)
        assert [o for o in outcomes if o.startswith("error")] == [], outcomes
        assert open_items == 1
        seen.extend(outcomes)
        if "constraint" in outcomes:
            break
    assert "constraint" in seen, "no desk got past the check: the test could not see the race"
