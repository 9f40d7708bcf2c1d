"""Lending to residents in booking.services: reserving a loan for a pick-up day, what is free,
renewing, library cards, agreements, lending at the desk and taking back by tag. Every test
passes a fixed ``now``, so it does not depend on the day it runs."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from booking import services
from booking.models import Loan, LoanItem, Reservation
from booking.services import (
    HandOutError,
    InvalidBooking,
    LimitExceeded,
    PoolExhausted,
    ReturnError,
)
from core.errors import DomainError
from devices.models import Device
from lending import services as lending_services
from lending.models import AgreementAcceptance, LibraryCard, OverdueNotice, WaitlistEntry
from lending.services import AgreementRequired, Blocked, RenewalRefused
from organizations.models import Role
from tests.factories import (
    BorrowingAgreementFactory,
    ClosureFactory,
    DeviceFactory,
    DevicePoolFactory,
    LendingPoolFactory,
    LibraryCardFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
    WaitlistEntryFactory,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 10, 0, tzinfo=BERLIN)  # a Monday morning
TODAY = NOW.date()


def day(days: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=days)


def midnight(date: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(date, datetime.time(), tzinfo=BERLIN)


def at(days: int, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day(days), datetime.time(hour), tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def pool():
    pool = LendingPoolFactory(name="Leih-Laptops")
    DeviceFactory.create_batch(2, pool=pool, name="Laptop")
    return pool


@pytest.fixture
def library(pool):
    return pool.organization


def device_of(pool) -> Device:
    return pool.devices.order_by("pk").first()


def reserve(user, pool, pickup=1, **kwargs):
    return lending_services.reserve_loan(
        by=user, pool=pool, pickup_date=day(pickup), now=NOW, **kwargs
    )


def lend(librarian, pool, borrower, devices=None, now=NOW, **kwargs):
    return lending_services.lend_at_desk(
        by=librarian,
        pool=pool,
        borrower=borrower,
        devices=devices or [device_of(pool)],
        now=now,
        **kwargs,
    )


def overdue_loan(librarian, pool, borrower) -> Loan:
    """A loan handed out 20 days ago and due 6 days ago."""
    return lend(librarian, pool, borrower, now=NOW - datetime.timedelta(days=20))


# ---------------------------------------------------------------------------------------
# reserve_loan


def test_a_loan_is_reserved_from_the_pick_up_day_until_the_end_of_the_due_day(resident, pool):
    reservation = reserve(resident, pool, pickup=2)
    assert reservation.status == Reservation.Status.CONFIRMED
    assert reservation.start == midnight(day(2))
    assert reservation.end == midnight(day(2 + 14 + 1))
    assert lending_services.due_date(pool, day(2)) == day(16)
    assert lending_services.loan_span(pool, day(2)) == (reservation.start, reservation.end)


def test_a_loan_picked_up_today_is_reserved_from_now(resident, pool):
    reservation = reserve(resident, pool, pickup=0)
    assert reservation.start == NOW
    assert reservation.end == midnight(day(15))


def test_the_reservation_email_says_where_and_what_to_bring(
    resident, pool, django_capture_on_commit_callbacks, mailoutbox
):
    pool.pickup_note = "Please bring your ID card."
    pool.save()
    resident.preferred_language = "en"
    resident.save()
    with django_capture_on_commit_callbacks(execute=True):
        reserve(resident, pool, pickup=2)
    (message,) = mailoutbox
    assert message.subject == "Reserved for you: Leih-Laptops"
    assert "Pick up on: Feb. 3, 2027" in message.body
    assert "Return by: Feb. 17, 2027" in message.body
    assert pool.organization.name in message.body
    assert "Please bring your ID card." in message.body


@pytest.mark.parametrize(
    ("pickup", "message"),
    [
        (-1, "Please choose a pick-up day from today on."),
        (31, "at most 30 days ahead"),
    ],
)
def test_a_pick_up_day_outside_the_limits_is_refused(resident, pool, pickup, message):
    with pytest.raises(DomainError, match=message):
        reserve(resident, pool, pickup=pickup)
    assert not Reservation.objects.exists()


def test_minimum_notice_counts_in_days(resident, pool):
    pool.min_notice_hours = 24
    pool.save()
    with pytest.raises(LimitExceeded, match="1 day ahead, so the earliest pick-up day is"):
        reserve(resident, pool, pickup=0)
    assert reserve(resident, pool, pickup=1).start == midnight(day(1))


def test_a_closed_day_cannot_be_a_pick_up_day(resident, pool, library):
    ClosureFactory(organization=library, name="Inventur", start=day(3), end=day(4))
    with pytest.raises(LimitExceeded, match=r"is closed on .* \(Inventur\)"):
        reserve(resident, pool, pickup=3)
    assert reserve(resident, pool, pickup=4)


def test_the_per_person_limit_holds(resident, pool):
    pool.per_person_limit = 1
    pool.save()
    reserve(resident, pool, pickup=1)
    with pytest.raises(LimitExceeded, match="at most 1 device of Leih-Laptops at a time"):
        reserve(resident, pool, pickup=5)


def test_no_more_than_is_free(resident, pool):
    reserve(UserFactory(), pool, quantity=2, pickup=1)
    with pytest.raises(PoolExhausted) as error:
        reserve(resident, pool, pickup=3)
    assert error.value.free == 0


def test_an_overdue_device_is_not_free(resident, pool, librarian):
    overdue_loan(librarian, pool, UserFactory())
    reserve(UserFactory(), pool, pickup=1)  # the other device, until day 16
    with pytest.raises(PoolExhausted):
        reserve(resident, pool, pickup=3)
    # after the other loan the overdue device still counts as out
    assert services.free_count(pool, at(20, 0), at(30, 0), now=NOW) == 1


def test_a_person_with_an_overdue_device_is_blocked_until_it_is_back(resident, pool, librarian):
    loan = overdue_loan(librarian, pool, resident)
    with pytest.raises(Blocked) as error:
        reserve(resident, pool)
    message = str(error.value)
    assert "Laptop from Leih-Laptops" in message
    assert "due on 01/26/2027" in message
    assert "Please return what is overdue first" in message
    assert not Reservation.objects.filter(user=resident, start__gte=NOW).exists()

    services.return_items(
        by=librarian,
        loan=loan,
        returns=[services.ItemReturn(loan.items.get().pk, "complete")],
        now=NOW,
    )
    assert reserve(resident, pool).user == resident


def test_the_newest_agreement_must_be_accepted_first(resident, pool, library, librarian):
    first = BorrowingAgreementFactory(organization=library)
    with pytest.raises(AgreementRequired) as error:
        reserve(resident, pool)
    assert error.value.agreement == first
    assert lending_services.needs_agreement(resident, library) == first

    acceptance = lending_services.accept_agreement(by=resident, agreement=first)
    assert acceptance.recorded_by is None
    assert (
        lending_services.accept_agreement(by=resident, agreement=first) == acceptance
    )  # idempotent
    assert lending_services.needs_agreement(resident, library) is None
    reserve(resident, pool)

    second = lending_services.publish_agreement(
        by=librarian, organization=library, title="Neue Bedingungen", text="Text"
    )
    assert second.version == 2
    assert lending_services.current_agreement(library) == second
    with pytest.raises(AgreementRequired):
        reserve(resident, pool, pickup=5)


def test_only_staff_of_the_organization_publish_or_record_agreements(resident, library, outsider):
    agreement = BorrowingAgreementFactory(organization=library)
    with pytest.raises(PermissionDenied):
        lending_services.publish_agreement(by=outsider, organization=library, title="T", text="X")
    with pytest.raises(PermissionDenied):
        lending_services.accept_agreement(by=outsider, agreement=agreement, user=resident)
    assert not AgreementAcceptance.objects.exists()


def test_a_school_pool_does_not_lend_and_an_inactive_pool_is_not_bookable(resident, pool):
    school_pool = DevicePoolFactory(booking_scope="members")
    with pytest.raises(PermissionDenied):
        reserve(resident, school_pool)
    pool.is_active = False
    pool.save()
    with pytest.raises(PermissionDenied):
        reserve(resident, pool)


def test_a_teacher_cannot_reserve_a_loan_from_the_own_school_pool(organization, teacher):
    school_pool = DevicePoolFactory(organization=organization)
    DeviceFactory(pool=school_pool)
    with pytest.raises(InvalidBooking, match="is not lent to residents"):
        reserve(teacher, school_pool)


def test_a_plain_booking_of_a_lending_pool_is_refused_even_for_one_loan_span(resident, pool):
    """Only the lending service reserves a pool lent to residents (its rules: the agreement,
    the overdue block, the waiting list); the teachers' booking service sends people there."""
    start, end = lending_services.loan_span(pool, day(1))
    with pytest.raises(InvalidBooking, match="lent to residents"):
        services.reserve(by=resident, pool=pool, quantity=1, start=start, end=end, now=NOW)
    assert not Reservation.objects.exists()


