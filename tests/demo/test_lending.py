"""The demo of lending to residents that ``manage.py seed_demo`` adds through
``demo.lending.seed``. The region is seeded once for the module, inside a
transaction that is rolled back at the end; each test runs in a savepoint within it."""

from __future__ import annotations

import datetime
import itertools
import re
from collections import Counter, defaultdict
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import User
from booking.availability import peak_reserved, reserved_intervals
from booking.models import Loan, LoanItem, Reservation
from booking.services import closed_dates
from booking.services.dates import due_day
from demo.data.organizations import DEMO_PASSWORD
from devices.models import Device, DeviceEvent, DevicePool
from lending.models import (
    AgreementAcceptance,
    BorrowingAgreement,
    LendingPolicy,
    LibraryCard,
    OverdueNotice,
    WaitlistEntry,
)
from organizations.hours import calendars_for
from organizations.models import Organization
from tests.demo.conftest import seed_once

BERLIN = ZoneInfo("Europe/Berlin")
FAR = datetime.datetime.max.replace(tzinfo=datetime.UTC)
SUMMARY = re.compile(
    r"^Ausleihe an Bürgerinnen und Bürger: (\d+) Ausleihen \((\d+) offen, (\d+) überfällig\), "
    r"(\d+) zur Abholung, (\d+) auf Wartelisten \((\d+) neu angelegt\)$",
    re.MULTILINE,
)
LIBRARIES = {
    "stadtbibliothek-aschaffenburg",
    "stadtbibliothek-alzenau",
    "stadtbuecherei-obernburg",
    "stadtbuecherei-miltenberg",
}


def email(local: str) -> str:
    return f"{local}@demo.lernpool.example"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with seed_once(django_db_blocker) as output:
        yield output


@pytest.fixture
def demo(seeded, db) -> str:
    return seeded


def lending_pools():
    return DevicePool.objects.filter(booking_scope=DevicePool.Scope.RESIDENTS).with_capacity()


def lending_loans():
    return Loan.objects.filter(pool__booking_scope=DevicePool.Scope.RESIDENTS)


