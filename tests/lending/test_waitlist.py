"""The waiting list of a residents' pool: first come, first served; a returned device is held
for the next person, passed on when the hold runs out or they leave; nobody is emailed twice."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from booking import services
from booking.models import Loan, Reservation
from lending import services as lending_services
from lending.models import LendingPolicy, WaitlistEntry
from lending.services import WaitlistError
from organizations.models import Organization, Role
from tests.factories import (
    DeviceFactory,
    LendingPoolFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 10, 0, tzinfo=BERLIN)
TODAY = NOW.date()


def midnight(days: int) -> datetime.datetime:
    return datetime.datetime.combine(
        TODAY + datetime.timedelta(days=days), datetime.time(), tzinfo=BERLIN
    )


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The background offer (after a return) reads the clock: it reads this one."""

    class Clock:
        now = NOW

    monkeypatch.setattr(timezone, "now", lambda: Clock.now.astimezone(datetime.UTC))
    return Clock


@pytest.fixture
def pool():
    pool = LendingPoolFactory(name="Leih-Tablets")
    DeviceFactory(pool=pool)
    LendingPolicy.objects.create(organization=pool.organization, hold_days=3)
    return pool


@pytest.fixture
def library(pool):
    return pool.organization


@pytest.fixture
def loan(pool, librarian):
    """The pool's only device is out until day 15."""
    return lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=UserFactory(), devices=[pool.devices.get()], now=NOW
    )


@pytest.fixture
def people():
    return [UserFactory(preferred_language="en") for _ in range(3)]


def join(people, pool):
    return [lending_services.join_waitlist(by=person, pool=pool, now=NOW) for person in people]


def give_back(librarian, loan, capture, when):
    timezone.now = lambda: when.astimezone(datetime.UTC)  # restored by the clock fixture
    with capture(execute=True):
        lending_services.return_by_code(
            by=librarian, code=loan.items.get().device.asset_tag, now=when
        )


def status(entry) -> str:
    entry.refresh_from_db()
    return entry.status


def test_people_keep_their_place_in_the_order_they_joined(loan, pool, people):
    entries = join(people, pool)
    assert [lending_services.waitlist_position(entry) for entry in entries] == [1, 2, 3]
    assert lending_services.waitlist_positions(people[2]) == {entries[2].pk: 3}


def test_joining_twice_or_when_a_device_is_free_is_refused(pool, people, loan):
    join(people[:1], pool)
    with pytest.raises(WaitlistError, match="already on the waiting list"):
        lending_services.join_waitlist(by=people[0], pool=pool, now=NOW)
    other = LendingPoolFactory()
    DeviceFactory(pool=other)
    with pytest.raises(
        WaitlistError, match=re.escape("A device is free: please reserve it instead.")
    ):
        lending_services.join_waitlist(by=people[1], pool=other, now=NOW)
    assert WaitlistEntry.objects.count() == 1


def test_a_returned_device_is_held_for_the_first_person_who_is_emailed_once(
    loan, pool, people, librarian, django_capture_on_commit_callbacks, mailoutbox
):
    first, second, third = join(people, pool)
    back = NOW + datetime.timedelta(days=2)
    give_back(librarian, loan, django_capture_on_commit_callbacks, back)

    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.OFFERED
    assert first.hold_until == midnight(2 + 3 + 1)
    assert first.reservation.start == back
    assert first.reservation.end == midnight(2 + 3 + 14 + 1)
    assert lending_services.waitlist_position(first) == 0
    assert [lending_services.waitlist_position(e) for e in (second, third)] == [1, 2]
    (message,) = mailoutbox
    assert message.to == [people[0].email]
    assert message.subject == "A device is waiting for you: Leih-Tablets"
    assert "We hold it for you until Feb. 6, 2027" in message.body

    # offering again (another return, a device back in service) emails nobody again
    with django_capture_on_commit_callbacks(execute=True):
        assert lending_services.offer_next(pool=pool, now=back) == []
    assert len(mailoutbox) == 1