# ---------------------------------------------------------------------------------------
# lending_outlook


def test_the_outlook_counts_free_devices_the_next_free_day_and_who_waits(resident, pool):
    ReservationFactory(pool=pool, user=UserFactory(), quantity=2, start=NOW, end=midnight(day(10)))
    WaitlistEntryFactory(pool=pool)
    outlook = lending_services.lending_outlook([pool], today=TODAY)[pool.pk]
    assert outlook.capacity == 2
    assert outlook.free_today == 0
    assert outlook.next_free == day(10)
    assert outlook.waiting == 1


def test_the_outlook_skips_closed_days_and_has_none_when_nothing_frees_up(pool, library):
    ClosureFactory(organization=library, start=day(0), end=day(3))
    outlook = lending_services.lending_outlook([pool], today=TODAY)[pool.pk]
    # Closed today: nothing can be picked up now, the next open day can.
    assert (outlook.free_today, outlook.next_free) == (0, day(3))
    outlook = lending_services.lending_outlook([pool], today=day(3))[pool.pk]
    assert (outlook.free_today, outlook.next_free) == (2, day(3))

    ReservationFactory(pool=pool, quantity=2, start=NOW, end=midnight(day(60)))
    assert lending_services.lending_outlook([pool], today=TODAY)[pool.pk].next_free is None


