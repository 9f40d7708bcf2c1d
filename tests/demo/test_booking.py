"""The demo bookings that ``manage.py seed_demo`` adds through ``demo.booking.seed``."""

from __future__ import annotations

import datetime
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from booking.availability import peak_reserved, reserved_intervals
from booking.models import Loan, LoanItem, Reservation, Series
from booking.services import closed_dates
from demo import booking as demo
from demo.data.organizations import DEMO_PASSWORD
from devices.models import Device, DeviceEvent, DevicePool
from organizations.models import LessonPeriod, Membership, Organization, Role
from tests.demo.conftest import only_seeders, seed_once

BERLIN = ZoneInfo("Europe/Berlin")
SUMMARY = re.compile(
    r"^Buchungen: (\d+) Reservierungen \((\d+) Serien, (\d+) Anfragen, (\d+) storniert\), "
    r"(\d+) Ausgaben \((\d+) überfällig; (\d+) neu angelegt\)$",
    re.MULTILINE,
)
FAR = datetime.datetime.max.replace(tzinfo=datetime.UTC)


# This module checks the schools' bookings that demo/booking.py seeds. Lending to residents
# and courses seed their own reservations and loans, checked in test_lending.py and
# test_courses.py.
OTHERS = ("demo.lending", "demo.courses")


