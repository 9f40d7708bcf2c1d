"""The overdue and in-service counts of the lending page (``lending_outlook``) and of the one
capacity hold (``booking.services.lendable_capacity``) look at open loan items only. These
tests build a pool with every kind of loan history (returned, open, overdue, partly returned,
out of service) and check the figures by hand and against the join over every loan item
that the counts used before, at times before and after the loans fall due."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Q

from booking.models import Loan, LoanItem
from booking.services import lendable_capacity
from devices.models import Device
from lending import services as lending_services
from tests.factories import DeviceFactory, LendingPoolFactory, UserFactory, give_hours

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 10, 0, tzinfo=BERLIN)
DAY = datetime.timedelta(days=1)


def loan(pool, devices, *, out: int, due: int, returned: list | tuple = (), closed=False):
    """A loan handed out ``out`` days before NOW, due ``due`` days from NOW; the devices in
    ``returned`` came back (all of them when ``closed``)."""
    record = Loan.objects.create(
        pool=pool,
        borrower=UserFactory(),
        handed_out_at=NOW - out * DAY,
        due_at=NOW + due * DAY,
        closed_at=NOW - DAY if closed else None,
    )
    for device in devices:
        back = closed or device in returned
        LoanItem.objects.create(loan=record, device=device, returned_at=NOW - DAY if back else None)
    return record


@pytest.fixture
def pool():
    """Eight devices: two overdue (``late`` and ``still_out``), six not. The library is open
    every day, so that "free now" counts on each day the tests look at (Sundays too)."""
    pool = LendingPoolFactory()
    give_hours(pool.organization, dict.fromkeys(range(7), "8-20"))
    _idle, returned, lent, late, came_back, still_out = DeviceFactory.create_batch(6, pool=pool)
    broken = DeviceFactory(pool=pool, status=Device.Status.IN_REPAIR)
    DeviceFactory(pool=pool, status=Device.Status.LOST)
    # History: every device but the idle one has had loans that came back, some of them late.
    for weeks in range(1, 6):
        loan(pool, [returned, lent, late, came_back, still_out], out=7 * weeks + 20, due=-7 * weeks,
             closed=True)  # fmt: skip
    loan(pool, [lent], out=2, due=5)  # out, not due yet
    loan(pool, [late], out=20, due=-6)  # overdue
    loan(pool, [came_back, still_out], out=20, due=-6, returned=[came_back])  # one is back
    loan(pool, [broken], out=20, due=-6)  # overdue, but not in service anyway
    return pool


def joined_over_every_item(pool, now) -> tuple[int, int]:
    """In service and overdue as the counts were written before: a join to every loan item
    the devices ever had, counted distinct."""
    counts = Device.objects.filter(pool=pool, status=Device.Status.IN_SERVICE).aggregate(
        total=Count("pk", distinct=True),
        overdue=Count(
            "pk",
            filter=Q(
                loan_items__returned_at__isnull=True,
                loan_items__loan__closed_at__isnull=True,
                loan_items__loan__due_at__lt=now,
            ),
            distinct=True,
        ),
    )
    return counts["total"], counts["overdue"]


def test_only_devices_in_service_and_out_past_due_are_overdue(pool):
    assert joined_over_every_item(pool, NOW) == (6, 2)
    assert lendable_capacity(pool, NOW) == 6 - 2
    outlook = lending_services.lending_outlook([pool], today=NOW.date())[pool.pk]
    assert outlook.capacity == 6
    assert outlook.free_today == 6 - 2


@pytest.mark.parametrize("days", [-30, -7, -6, 0, 5, 6, 30])
def test_the_counts_match_the_join_over_every_loan_item(pool, days):
    now = NOW + days * DAY
    total, overdue = joined_over_every_item(pool, now)
    assert lendable_capacity(pool, now) == total - overdue
    # The outlook of a given day counts from its midnight; nothing is reserved in this pool.
    today = now.date()
    midnight = datetime.datetime.combine(today, datetime.time(), tzinfo=BERLIN)
    total, overdue = joined_over_every_item(pool, midnight)
    outlook = lending_services.lending_outlook([pool], today=today)[pool.pk]
    assert (outlook.capacity, outlook.free_today) == (total, total - overdue)


def test_a_pool_without_devices_counts_zero():
    empty = LendingPoolFactory()
    assert lendable_capacity(empty, NOW) == 0
    outlook = lending_services.lending_outlook([empty], today=NOW.date())[empty.pk]
    assert (outlook.capacity, outlook.free_today, outlook.next_free) == (0, 0, None)