def test_the_next_free_day_is_never_a_sunday(pool):
    # TODAY is a Monday: everything is out until Sunday (day 6) begins.
    ReservationFactory(pool=pool, quantity=2, start=NOW, end=midnight(day(6)))
    assert day(6).weekday() == 6
    assert lending_services.lending_outlook([pool], today=TODAY)[pool.pk].next_free == day(7)


@pytest.mark.parametrize("count", [3, 30])
def test_the_outlook_takes_the_same_queries_for_3_and_30_pools(
    count, django_assert_max_num_queries
):
    pools = []
    for number in range(count):
        pool = LendingPoolFactory()
        DeviceFactory(pool=pool)
        ReservationFactory(pool=pool, start=NOW, end=midnight(day(number % 5 + 1)))
        ClosureFactory(organization=pool.organization, start=day(2), end=day(3))
        pools.append(pool)
    # Pools, their overdue devices, reservations, the waiting list; opening hours (and their
    # intervals), special hours and closures of every organization at once.
    with django_assert_max_num_queries(8):
        outlook = lending_services.lending_outlook(pools, today=TODAY)
    assert len(outlook) == count
    assert outlook[pools[0].pk].next_free == day(1)
    assert outlook[pools[1].pk].next_free == day(3)  # day 2 is closed


# ---------------------------------------------------------------------------------------
# renew


@pytest.fixture
def loan(librarian, pool, resident):
    return lend(librarian, pool, resident)


def test_a_renewal_extends_the_loan_and_its_reservation_by_one_period(loan, resident):
    renewed = lending_services.renew(by=resident, loan=loan, now=NOW + datetime.timedelta(days=10))
    assert renewed.due_at == midnight(day(29))
    assert renewed.renewals == 1
    assert Reservation.objects.get(pk=loan.reservation_id).end == midnight(day(29))


def test_a_renewal_past_the_limit_is_refused_with_the_count(loan, resident):
    lending_services.renew(by=resident, loan=loan, now=NOW)
    with pytest.raises(
        RenewalRefused,
        match=re.escape("You have renewed this loan 1 time, the most Leih-Laptops allows."),
    ):
        lending_services.renew(by=resident, loan=loan, now=NOW)
    assert Loan.objects.get(pk=loan.pk).renewals == 1


def test_renewing_a_returned_loan_is_refused(loan, resident, librarian):
    lending_services.return_by_code(by=librarian, code=loan.items.get().device.asset_tag, now=NOW)
    with pytest.raises(RenewalRefused, match="returned already"):
        lending_services.renew(by=resident, loan=loan, now=NOW)