def test_an_expired_hold_goes_to_the_next_person(
    loan, pool, people, librarian, django_capture_on_commit_callbacks, mailoutbox
):
    first, second, _third = join(people, pool)
    give_back(librarian, loan, django_capture_on_commit_callbacks, NOW)
    held = Reservation.objects.get(waitlist_entry=first)

    with django_capture_on_commit_callbacks(execute=True):
        assert lending_services.expire_holds(now=midnight(3)) == 0  # still held on its last day
        assert lending_services.expire_holds(now=midnight(4)) == 1
    assert status(first) == WaitlistEntry.Status.EXPIRED
    assert Reservation.objects.get(pk=held.pk).status == Reservation.Status.CANCELLED
    assert status(second) == WaitlistEntry.Status.OFFERED
    assert [m.to for m in mailoutbox] == [
        [people[0].email],
        [people[0].email],
        [people[1].email],
    ]
    assert mailoutbox[1].subject == "Your hold has expired: Leih-Tablets"

    with django_capture_on_commit_callbacks(execute=True):
        assert lending_services.expire_holds(now=midnight(4)) == 0
    assert len(mailoutbox) == 3


def test_a_person_who_left_is_skipped(
    loan, pool, people, librarian, django_capture_on_commit_callbacks, mailoutbox
):
    first, second, _third = join(people, pool)
    lending_services.leave_waitlist(by=people[0], pool=pool, now=NOW)
    assert status(first) == WaitlistEntry.Status.LEFT
    assert lending_services.waitlist_position(second) == 1
    with pytest.raises(WaitlistError, match="not on the waiting list"):
        lending_services.leave_waitlist(by=people[0], pool=pool, now=NOW)

    give_back(librarian, loan, django_capture_on_commit_callbacks, NOW)
    assert status(second) == WaitlistEntry.Status.OFFERED
    assert [m.to for m in mailoutbox] == [[people[1].email]]


def test_leaving_while_held_offers_the_device_to_the_next(
    loan, pool, people, librarian, django_capture_on_commit_callbacks, mailoutbox
):
    first, second, _third = join(people, pool)
    give_back(librarian, loan, django_capture_on_commit_callbacks, NOW)
    with django_capture_on_commit_callbacks(execute=True):
        lending_services.leave_waitlist(by=people[0], pool=pool, now=NOW)
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.LEFT
    assert first.reservation.status == Reservation.Status.CANCELLED
    assert status(second) == WaitlistEntry.Status.OFFERED
    assert [m.to for m in mailoutbox] == [[people[0].email], [people[1].email]]


def test_picking_up_a_held_device_fulfils_the_entry_and_ends_the_hold_early(
    loan, pool, people, librarian, django_capture_on_commit_callbacks
):
    (first,) = join(people[:1], pool)
    give_back(librarian, loan, django_capture_on_commit_callbacks, NOW)
    first.refresh_from_db()
    picked = services.hand_out(
        by=librarian,
        reservation=first.reservation,
        devices=[pool.devices.get()],
        now=NOW + datetime.timedelta(days=1),
    )
    assert status(first) == WaitlistEntry.Status.FULFILLED
    assert picked.due_at == midnight(1 + 14 + 1)
    assert Reservation.objects.get(pk=first.reservation_id).end == picked.due_at
    assert lending_services.expire_holds(now=midnight(10)) == 0


def test_a_device_back_from_repair_is_offered(
    pool, people, librarian, django_capture_on_commit_callbacks
):
    from devices import services as device_services

    device = pool.devices.get()
    device_services.change_status(by=librarian, device=device, status="in_repair", reason="Akku")
    (first,) = join(people[:1], pool)
    with django_capture_on_commit_callbacks(execute=True):
        device_services.change_status(
            by=librarian, device=device, status="in_service", reason="repariert"
        )
    assert status(first) == WaitlistEntry.Status.OFFERED


