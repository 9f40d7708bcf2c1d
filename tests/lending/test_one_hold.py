"""Lending's writers hold a pool's devices through booking.capacity.hold as booking's do
(tests/booking/test_one_hold.py): with the hold refusing, a resident's reservation, a loan
at the desk, a renewal and the waiting list's offer each write nothing. A writer that counted
on its own would get past it."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from booking import capacity
from booking.models import Loan, Reservation
from core.errors import DomainError
from lending import services
from lending.models import WaitlistEntry
from tests.factories import DeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 10, 0, tzinfo=BERLIN)  # a Monday morning


@pytest.fixture
def world(pool, librarian):
    DeviceFactory.create_batch(3, pool=pool)
    return {"pool": pool, "librarian": librarian, "resident": UserFactory()}


def reserve_a_loan(world):
    services.reserve_loan(
        by=world["resident"],
        pool=world["pool"],
        pickup_date=NOW.date() + datetime.timedelta(days=1),
        now=NOW,
    )


def lend_at_the_desk(world):
    services.lend_at_desk(
        by=world["librarian"],
        pool=world["pool"],
        borrower=world["resident"],
        devices=[world["pool"].devices.first()],
        now=NOW,
    )


def renew_a_loan(world):
    # Lent for real first (the hold still says yes), then renewed with the hold refusing.
    loan = world.pop("renewal_loan")
    world["before"] = Reservation.objects.confirmed().count()
    services.renew(by=world["resident"], loan=loan, now=NOW + datetime.timedelta(days=10))


WRITERS = [reserve_a_loan, lend_at_the_desk, renew_a_loan]


def _refusing(monkeypatch):
    calls = []

    def refuse(**kwargs):
        calls.append(kwargs)
        raise capacity.PoolExhausted("hold says no", 0)

    monkeypatch.setattr(capacity, "hold", refuse)
    return calls


@pytest.mark.parametrize("writer", WRITERS, ids=lambda writer: writer.__name__)
def test_every_lending_writer_holds_through_the_one_hold(writer, world, monkeypatch):
    if writer is renew_a_loan:
        world["renewal_loan"] = services.lend_at_desk(
            by=world["librarian"],
            pool=world["pool"],
            borrower=world["resident"],
            devices=[world["pool"].devices.first()],
            now=NOW,
        )
    due_before = list(Loan.objects.values_list("pk", "due_at"))
    calls = _refusing(monkeypatch)

    with pytest.raises(DomainError):
        writer(world)

    assert calls, "the writer did not call booking.capacity.hold"
    assert Reservation.objects.confirmed().count() == world.get("before", 0)
    assert list(Loan.objects.values_list("pk", "due_at")) == due_before


def test_the_waiting_lists_offer_holds_through_the_one_hold(world, monkeypatch):
    waiting = WaitlistEntry.objects.create(pool=world["pool"], user=world["resident"], quantity=1)
    calls = _refusing(monkeypatch)

    assert services.offer_next(pool=world["pool"], now=NOW) == []

    assert calls, "the offer did not call booking.capacity.hold"
    waiting.refresh_from_db()
    assert waiting.status == WaitlistEntry.Status.WAITING
    assert not Reservation.objects.exists()


def test_without_the_refusal_the_same_writers_write(world):
    """The control: the writers above do write when the hold says yes."""
    reserve_a_loan(world)
    lend_at_the_desk(world)
    assert Reservation.objects.confirmed().count() == 2
    assert Loan.objects.count() == 1