def test_an_overdue_loan_cannot_be_renewed(loan, resident):
    late = NOW + datetime.timedelta(days=16)
    with pytest.raises(RenewalRefused, match="Please return what is overdue first: Laptop"):
        lending_services.renew(by=resident, loan=loan, now=late)
    assert Loan.objects.get(pk=loan.pk).due_at == midnight(day(15))


def test_no_renewal_while_someone_is_waiting(loan, resident, pool):
    WaitlistEntryFactory(pool=pool)
    with pytest.raises(RenewalRefused, match="Someone is waiting for Leih-Laptops"):
        lending_services.renew(by=resident, loan=loan, now=NOW)


def test_no_renewal_when_the_devices_are_reserved_after_the_due_date(loan, resident, pool):
    reserve(UserFactory(), pool, quantity=1, pickup=20)  # the other device
    reserve(UserFactory(), pool, quantity=1, pickup=15)  # this one, after it is due
    with pytest.raises(RenewalRefused, match="reserved for others after your due date"):
        lending_services.renew(by=resident, loan=loan, now=NOW)


def test_only_the_borrower_may_renew(loan, librarian):
    with pytest.raises(PermissionDenied):
        lending_services.renew(by=UserFactory(), loan=loan, now=NOW)
    with pytest.raises(PermissionDenied):
        lending_services.renew(by=librarian, loan=loan, now=NOW)


def test_a_renewal_brings_a_new_reminder(loan, resident):
    OverdueNotice.objects.create(loan=loan, kind="reminder", days=2)
    lending_services.renew(by=resident, loan=loan, now=NOW)
    assert not OverdueNotice.objects.filter(loan=loan).exists()


# ---------------------------------------------------------------------------------------
# library cards


def test_a_card_number_is_stored_uppercase_and_an_empty_one_removes_it(
    librarian, library, pool, resident
):
    ReservationFactory(pool=pool, user=resident)  # the library knows them
    card = lending_services.set_library_card(
        by=librarian, organization=library, user=resident, number="  ab123 "
    )
    assert card.number == "AB123"
    lending_services.set_library_card(
        by=librarian, organization=library, user=resident, number="CD9"
    )
    assert LibraryCard.objects.get(user=resident).number == "CD9"
    assert (
        lending_services.set_library_card(
            by=librarian, organization=library, user=resident, number=""
        )
        is None
    )
    assert not LibraryCard.objects.exists()


def test_a_card_number_of_another_person_is_refused(librarian, library, pool, resident):
    ReservationFactory(pool=pool, user=resident)
    LibraryCardFactory(organization=library, number="AB123")
    with pytest.raises(DomainError, match="AB123 belongs to another person"):
        lending_services.set_library_card(
            by=librarian, organization=library, user=resident, number="ab123"
        )
    assert not LibraryCard.objects.filter(user=resident).exists()


def test_a_card_is_refused_for_someone_the_library_does_not_know(librarian, library, resident):
    with pytest.raises(DomainError, match="first loan"):
        lending_services.set_library_card(
            by=librarian, organization=library, user=resident, number="X"
        )
    assert not LibraryCard.objects.exists()


def test_a_newcomer_gets_a_card_with_the_first_loan_and_a_taken_number_lends_nothing(
    librarian, library, pool, resident
):
    LibraryCardFactory(organization=library, number="AB123")
    devices = list(pool.devices.all())
    with pytest.raises(DomainError, match="AB123 belongs to another person"):
        lending_services.lend_at_desk(
            by=librarian, pool=pool, borrower=resident, devices=devices[:1], card_number="ab123"
        )
    assert not Loan.objects.exists()
    lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=resident, devices=devices[:1], card_number=" cd9 "
    )
    assert LibraryCard.objects.get(user=resident).number == "CD9"


def test_a_school_does_not_lend_to_residents(resident):
    school_pool = LendingPoolFactory(organization=OrganizationFactory(kind="school"))
    device = DeviceFactory(pool=school_pool)
    staff = MembershipFactory(organization=school_pool.organization, role=Role.STAFF).user
    with pytest.raises(DomainError, match="is not lent to residents"):
        lending_services.lend_at_desk(
            by=staff, pool=school_pool, borrower=resident, devices=[device]
        )
    assert not Loan.objects.exists()