def test_a_blocked_person_cannot_join(pool, people, librarian, loan):
    with pytest.raises(lending_services.Blocked):
        lending_services.join_waitlist(
            by=loan.borrower, pool=pool, now=NOW + datetime.timedelta(days=20)
        )
    assert not WaitlistEntry.objects.exists()


def test_positions_take_one_query_for_many_entries(django_assert_num_queries, people):
    for _ in range(5):
        pool = LendingPoolFactory()
        for _ in range(3):
            WaitlistEntry.objects.create(pool=pool, user=UserFactory())
        WaitlistEntry.objects.create(pool=pool, user=people[0])
    with django_assert_num_queries(1):
        positions = lending_services.waitlist_positions(people[0])
    assert sorted(positions.values()) == [4, 4, 4, 4, 4]


def test_a_reservation_nobody_picks_up_is_released_after_the_hold_days_and_offered_on(
    pool, people, librarian, clock, django_capture_on_commit_callbacks, mailoutbox
):
    no_show, waiting = people[0], people[1]
    reserved = lending_services.reserve_loan(by=no_show, pool=pool, pickup_date=TODAY, now=NOW)
    entry = lending_services.join_waitlist(by=waiting, pool=pool, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        # Three hold days after the pick-up day it is still theirs; on the fourth it is not.
        assert (
            lending_services.release_no_shows(now=midnight(3) + datetime.timedelta(hours=10)) == 0
        )
        clock.now = midnight(4) + datetime.timedelta(hours=6)
        assert lending_services.release_no_shows(now=clock.now) == 1
        assert lending_services.release_no_shows(now=clock.now) == 0

    assert Reservation.objects.get(pk=reserved.pk).status == Reservation.Status.CANCELLED
    assert status(entry) == WaitlistEntry.Status.OFFERED
    assert [m.to for m in mailoutbox] == [[no_show.email], [waiting.email]]
    assert mailoutbox[0].subject == "Reservation released: Leih-Tablets"
    assert "did not pick up" in mailoutbox[0].body


def test_a_picked_up_reservation_is_never_released(pool, people, librarian):
    reserved = lending_services.reserve_loan(by=people[0], pool=pool, pickup_date=TODAY, now=NOW)
    services.hand_out(by=librarian, reservation=reserved, devices=[pool.devices.get()], now=NOW)

    assert lending_services.release_no_shows(now=midnight(30)) == 0
    assert Reservation.objects.get(pk=reserved.pk).status == Reservation.Status.CONFIRMED


# --- holds and blocked people -------------------------------------------------------------


def _device(pool, number: int):
    return pool.devices.get(asset_tag=f"SB-LAP-{number:03}")


def _overdue_elsewhere(make_pool, person, *, since: datetime.datetime) -> Loan:
    """A laptop of another library, lent at ``since`` and due two days later: overdue now."""
    elsewhere = make_pool(OrganizationFactory(kind=Organization.Kind.LIBRARY), devices=1)
    staff = MembershipFactory(organization=elsewhere.organization, role=Role.STAFF).user
    return lending_services.lend_at_desk(
        by=staff,
        pool=elsewhere,
        borrower=person,
        devices=[elsewhere.devices.get()],
        due_at=since + datetime.timedelta(days=2),
        now=since,
    )


def _give_back(librarian, loan, capture) -> None:
    with capture(execute=True):
        services.return_items(
            by=librarian,
            loan=loan,
            returns=[services.ItemReturn(loan.items.get().pk, "complete")],
        )


@pytest.mark.usefixtures("english")
def test_nobody_joins_the_waiting_list_beside_a_free_device_while_another_person_holds_one(
    make_pool, library, librarian
):
    """Two laptops: one came back and is held for Anna; the other came back later, when
    nobody waited. Ben must be told to reserve the free one, not be put on a list that no
    return will ever move."""
    pool = make_pool(library, devices=2)
    anna, ben = UserFactory(), UserFactory()
    loans = [
        lending_services.lend_at_desk(
            by=librarian, pool=pool, borrower=UserFactory(), devices=[_device(pool, n)], now=NOW
        )
        for n in (1, 2)
    ]
    entry = lending_services.join_waitlist(by=anna, pool=pool, now=NOW)
    later = NOW + datetime.timedelta(days=1)
    services.return_items(
        by=librarian,
        loan=loans[0],
        returns=[services.ItemReturn(loans[0].items.get().pk, "complete")],
        now=later,
    )
    lending_services.offer_next(pool=pool, now=later)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    services.return_items(
        by=librarian,
        loan=loans[1],
        returns=[services.ItemReturn(loans[1].items.get().pk, "complete")],
        now=later,
    )

    with pytest.raises(WaitlistError, match=re.escape("A device is free")):
        lending_services.join_waitlist(by=ben, pool=pool, now=later)
    assert not WaitlistEntry.objects.filter(user=ben).exists()


@pytest.mark.usefixtures("english")
def test_a_device_is_not_held_for_a_person_with_an_overdue_device_but_they_keep_their_place(
    make_pool, library, librarian, django_capture_on_commit_callbacks, mailoutbox
):
    pool = make_pool(library, devices=1)
    anna, ben = UserFactory(preferred_language="en"), UserFactory(preferred_language="en")
    since = timezone.now() - datetime.timedelta(days=10)
    loan = lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=UserFactory(), devices=[_device(pool, 1)], now=since
    )
    first = lending_services.join_waitlist(by=anna, pool=pool, now=since)
    second = lending_services.join_waitlist(by=ben, pool=pool, now=since)
    _overdue_elsewhere(make_pool, anna, since=since)

    _give_back(librarian, loan, django_capture_on_commit_callbacks)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistEntry.Status.WAITING
    assert lending_services.waitlist_position(first) == 1
    assert second.status == WaitlistEntry.Status.OFFERED
    assert [message.to for message in mailoutbox] == [[ben.email]]