def local_day(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date()


def at_midnight(value: datetime.datetime) -> bool:
    return timezone.localtime(value).time() == datetime.time(0)


# --- Invariants -------------------------------------------------------------------------------


def test_no_lending_pool_ever_needs_more_devices_than_it_has_in_service(demo):
    reservations = Reservation.objects.filter(pool__in=lending_pools())
    span = (
        reservations.order_by("start").first().start,
        reservations.order_by("-end").first().end,
    )
    assert span[1] - span[0] >= datetime.timedelta(days=300)
    pools = lending_pools()
    assert pools.count() == 7
    for pool in pools:
        intervals = reserved_intervals(pool.pk, *span)
        peak = max(interval.reserved for interval in intervals)
        assert 0 < peak <= pool.capacity(), pool
        assert peak_reserved(pool.pk, *span) == peak, pool


def test_a_device_is_in_one_loan_at_a_time_and_only_while_in_its_pool(demo):
    items = LoanItem.objects.filter(loan__pool__booking_scope=DevicePool.Scope.RESIDENTS)
    open_items = Counter(items.filter(returned_at__isnull=True).values_list("device", flat=True))
    assert open_items and max(open_items.values()) == 1
    times = defaultdict(list)
    for device, pool, loan_pool, out, back in items.values_list(
        "device", "device__pool", "loan__pool", "loan__handed_out_at", "returned_at"
    ):
        assert pool == loan_pool
        times[device].append((out, back or FAR))
    for device, loans in times.items():
        loans.sort()
        for (_out, back), (next_out, _back) in itertools.pairwise(loans):
            assert back <= next_out, device
    # Devices out now are in service; those in repair or lost are on the shelf.
    assert not items.filter(returned_at__isnull=True).exclude(
        device__status=Device.Status.IN_SERVICE
    )


def test_every_loan_has_its_reservation_from_the_pick_up_day_to_the_end_of_the_due_day(demo):
    loans = lending_loans().select_related("reservation", "pool").annotate(n=Count("items"))
    assert loans.count() >= 300
    today = timezone.localdate()
    calendars = calendars_for(
        Organization.objects.filter(kind=Organization.Kind.LIBRARY),
        today - datetime.timedelta(800),
        today + datetime.timedelta(120),
    )
    for loan in loans:
        reservation, pool = loan.reservation, loan.pool
        assert reservation.pool_id == pool.pk and reservation.user_id == loan.borrower_id
        assert reservation.status == Reservation.Status.CONFIRMED and reservation.quantity == 1
        assert loan.n == 1
        assert at_midnight(reservation.start) and at_midnight(reservation.end), loan
        assert loan.due_at == reservation.end
        pickup, due = (
            local_day(reservation.start),
            local_day(reservation.end - datetime.timedelta(1)),
        )
        # The loan service's due day: a loan period of calendar days, moved to the next
        # open day, once more for each renewal.
        expected = pickup
        for _ in range(1 + loan.renewals):
            expected = due_day(pool.loan_period_days, expected, calendars[pool.organization_id])
        assert due == expected, loan
        assert loan.renewals <= pool.max_renewals
        assert local_day(loan.handed_out_at) == pickup
        # Residents reserve by the day: the notice and the horizon count in days.
        reserved_on = local_day(reservation.created_at)
        notice_days = -(-pool.min_notice_hours // 24)
        assert reserved_on + datetime.timedelta(notice_days) <= pickup
        assert pickup <= reserved_on + datetime.timedelta(pool.max_days_ahead)
        if loan.closed_at is not None:
            item = loan.items.get()
            assert item.returned_at == loan.closed_at and item.condition
            assert item.returned_to is not None
            assert loan.handed_out_at < loan.closed_at <= timezone.now()


def test_nobody_holds_two_reservations_of_a_pool_or_reserves_while_overdue(demo):
    now = timezone.now()
    spans = defaultdict(list)
    reservations = Reservation.objects.filter(pool__booking_scope=DevicePool.Scope.RESIDENTS)
    for user, pool, start, end, back in reservations.values_list(
        "user", "pool", "start", "end", "loans__closed_at"
    ):
        spans[user, pool].append((start, max(end, back or end)))
    for ranges in spans.values():
        ranges.sort()
        for (_s, end), (start, _e) in itertools.pairwise(ranges):
            assert end <= start
    late = defaultdict(list)
    for loan in lending_loans():
        back = loan.closed_at or now
        if back > loan.due_at:
            late[loan.borrower_id].append((loan.due_at, back))
    assert late
    created = list(reservations.values_list("user", "created_at"))
    created += list(WaitlistEntry.objects.values_list("user", "created_at"))
    for user, at in created:
        assert not any(start <= at < end for start, end in late[user]), (user, at)


# --- What residents and the desk see --------------------------------------------------------------


def test_two_or_three_loans_are_overdue_and_horst_becker_is_blocked(demo):
    now = timezone.now()
    overdue = lending_loans().open().filter(due_at__lt=now)
    assert 2 <= overdue.count() <= 3
    assert overdue.filter(borrower__email=email("buerger")).exists()
    assert len({loan.pool.organization_id for loan in overdue}) >= 2
    # The notices for the steps already passed were sent, so the daily job adds none.
    for loan in overdue.select_related("pool__organization"):
        policy = LendingPolicy.objects.get(organization=loan.pool.organization_id)
        late_days = (timezone.localdate() - local_day(loan.due_at - datetime.timedelta(1))).days
        sent = set(
            loan.notices.filter(kind=OverdueNotice.Kind.OVERDUE).values_list("days", flat=True)
        )
        expected = {d for d in policy.notice_days() if d < late_days}
        assert expected <= sent <= expected | {late_days}
        assert loan.notices.filter(kind=OverdueNotice.Kind.REMINDER).exists()
    horst = lending_loans().get(borrower__email=email("buerger"), closed_at__isnull=True)
    assert set(horst.notices.values_list("days", flat=True)) >= {1, 2, 7}


def test_notices_were_sent_while_the_loan_was_out_and_never_for_the_future(demo):
    notices = OverdueNotice.objects.select_related("loan")
    assert notices.count() >= 100
    for notice in notices:
        loan = notice.loan
        assert loan.handed_out_at < notice.sent_at <= timezone.now()
        assert loan.closed_at is None or notice.sent_at < loan.closed_at
        due_day = local_day(loan.due_at - datetime.timedelta(1))
        sign = -1 if notice.kind == OverdueNotice.Kind.REMINDER else 1
        assert local_day(notice.sent_at) == due_day + datetime.timedelta(sign * notice.days)


def test_open_loans_on_time_one_renewed_and_pick_ups_on_the_next_two_opening_days(demo):
    now = timezone.now()
    today = timezone.localdate()
    on_time = lending_loans().open().filter(due_at__gte=now)
    assert on_time.count() >= 12
    maria = on_time.get(borrower__email=email("buergerin"))
    assert maria.renewals == 1 and maria.pool.max_renewals == 2
    to_pick_up = Reservation.objects.filter(
        pool__booking_scope=DevicePool.Scope.RESIDENTS, loans__isnull=True, end__gt=now
    )
    days = {local_day(start) for start in to_pick_up.values_list("start", flat=True)}
    library = Organization.objects.get(slug="stadtbibliothek-aschaffenburg")
    closed = closed_dates(library, today, today + datetime.timedelta(14))
    open_days = [
        day for day in (today + datetime.timedelta(n) for n in range(14)) if day not in closed
    ]
    assert set(open_days[:2]) <= days
    # Nobody is asked to pick up on a day the library is closed (by its opening calendar).
    for organization_id, start in to_pick_up.values_list("pool__organization_id", "start"):
        if local_day(start) >= today:
            organization = Organization.objects.get(pk=organization_id)
            assert local_day(start) not in closed_dates(
                organization, local_day(start), local_day(start)
            )


def test_the_e_readers_are_all_out_and_three_people_wait_in_order(demo):
    now = timezone.now()
    pool = lending_pools().get(
        organization__slug="stadtbibliothek-aschaffenburg", name="Leih-E-Reader"
    )
    free_now = pool.capacity() - peak_reserved(pool.pk, now, now + datetime.timedelta(hours=1))
    assert free_now == 0
    entries = list(WaitlistEntry.objects.filter(pool=pool).active().in_order())
    assert [entry.status for entry in entries] == ["offered", "waiting", "waiting"]
    offered = entries[0]
    assert offered.reservation.user_id == offered.user_id
    assert offered.reservation.status == Reservation.Status.CONFIRMED
    assert not offered.reservation.loans.exists()
    assert offered.created_at < offered.offered_at <= now < offered.hold_until
    assert offered.hold_until <= offered.reservation.end
    assert entries[1].user.email == email("buergerin")
    assert not WaitlistEntry.objects.exclude(pool=pool).exists()


def test_each_device_in_repair_came_back_damaged_from_a_loan(demo):
    damaged = LoanItem.objects.filter(
        condition=LoanItem.Condition.DAMAGED, loan__pool__booking_scope="residents"
    ).select_related("device")
    repair = Device.objects.filter(status=Device.Status.IN_REPAIR, pool__booking_scope="residents")
    assert {item.device_id for item in damaged} == set(repair.values_list("pk", flat=True))
    for item in damaged:
        event = item.device.events.get(kind=DeviceEvent.Kind.STATUS)
        assert item.note == event.reason
        assert item.returned_at <= event.created_at
        assert local_day(item.returned_at) == local_day(event.created_at)
    assert not LoanItem.objects.filter(device__status=Device.Status.LOST).filter(
        loan__handed_out_at__gte=timezone.now() - datetime.timedelta(days=60)
    )


def test_a_year_of_returned_loans_mostly_on_time_and_complete(demo):
    returned = lending_loans().filter(closed_at__isnull=False)
    assert 300 <= returned.count() <= 1200
    first = returned.order_by("handed_out_at").first().handed_out_at
    assert timezone.now() - first >= datetime.timedelta(days=330)
    late = returned.filter(closed_at__gt=F("due_at")).count()
    assert 0.03 * returned.count() <= late <= 0.25 * returned.count()
    conditions = Counter(
        LoanItem.objects.filter(loan__in=returned).values_list("condition", flat=True)
    )
    assert conditions[LoanItem.Condition.COMPLETE] >= 0.98 * returned.count()
    # Hand-outs and returns happen when the desk is open: never on a Sunday or a Monday at the
    # Stadtbibliothek Aschaffenburg.
    for out, back in returned.filter(
        pool__organization__slug="stadtbibliothek-aschaffenburg"
    ).values_list("handed_out_at", "closed_at"):
        assert timezone.localtime(out).weekday() not in (0, 6)
        assert timezone.localtime(back).weekday() not in (0, 6)


def test_policies_agreements_cards_and_acceptances(demo):
    for slug in LIBRARIES:
        assert LendingPolicy.objects.filter(organization__slug=slug).exists()
        assert BorrowingAgreement.objects.filter(organization__slug=slug, version=1).exists()
    versions = BorrowingAgreement.objects.filter(
        organization__slug="stadtbibliothek-aschaffenburg"
    ).order_by("version")
    assert [agreement.version for agreement in versions] == [1, 2]
    assert versions[0].created_at < versions[1].created_at < timezone.now()
    for agreement in BorrowingAgreement.objects.all():
        text = agreement.text
        assert "16 Jahre" in text and "gelöscht" in text and "Verlust" in text
        assert len(agreement.paragraphs()) >= 5
    # Whoever reserved or queued accepted the version current then, beforehand.
    activity = list(
        Reservation.objects.filter(pool__booking_scope="residents").values_list(
            "user", "pool__organization", "created_at"
        )
    ) + list(WaitlistEntry.objects.values_list("user", "pool__organization", "created_at"))
    accepted = defaultdict(list)
    for user, organization, at in AgreementAcceptance.objects.values_list(
        "user", "agreement__organization", "accepted_at"
    ):
        accepted[user, organization].append(at)
    cards = set(LibraryCard.objects.values_list("user", "organization"))
    for user, organization, at in activity:
        assert any(accepted_at <= at for accepted_at in accepted[user, organization])
        assert (user, organization) in cards
    newest = versions[1]
    assert newest.acceptances.count() >= 5
    emily = User.objects.get(email=email("resident.en"))
    assert AgreementAcceptance.objects.filter(user=emily, agreement=versions[0]).exists()
    assert not AgreementAcceptance.objects.filter(user=emily, agreement=newest).exists()
    assert AgreementAcceptance.objects.filter(recorded_by__isnull=False).exists()
    assert all(
        re.fullmatch(r"(AB\d{7}|ALZ-\d{5}|OBB\d{4}|MIL-\d{5})", number)
        for number in LibraryCard.objects.values_list("number", flat=True)
    )


def test_the_demo_residents_log_in(demo, client):
    for local in ("buergerin", "buerger", "resident.en", "ayse.yilmaz", "guenter.fischer"):
        assert client.login(email=email(local), password=DEMO_PASSWORD), local
    assert User.objects.get(email=email("ayse.yilmaz")).name == "Ayşe Yılmaz"


def test_pools_say_what_to_bring(demo):
    for pool in lending_pools():
        assert pool.pickup_note


# --- Seeding again ---------------------------------------------------------------------------


def counts() -> dict[str, int]:
    models = [
        User,
        Reservation,
        Loan,
        LoanItem,
        WaitlistEntry,
        OverdueNotice,
        AgreementAcceptance,
        LibraryCard,
        BorrowingAgreement,
        LendingPolicy,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_the_summary_is_one_german_line_and_seeding_again_adds_nothing(demo):
    first = SUMMARY.search(demo)
    assert first is not None
    loans, open_loans, overdue, to_pick_up, waiting, created = map(int, first.groups())
    assert loans == lending_loans().count()
    assert created == Reservation.objects.filter(pool__booking_scope="residents").count()
    assert 2 <= overdue <= 3 and waiting == 3 and to_pick_up >= 3
    assert open_loans == lending_loans().open().count()
    before = counts()

    out = StringIO()
    call_command("seed_demo", stdout=out)

    again = SUMMARY.search(out.getvalue())
    assert again is not None and again.group(6) == "0"
    assert again.groups()[:5] == first.groups()[:5]
    assert counts() == before