def test_only_staff_of_the_library_set_cards(outsider, library, resident):
    with pytest.raises(PermissionDenied):
        lending_services.set_library_card(
            by=outsider, organization=library, user=resident, number="X"
        )


# ---------------------------------------------------------------------------------------
# lending at the desk


def test_lending_at_the_desk_reserves_from_now_until_due(librarian, pool, resident):
    loan = lend(librarian, pool, resident)
    assert loan.due_at == midnight(day(15))
    assert loan.borrower == resident
    reservation = loan.reservation
    assert (reservation.start, reservation.end, reservation.user) == (NOW, loan.due_at, resident)
    assert [item.device for item in loan.items.all()] == [device_of(pool)]


def test_lending_at_the_desk_records_a_signed_agreement(librarian, pool, resident, library):
    agreement = BorrowingAgreementFactory(organization=library)
    with pytest.raises(AgreementRequired):
        lend(librarian, pool, resident)
    assert not Loan.objects.exists()
    lend(librarian, pool, resident, agreement_signed=True)
    acceptance = AgreementAcceptance.objects.get(user=resident)
    assert (acceptance.agreement, acceptance.recorded_by) == (agreement, librarian)


def test_lending_at_the_desk_refuses_a_blocked_person_and_a_device_that_is_out(
    librarian, pool, resident
):
    first, second = pool.devices.order_by("pk")
    overdue_loan(librarian, pool, resident)
    with pytest.raises(Blocked):
        lend(librarian, pool, resident, devices=[second])
    with pytest.raises(HandOutError, match="already handed out"):
        lend(librarian, pool, UserFactory(), devices=[first])
    assert Loan.objects.count() == 1


def test_a_due_date_at_the_desk_stays_within_the_loan_period(librarian, pool, resident):
    with pytest.raises(HandOutError, match="at most 14 days"):
        lend(librarian, pool, resident, due_at=midnight(day(16)))
    with pytest.raises(HandOutError, match="must be in the future"):
        lend(librarian, pool, resident, due_at=NOW - datetime.timedelta(hours=1))
    assert not Loan.objects.exists()
    loan = lend(librarian, pool, resident, due_at=midnight(day(8)))
    assert loan.due_at == loan.reservation.end == midnight(day(8))


def test_staff_of_another_organization_cannot_lend(outsider, pool, resident):
    with pytest.raises(PermissionDenied):
        lend(outsider, pool, resident)


# ---------------------------------------------------------------------------------------
# hand-out against a reservation


def test_a_hand_out_is_due_at_the_end_of_the_loan_period(librarian, pool, resident):
    reservation = reserve(resident, pool, pickup=1)
    loan = services.hand_out(
        by=librarian, reservation=reservation, devices=[device_of(pool)], now=at(1, 10)
    )
    assert loan.due_at == midnight(day(16))
    assert Reservation.objects.get(pk=reservation.pk).end == midnight(day(16))


def test_a_shorter_due_date_trims_the_reservation(librarian, pool, resident):
    reservation = reserve(resident, pool, pickup=1)
    loan = services.hand_out(
        by=librarian,
        reservation=reservation,
        devices=[device_of(pool)],
        now=at(1, 10),
        due_at=midnight(day(6)),
    )
    assert loan.due_at == midnight(day(6))
    assert Reservation.objects.get(pk=reservation.pk).end == midnight(day(6))
    # the days after the due date are free for others again
    assert services.free_count(pool, midnight(day(6)), midnight(day(10)), now=NOW) == 2


def test_no_hand_out_to_a_resident_with_an_overdue_device_until_it_is_back(
    librarian, pool, resident
):
    reservation = reserve(resident, pool, pickup=1)
    late = overdue_loan(librarian, pool, resident)  # reserved before it fell due
    late_device = late.items.get().device
    other = pool.devices.exclude(pk=late_device.pk).get()
    with pytest.raises(HandOutError, match=f"overdue device \\({late_device.asset_tag}"):
        services.hand_out(by=librarian, reservation=reservation, devices=[other], now=at(1, 10))
    assert Loan.objects.count() == 1

    lending_services.return_by_code(by=librarian, code=late_device.asset_tag, now=at(1, 9))
    loan = services.hand_out(by=librarian, reservation=reservation, devices=[other], now=at(1, 10))
    assert loan.borrower == resident