@pytest.mark.usefixtures("english")
def test_once_the_overdue_device_is_back_the_free_device_is_offered_to_them(
    make_pool, library, librarian, django_capture_on_commit_callbacks
):
    pool = make_pool(library, devices=1)
    anna = UserFactory()
    since = timezone.now() - datetime.timedelta(days=10)
    loan = lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=UserFactory(), devices=[_device(pool, 1)], now=since
    )
    entry = lending_services.join_waitlist(by=anna, pool=pool, now=since)
    overdue = _overdue_elsewhere(make_pool, anna, since=since)
    _give_back(librarian, loan, django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING  # blocked: nothing held for her

    other_staff = overdue.pool.organization.memberships.get().user
    _give_back(other_staff, overdue, django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED


@pytest.mark.usefixtures("english")
def test_nobody_waits_for_more_devices_than_one_person_may_borrow(
    make_pool, library, librarian, client, settings
):
    """A hold is a reservation: waiting for three laptops of a pool that lends one per person
    would later hold three for one person."""
    pool = make_pool(library, devices=3, per_person_limit=1)
    for device in pool.devices.all():
        lending_services.lend_at_desk(
            by=librarian, pool=pool, borrower=UserFactory(), devices=[device]
        )
    anna = UserFactory()
    with pytest.raises(WaitlistError, match="at most 1 device of Laptops zum Ausleihen"):
        lending_services.join_waitlist(by=anna, pool=pool, quantity=3)
    settings.LANGUAGE_CODE = "en"
    client.cookies.clear()
    client.force_login(anna)
    response = client.post(
        f"/api/v1/pools/{pool.pk}/waitlist", {"quantity": 2}, content_type="application/json"
    )
    assert response.status_code == 409
    assert "at most 1 device" in response.json()["detail"]
    assert not WaitlistEntry.objects.exists()
