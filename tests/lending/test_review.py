"""Defects found in the review of lending to residents (issue #5), each pinned by a test:
garbage in the desk's PDF link, a waiting list that got stuck beside a free device, holds
offered to people who may not borrow, renewals refused although nobody waits, and a resident
who could not cancel a reservation on the pick-up day."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from booking import services
from booking.models import Loan, LoanItem, Reservation
from booking.services import WaitlistError
from lending import services as lending_services
from lending.models import LendingPolicy, WaitlistEntry
from organizations.models import Organization, Role
from tests.factories import (
    BorrowingAgreementFactory,
    DeviceFactory,
    LendingPoolFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 10, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def library(db):
    return OrganizationFactory(kind=Organization.Kind.LIBRARY, slug="stadtbibliothek")


@pytest.fixture
def librarian(library):
    return MembershipFactory(organization=library, role=Role.STAFF).user


def _pool(library, devices: int, **fields):
    pool = LendingPoolFactory(organization=library, name="Leih-Laptops", **fields)
    for number in range(1, devices + 1):
        DeviceFactory(pool=pool, asset_tag=f"SB-LAP-{number:03}")
    LendingPolicy.objects.create(organization=library, hold_days=3)
    return pool


def _device(pool, number: int):
    return pool.devices.get(asset_tag=f"SB-LAP-{number:03}")


# --- the desk's agreement PDF --------------------------------------------------------------


@pytest.mark.parametrize("user", ["²", "١x", "1²"])
def test_the_agreement_pdf_with_a_user_that_is_no_plain_number_is_a_404(
    client, librarian, library, user
):
    agreement = BorrowingAgreementFactory(organization=library)
    client.force_login(librarian)
    url = reverse("lending_desk:agreement_pdf", kwargs={"pk": agreement.pk})
    response = client.get(url, {"user": user})
    assert response.status_code == 404


# --- the waiting list ----------------------------------------------------------------------


def test_nobody_joins_the_waiting_list_beside_a_free_device_while_another_person_holds_one(
    library, librarian
):
    """Two laptops: one came back and is held for Anna; the other came back later, when
    nobody waited. Ben must be told to reserve the free one, not be put on a list that no
    return will ever move."""
    pool = _pool(library, devices=2)
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


def _overdue_elsewhere(person, *, since: datetime.datetime) -> Loan:
    """A laptop of another library, lent at ``since`` and due two days later: overdue now."""
    elsewhere = _pool(OrganizationFactory(kind=Organization.Kind.LIBRARY), devices=1)
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


def test_a_device_is_not_held_for_a_person_with_an_overdue_device_but_they_keep_their_place(
    library, librarian, django_capture_on_commit_callbacks, mailoutbox
):
    pool = _pool(library, devices=1)
    anna, ben = UserFactory(preferred_language="en"), UserFactory(preferred_language="en")
    since = timezone.now() - datetime.timedelta(days=10)
    loan = lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=UserFactory(), devices=[_device(pool, 1)], now=since
    )
    first = lending_services.join_waitlist(by=anna, pool=pool, now=since)
    second = lending_services.join_waitlist(by=ben, pool=pool, now=since)
    _overdue_elsewhere(anna, since=since)

    _give_back(librarian, loan, django_capture_on_commit_callbacks)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistEntry.Status.WAITING
    assert lending_services.waitlist_position(first) == 1
    assert second.status == WaitlistEntry.Status.OFFERED
    assert [message.to for message in mailoutbox] == [[ben.email]]


def test_once_the_overdue_device_is_back_the_free_device_is_offered_to_them(
    library, librarian, django_capture_on_commit_callbacks
):
    pool = _pool(library, devices=1)
    anna = UserFactory()
    since = timezone.now() - datetime.timedelta(days=10)
    loan = lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=UserFactory(), devices=[_device(pool, 1)], now=since
    )
    entry = lending_services.join_waitlist(by=anna, pool=pool, now=since)
    overdue = _overdue_elsewhere(anna, since=since)
    _give_back(librarian, loan, django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING  # blocked: nothing held for her

    other_staff = overdue.pool.organization.memberships.get().user
    _give_back(other_staff, overdue, django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED


# --- renewing ------------------------------------------------------------------------------


def test_a_loan_can_be_renewed_when_the_only_person_on_the_list_has_a_device_held(
    library, librarian
):
    pool = _pool(library, devices=2, max_renewals=2)
    resident, anna = UserFactory(), UserFactory()
    mine = lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=resident, devices=[_device(pool, 1)], now=NOW
    )
    other = lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=UserFactory(), devices=[_device(pool, 2)], now=NOW
    )
    entry = lending_services.join_waitlist(by=anna, pool=pool, now=NOW)
    later = NOW + datetime.timedelta(days=1)
    services.return_items(
        by=librarian,
        loan=other,
        returns=[services.ItemReturn(other.items.get().pk, "complete")],
        now=later,
    )
    lending_services.offer_next(pool=pool, now=later)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED

    due = mine.due_at
    renewed = lending_services.renew(by=resident, loan=mine, now=later)
    assert renewed.renewals == 1
    assert renewed.due_at > due


def test_a_renewal_is_still_refused_while_someone_waits(library, librarian):
    pool = _pool(library, devices=1, max_renewals=2)
    resident = UserFactory()
    mine = lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=resident, devices=[_device(pool, 1)], now=NOW
    )
    lending_services.join_waitlist(by=UserFactory(), pool=pool, now=NOW)
    with pytest.raises(services.RenewalRefused, match="Someone is waiting"):
        lending_services.renew(by=resident, loan=mine, now=NOW + datetime.timedelta(days=1))
    assert Loan.objects.get(pk=mine.pk).renewals == 0


# --- cancelling on the pick-up day ---------------------------------------------------------


@pytest.fixture
def reserved_for_today(library):
    pool = _pool(library, devices=1, min_notice_hours=0)
    resident = UserFactory()
    reservation = lending_services.reserve_loan(
        by=resident, pool=pool, pickup_date=timezone.localdate()
    )
    return reservation


def test_a_resident_can_cancel_a_reservation_on_the_pick_up_day_before_pick_up(
    client, reserved_for_today
):
    reservation = reserved_for_today
    client.force_login(reservation.user)
    page = client.get(reverse("lending:reservation", kwargs={"pk": reservation.pk}))
    assert "Cancel this reservation" in page.content.decode()

    response = client.post(reverse("lending:cancel", kwargs={"pk": reservation.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse("lending:my_loans")
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED
    assert (
        services.free_count(reservation.pool, timezone.now(), reservation.end, now=timezone.now())
        == 1
    )


def test_a_picked_up_reservation_cannot_be_cancelled(client, reserved_for_today, library):
    reservation = reserved_for_today
    staff = MembershipFactory(organization=library, role=Role.STAFF).user
    services.hand_out(by=staff, reservation=reservation, devices=[reservation.pool.devices.get()])
    client.force_login(reservation.user)
    page = client.get(reverse("lending:reservation", kwargs={"pk": reservation.pk}))
    assert "Cancel this reservation" not in page.content.decode()
    response = client.post(reverse("lending:cancel", kwargs={"pk": reservation.pk}), follow=True)
    assert "The device has been picked up" in response.content.decode()
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CONFIRMED
    assert LoanItem.objects.filter(returned_at__isnull=True).count() == 1


def test_someone_else_cannot_cancel_a_residents_reservation(client, reserved_for_today):
    client.force_login(UserFactory())
    response = client.post(reverse("lending:cancel", kwargs={"pk": reserved_for_today.pk}))
    assert response.status_code == 404
    reserved_for_today.refresh_from_db()
    assert reserved_for_today.status == Reservation.Status.CONFIRMED


# --- days, not midnights -------------------------------------------------------------------


@pytest.fixture
def lent_today(library, librarian):
    """Lent at the desk now: due by the end of the day 14 days from today (stored as the
    midnight that starts the day after)."""
    pool = _pool(library, devices=1, max_renewals=1)
    resident = UserFactory()
    return lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=resident, devices=[pool.devices.get()]
    )


def _long(day: datetime.date) -> str:
    return date_format(day, "DATE_FORMAT")


def test_my_loans_shows_the_day_a_loan_is_due_not_the_midnight_after_it(client, lent_today):
    due_day = timezone.localdate() + datetime.timedelta(days=14)
    client.force_login(lent_today.borrower)
    page = client.get(reverse("lending:my_loans")).content.decode()
    assert f"Due back on {_long(due_day)}" in page
    assert _long(due_day + datetime.timedelta(days=1)) not in page


def test_the_renewal_message_names_the_new_due_day(client, lent_today):
    new_due_day = timezone.localdate() + datetime.timedelta(days=28)
    client.force_login(lent_today.borrower)
    response = client.post(reverse("lending:renew", kwargs={"pk": lent_today.pk}), follow=True)
    page = response.content.decode()
    assert f"is now due on {_long(new_due_day)}" in page
    assert f"Due back on {_long(new_due_day)}" in page
    card = client.post(
        reverse("lending:renew", kwargs={"pk": lent_today.pk}), headers={"HX-Request": "true"}
    ).content.decode()
    assert f"Due back on {_long(new_due_day)}" in card  # refused now, the date stays right


def test_a_held_device_shows_the_last_day_to_pick_it_up(client, library, librarian):
    pool = _pool(library, devices=1)
    anna = UserFactory()
    since = timezone.now() - datetime.timedelta(days=1)
    loan = lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=UserFactory(), devices=[pool.devices.get()], now=since
    )
    entry = lending_services.join_waitlist(by=anna, pool=pool, now=since)
    services.return_items(
        by=librarian, loan=loan, returns=[services.ItemReturn(loan.items.get().pk, "complete")]
    )
    lending_services.offer_next(pool=pool)
    entry.refresh_from_db()
    last_day = timezone.localdate() + datetime.timedelta(days=3)
    client.force_login(anna)

    page = client.get(reverse("lending:my_loans")).content.decode()
    assert f"A device is held for you until {_long(last_day)}." in page
    assert f"held for you, pick up by {last_day:%A}, {_long(last_day)}" in page

    page = client.get(
        reverse("lending:reservation", kwargs={"pk": entry.reservation_id})
    ).content.decode()
    assert "Pick up by" in page
    assert _long(last_day) in page


def test_a_picked_up_and_renewed_reservation_shows_the_loans_due_day(client, lent_today):
    lending_services.renew(by=lent_today.borrower, loan=lent_today)
    client.force_login(lent_today.borrower)
    page = client.get(
        reverse("lending:reservation", kwargs={"pk": lent_today.reservation_id})
    ).content.decode()
    assert _long(timezone.localdate() + datetime.timedelta(days=28)) in page


def test_the_desk_shows_the_last_day_of_a_hold(client, library, librarian):
    pool = _pool(library, devices=1)
    anna = UserFactory()
    last = timezone.localdate() + datetime.timedelta(days=3)
    WaitlistEntry.objects.create(
        pool=pool, user=anna, status="offered", hold_until=services.end_of_day(last)
    )
    client.force_login(librarian)
    url = reverse("lending_desk:resident", kwargs={"pk": anna.pk})
    html = client.get(url, {"organization": library.slug}).content.decode()
    assert f"a device is held until {date_format(last, 'SHORT_DATE_FORMAT')}" in html


def test_nobody_waits_for_more_devices_than_one_person_may_borrow(
    library, librarian, client, settings
):
    """A hold is a reservation: waiting for three laptops of a pool that lends one per person
    would later hold three for one person."""
    pool = _pool(library, devices=3, per_person_limit=1)
    for device in pool.devices.all():
        lending_services.lend_at_desk(
            by=librarian, pool=pool, borrower=UserFactory(), devices=[device]
        )
    anna = UserFactory()
    with pytest.raises(WaitlistError, match="at most 1 device of this pool"):
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