def test_a_due_date_beyond_the_period_is_refused_at_hand_out(librarian, pool, resident):
    reservation = reserve(resident, pool, pickup=1)
    with pytest.raises(HandOutError, match="at most 14 days"):
        services.hand_out(
            by=librarian,
            reservation=reservation,
            devices=[device_of(pool)],
            now=at(1, 10),
            due_at=midnight(day(17)),
        )
    assert not Loan.objects.exists()


def test_a_late_pick_up_keeps_the_full_period_when_free(librarian, pool, resident):
    reservation = reserve(resident, pool, pickup=1)
    loan = services.hand_out(
        by=librarian, reservation=reservation, devices=[device_of(pool)], now=at(3, 10)
    )
    assert loan.due_at == Reservation.objects.get(pk=reservation.pk).end == midnight(day(18))


# ---------------------------------------------------------------------------------------
# taking back by tag


def test_an_unknown_tag_is_refused_and_nothing_changes(librarian, loan):
    with pytest.raises(
        ReturnError, match=re.escape("No device with the tag or code “NOPE-1” here.")
    ):
        lending_services.return_by_code(by=librarian, code=" NOPE-1 ", now=NOW)
    assert LoanItem.objects.get().returned_at is None


def test_a_tag_that_is_not_on_loan_is_refused_and_nothing_changes(librarian, pool, loan):
    idle = pool.devices.exclude(pk=device_of(pool).pk).get()
    with pytest.raises(ReturnError, match=f"“{idle.asset_tag}” is not on loan."):
        lending_services.return_by_code(by=librarian, code=idle.asset_tag, now=NOW)
    assert LoanItem.objects.get().returned_at is None
    assert Loan.objects.get().closed_at is None


def test_a_return_by_label_code_in_any_case_ends_the_loan_and_frees_the_device_at_once(
    librarian, pool, loan
):
    device = device_of(pool)
    assert lending_services.find_open_item(by=librarian, code=device.asset_tag.lower()).loan == loan
    back = NOW + datetime.timedelta(days=3)
    lending_services.return_by_code(by=librarian, code=device.label_code.lower(), now=back)
    assert Loan.objects.get().closed_at == back
    assert Reservation.objects.get().end == back
    assert lending_services.find_open_item(by=librarian, code=device.asset_tag) is None


def test_a_damaged_return_sends_the_device_to_repair(librarian, pool, loan):
    device = device_of(pool)
    lending_services.return_by_code(
        by=librarian, code=device.asset_tag, condition="damaged", note="Display gebrochen", now=NOW
    )
    device.refresh_from_db()
    assert device.status == Device.Status.IN_REPAIR
    assert LoanItem.objects.get().note == "Display gebrochen"


def test_staff_of_another_organization_find_nothing(outsider, pool, loan):
    device = device_of(pool)
    assert lending_services.find_open_item(by=outsider, code=device.asset_tag) is None
    with pytest.raises(ReturnError, match="No device"):
        lending_services.return_by_code(by=outsider, code=device.asset_tag, now=NOW)
    assert WaitlistEntry.objects.count() == 0


# --- renewing beside a waiting list -------------------------------------------------------


def _device(pool, number: int):
    return pool.devices.get(asset_tag=f"SB-LAP-{number:03}")


@pytest.mark.usefixtures("english")
def test_a_loan_can_be_renewed_when_the_only_person_on_the_list_has_a_device_held(
    make_pool, library, librarian
):
    pool = make_pool(library, devices=2, max_renewals=2)
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


@pytest.mark.usefixtures("english")
def test_a_renewal_is_still_refused_while_someone_waits(make_pool, library, librarian):
    pool = make_pool(library, devices=1, max_renewals=2)
    resident = UserFactory()
    mine = lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=resident, devices=[_device(pool, 1)], now=NOW
    )
    lending_services.join_waitlist(by=UserFactory(), pool=pool, now=NOW)
    with pytest.raises(lending_services.RenewalRefused, match="Someone is waiting"):
        lending_services.renew(by=resident, loan=mine, now=NOW + datetime.timedelta(days=1))
    assert Loan.objects.get(pk=mine.pk).renewals == 0