@pytest.fixture(autouse=True)
def _only_the_booking_demo(monkeypatch):
    with only_seeders(monkeypatch, without=OTHERS):
        yield


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The region seeded once for the module; each test runs in a savepoint within it."""
    with seed_once(django_db_blocker, without=OTHERS) as output:
        yield output


@pytest.fixture
def seeded(seeded_once, db) -> str:
    return seeded_once


def seed_output() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def reseed(now: datetime.datetime) -> str:
    """Seed the bookings again as if it were ``now`` (the region and devices stay)."""
    LoanItem.objects.all().delete()
    Loan.objects.all().delete()
    Reservation.objects.all().delete()
    Series.objects.all().delete()
    return demo.seed(StringIO(), now=now)


def local_day(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date()


def due_today(now: datetime.datetime):
    """Confirmed bookings of today that have not ended and whose devices nobody has
    picked up: what the desk still has to hand out."""
    today = local_day(now)
    midnight = datetime.datetime.combine(today, datetime.time(0), tzinfo=BERLIN)
    return Reservation.objects.confirmed().filter(
        start__gte=midnight,
        start__lt=midnight + datetime.timedelta(days=1),
        end__gt=now,
        loans__isnull=True,
    )


def assert_capacity_is_never_exceeded() -> None:
    """For every pool, the step function of its confirmed bookings over the whole span of
    the demo (and, with requests counted, the peak too) stays within its devices in
    service."""
    span = (
        Reservation.objects.order_by("start").first().start,
        Reservation.objects.order_by("-end").first().end,
    )
    pools = DevicePool.objects.filter(pk__in=Reservation.objects.values("pool")).with_capacity()
    assert pools.count() >= 12
    for pool in pools:
        intervals = reserved_intervals(pool.pk, *span)
        peak = max(interval.reserved for interval in intervals)
        assert 0 < peak <= pool.capacity(), pool
        assert peak_reserved(pool.pk, *span) == peak, pool
        active = (Reservation.Status.CONFIRMED, Reservation.Status.REQUESTED)
        assert peak_reserved(pool.pk, *span, statuses=active) <= pool.capacity(), pool


def assert_no_device_is_in_two_loans_at_once() -> None:
    open_items = Counter(
        LoanItem.objects.filter(returned_at__isnull=True).values_list("device", flat=True)
    )
    assert max(open_items.values(), default=0) <= 1
    times = defaultdict(list)
    for device, out, back in LoanItem.objects.values_list(
        "device", "loan__handed_out_at", "returned_at"
    ):
        times[device].append((out, back or FAR))
    for device, loans in times.items():
        loans.sort()
        for (_out, back), (next_out, _back) in itertools.pairwise(loans):
            assert back <= next_out, device


# --- What seeding writes --------------------------------------------------------------------


def test_a_school_year_of_bookings_in_the_past_today_and_ahead(seeded):
    now = timezone.now()
    today = timezone.localdate()
    confirmed = Reservation.objects.confirmed()
    past = confirmed.filter(end__lte=now)
    ahead = confirmed.filter(start__gt=now)
    assert past.count() >= 100
    assert ahead.count() >= 100
    assert any(local_day(start) == today for start in confirmed.values_list("start", flat=True))
    # A few weeks of history and of upcoming bookings, whatever day it is.
    assert local_day(past.order_by("start").first().start) <= today - datetime.timedelta(days=20)
    assert local_day(ahead.order_by("-start").first().start) >= today + datetime.timedelta(days=28)
    # Only the schools' pools, booked by their own people or, as requests, the region's.
    assert not Reservation.objects.exclude(pool__organization__kind="school").exists()
    assert 500 <= Reservation.objects.count() <= 4000


def test_bookings_are_lesson_periods_on_school_days_for_whole_classes(seeded):
    today = timezone.localdate()
    periods = defaultdict(dict)
    for period in LessonPeriod.objects.all():
        periods[period.organization_id][period.number] = (period.start, period.end)
    bookings = Reservation.objects.select_related("pool__organization").exclude(
        start__date=today  # today also has an evening or weekend event for the desk
    )
    closed = {}
    for organization in Organization.objects.filter(pools__reservations__isnull=False).distinct():
        closed[organization.pk] = closed_dates(
            organization, datetime.date(2000, 1, 1), datetime.date(2100, 1, 1)
        )
    for booking in bookings:
        start, end = timezone.localtime(booking.start), timezone.localtime(booking.end)
        grid = periods[booking.pool.organization_id]
        assert start.weekday() < 5, booking
        assert start.date() not in closed[booking.pool.organization_id], booking
        assert start.time() in {s for s, _e in grid.values()}, booking
        assert end.time() in {e for _s, e in grid.values()}, booking
        assert start.date() == end.date() and booking.end - booking.start <= datetime.timedelta(
            hours=booking.pool.max_booking_hours
        ), booking
        assert booking.purpose and 1 <= booking.quantity <= booking.pool.capacity(), booking
        assert booking.created_at < booking.start, booking
        assert booking.created_at <= timezone.now(), booking
    purposes = set(bookings.values_list("purpose", flat=True))
    assert "Klasse 7b, Mathematik – GeoGebra" in purposes
    assert "Q12 Informatik" in purposes
    assert any(re.fullmatch(r"\d[a-d] Deutsch – Lese-App", purpose) for purpose in purposes)
    assert len(purposes) >= 100
    # Whole classes (15–30), courses of the upper school, or a class working in pairs or in
    # halves when the set is smaller than the class or partly booked.
    quantities = Counter(bookings.values_list("quantity", flat=True))
    assert min(quantities) >= 6
    assert sum(n for quantity, n in quantities.items() if quantity >= 15) > 0.45 * sum(
        quantities.values()
    )
    assert bookings.filter(purpose__endswith="(Partnerarbeit)").exists()


def test_no_pool_ever_needs_more_devices_than_it_has_in_service(seeded):
    assert_capacity_is_never_exceeded()
    # Pools are busy but not booked out: the week view has free and busy slots.
    pool = DevicePool.objects.get(
        organization__slug="kronberg-gymnasium", name="iPad-Koffer 1 (32 iPads)"
    )
    week = timezone.now() + datetime.timedelta(days=7)
    intervals = reserved_intervals(pool.pk, week - datetime.timedelta(days=7), week)
    assert {interval.reserved == 0 for interval in intervals} == {True, False}


def test_past_bookings_were_handed_out_and_mostly_came_back_complete(seeded):
    now = timezone.now()
    assert_no_device_is_in_two_loans_at_once()
    ended = Reservation.objects.confirmed().filter(end__lte=now)
    assert not ended.filter(loans__isnull=True).exists()
    assert not Loan.objects.exclude(reservation__status=Reservation.Status.CONFIRMED).exists()
    assert not Loan.objects.filter(reservation__start__gt=now).exists()
    loans = Loan.objects.select_related("reservation", "pool").annotate(n=Count("items"))
    staff = Membership.objects.filter(role__in=[Role.STAFF, Role.ORG_ADMIN])
    for loan in loans:
        assert loan.pool_id == loan.reservation.pool_id
        assert loan.borrower_id == loan.reservation.user_id
        assert 1 <= loan.n <= loan.reservation.quantity
        assert loan.due_at == loan.reservation.end
        assert loan.handed_out_at <= loan.reservation.start
        assert staff.filter(user=loan.handed_out_by, organization=loan.pool.organization_id)
    assert not LoanItem.objects.exclude(device__pool_id=F("loan__pool_id")).exists()
    conditions = Counter(
        LoanItem.objects.filter(returned_at__isnull=False).values_list("condition", flat=True)
    )
    assert conditions[LoanItem.Condition.COMPLETE] >= 0.95 * sum(conditions.values())
    assert conditions[LoanItem.Condition.MISSING_PARTS] >= 1
    for item in LoanItem.objects.filter(condition=LoanItem.Condition.MISSING_PARTS):
        assert item.note.endswith(" fehlt")
    closed = Loan.objects.filter(closed_at__isnull=False)
    assert not closed.filter(items__returned_at__isnull=True).exists()
    assert not closed.filter(items__returned_at__gt=now).exists()


def test_devices_in_repair_came_back_damaged_before_they_went_to_repair(seeded):
    damaged = LoanItem.objects.filter(condition=LoanItem.Condition.DAMAGED).select_related("device")
    assert damaged.count() >= 3
    for item in damaged:
        assert item.device.status == Device.Status.IN_REPAIR
        event = item.device.events.get(kind=DeviceEvent.Kind.STATUS)
        assert item.note == event.reason
        assert item.returned_at <= event.created_at
    # No device out of service now was handed out after it left service.
    for event in DeviceEvent.objects.filter(kind=DeviceEvent.Kind.STATUS).exclude(
        device__status=Device.Status.IN_SERVICE
    ):
        assert not LoanItem.objects.filter(
            device=event.device_id, loan__handed_out_at__gte=event.created_at
        ).exists()


def test_weekly_series_and_one_every_second_week(seeded):
    series = Series.objects.select_related("pool__organization").annotate(n=Count("reservations"))
    assert series.count() >= 8
    assert series.filter(interval_weeks=2).count() >= 1
    today = timezone.localdate()
    for row in series:
        assert 10 <= row.n <= 60, row
        assert row.until >= today, row
        dates = [
            timezone.localtime(start) for start in row.reservations.values_list("start", flat=True)
        ]
        closed = closed_dates(row.pool.organization, row.first_date, row.until)
        assert all(day.time() == row.start_time for day in dates), row
        assert all(
            (day.date() - row.first_date).days % (7 * row.interval_weeks) == 0 for day in dates
        )
        assert not any(day.date() in closed for day in dates), row
        assert closed, row  # it runs across holidays, which it skips
        # The booking service holds each date of a series to how far ahead the pool may be
        # booked, counted from when the series was booked: the demo keeps to it too.
        horizon = row.created_at + datetime.timedelta(days=row.pool.max_days_ahead)
        assert all(day <= horizon for day in dates), row
    weekly = Series.objects.get(purpose="Klasse 7b, Mathematik – GeoGebra")
    assert (weekly.first_date.weekday(), weekly.start_time) == (1, datetime.time(9, 45))
    assert weekly.reservations.filter(start__gt=timezone.now()).exists()
    # One series was cancelled from a date on: its later dates are all cancelled.
    ended = Series.objects.get(purpose="P-Seminar Schülerzeitung")
    later = ended.reservations.filter(start__gt=timezone.now())
    assert later.exists()
    assert set(later.values_list("status", flat=True)) == {Reservation.Status.CANCELLED}


def test_teachers_of_other_schools_ask_for_the_region_pool(seeded):
    now = timezone.now()
    requests = Reservation.objects.filter(status=Reservation.Status.REQUESTED)
    assert requests.count() >= 1
    for request in requests.select_related("pool"):
        assert request.pool.booking_scope == DevicePool.Scope.REGION
        assert not Membership.objects.filter(
            user=request.user, organization=request.pool.organization_id
        ).exists()
        assert request.start >= now + datetime.timedelta(hours=request.pool.min_notice_hours)
        assert request.decided_by is None
    declined = Reservation.objects.get(status=Reservation.Status.DECLINED)
    assert declined.decision_reason
    assert Membership.objects.filter(
        user=declined.decided_by, organization=declined.pool.organization_id, role=Role.STAFF
    ).exists()
    cancelled = Reservation.objects.filter(status=Reservation.Status.CANCELLED)
    assert cancelled.count() >= 10
    for booking in cancelled:
        assert booking.created_at <= booking.cancelled_at <= now
        assert booking.cancelled_at <= booking.start


def test_the_desk_has_a_hand_out_due_today_and_an_overdue_loan(seeded):
    now = timezone.now()
    assert due_today(now).exists()
    overdue = [loan for loan in Loan.objects.open() if loan.is_overdue(now)]
    assert len(overdue) == 1
    loan = overdue[0]
    assert loan.items.filter(returned_at__isnull=True).count() == 2
    assert loan.items.filter(returned_at__isnull=False).exists()  # a partial return
    assert loan.pool.organization.slug == "kronberg-gymnasium"
    # Loans open now are the overdue one and those of bookings going on right now.
    for other in Loan.objects.open().exclude(pk=loan.pk):
        assert other.reservation.start <= now < other.reservation.end


def test_a_demo_teacher_logs_in_and_sees_upcoming_bookings(seeded, client):
    email = "lehrerin.kronberg@demo.lernpool.example"
    assert client.login(email=email, password=DEMO_PASSWORD)
    teacher = User.objects.get(email=email)
    upcoming = (
        Reservation.objects.for_user(teacher)
        .filter(user=teacher, end__gt=timezone.now())
        .exclude(status=Reservation.Status.CANCELLED)
    )
    assert upcoming.count() >= 5
    assert upcoming.filter(series__isnull=False).exists()
    assert upcoming.filter(status=Reservation.Status.REQUESTED).exists()


# --- Seeding again, and on other days -------------------------------------------------------


def test_the_summary_is_one_german_line_and_seeding_again_adds_nothing(seeded):
    first = SUMMARY.search(seeded)
    assert first is not None
    reservations, series, requests, cancelled, loans, overdue, created = map(int, first.groups())
    assert reservations == created == Reservation.objects.count()
    assert series == Series.objects.count()
    assert requests == Reservation.objects.filter(status="requested").count()
    assert cancelled == Reservation.objects.filter(status="cancelled").count()
    assert loans == Loan.objects.count()
    assert overdue == 1
    before = snapshot()

    again = SUMMARY.search(seed_output())

    assert again is not None
    assert again.groups()[:6] == first.groups()[:6]
    assert again.group(7) == "0"
    assert snapshot() == before


def snapshot() -> dict[str, object]:
    return {
        "reservations": list(Reservation.objects.values_list("pk", "status", "start")),
        "series": Series.objects.count(),
        "loans": Loan.objects.count(),
        "items": LoanItem.objects.count(),
    }


def test_the_same_day_gives_the_same_demo(seeded):
    now = timezone.now()
    first = snapshot_of_content()
    reseed(now)
    assert snapshot_of_content() == first


def snapshot_of_content() -> list[tuple]:
    return list(
        Reservation.objects.order_by("start", "pool", "purpose").values_list(
            "pool", "user", "start", "end", "quantity", "purpose", "status"
        )
    )


def test_seeding_the_bookings_takes_a_fixed_number_of_queries(seeded):
    LoanItem.objects.all().delete()
    Loan.objects.all().delete()
    Reservation.objects.all().delete()
    Series.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        demo.seed(StringIO())
    assert Reservation.objects.count() >= 500
    assert len(queries) < 120


@pytest.mark.parametrize(
    "now",
    [
        # In the summer holidays: the next school year, and the last weeks of the one before.
        datetime.datetime(2027, 8, 20, 10, 0, tzinfo=BERLIN),
        # On the first day of school, early: history from before the summer holidays.
        datetime.datetime(2026, 9, 15, 7, 0, tzinfo=BERLIN),
        # Late on a Saturday evening: still something to hand out today.
        datetime.datetime(2026, 11, 28, 23, 50, tzinfo=BERLIN),
        # On a holiday, and on the last afternoon of the school year.
        datetime.datetime(2026, 12, 28, 12, 0, tzinfo=BERLIN),
        datetime.datetime(2027, 7, 30, 16, 0, tzinfo=BERLIN),
    ],
)
def test_the_demo_looks_alive_whenever_it_is_seeded(seeded, now):
    reseed(now)

    confirmed = Reservation.objects.confirmed()
    assert confirmed.filter(end__lte=now).count() >= 50
    assert confirmed.filter(start__gt=now).count() >= 15
    assert due_today(now).exists()
    assert sum(loan.is_overdue(now) for loan in Loan.objects.open()) == 1
    assert_capacity_is_never_exceeded()
    assert_no_device_is_in_two_loans_at_once()
    for series in Series.objects.all():
        assert series.reservations.exists()
        assert series.created_at <= now


def test_in_the_summer_holidays_the_series_run_through_the_next_school_year(seeded):
    reseed(datetime.datetime(2027, 8, 20, 10, 0, tzinfo=BERLIN))

    assert Series.objects.exists()
    for series in Series.objects.all():
        assert series.first_date >= datetime.date(2027, 9, 14)
        assert series.until.year == 2028
