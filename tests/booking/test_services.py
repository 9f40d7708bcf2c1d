"""The booking rules in booking.services: reserve, limits, series, cancel, approve, decline,
hand out and take back. Every test passes a fixed ``now`` so that it does not depend on the
day it runs."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.formats import date_format

from accounts.models import AuditLog
from booking import services
from booking.models import Loan, LoanItem, Reservation, Series
from booking.services import (
    HandOutError,
    InvalidBooking,
    ItemReturn,
    LimitExceeded,
    NotCancellable,
    PoolExhausted,
    ReturnError,
)
from core.errors import DomainError
from devices.models import Device, DeviceEvent, DevicePool
from organizations.models import Closure, Role
from tests.booking.conftest import tomorrow
from tests.factories import (
    ClosureFactory,
    DeviceFactory,
    DevicePoolFactory,
    LessonPeriodFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 7, 0, tzinfo=BERLIN)  # a Monday morning
TODAY = NOW.date()


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """``days`` after NOW's date at a local wall-clock time."""
    day = TODAY + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def region_pool(organization):
    pool = DevicePoolFactory(
        organization=organization, name="Laptop-Koffer", booking_scope=DevicePool.Scope.REGION
    )
    DeviceFactory.create_batch(10, pool=pool)
    return pool


@pytest.fixture
def other_teacher(other_organization):
    return MembershipFactory(organization=other_organization, role=Role.TEACHER).user


def reserve(user, pool, quantity=1, start=None, end=None, **kwargs):
    start = start or at(1, 8)
    end = end or start + datetime.timedelta(hours=1)
    return services.reserve(
        by=user, pool=pool, quantity=quantity, start=start, end=end, now=NOW, **kwargs
    )


def actions() -> list[str]:
    return list(AuditLog.objects.order_by("pk").values_list("action", flat=True))


# ---------------------------------------------------------------------------------------
# reserve


def test_a_member_books_and_it_is_confirmed_and_logged(teacher, pool):
    reservation = reserve(teacher, pool, 5, purpose="  Klasse 7b, Mathematik ")
    assert reservation.status == Reservation.Status.CONFIRMED
    assert (reservation.user, reservation.quantity) == (teacher, 5)
    assert reservation.purpose == "Klasse 7b, Mathematik"
    entry = AuditLog.objects.get(action="booking.reserved")
    assert entry.actor == teacher
    assert entry.target_id == str(reservation.pk)
    assert entry.organization_id == pool.organization_id
    assert entry.data == {"pool": pool.pk, "quantity": 5}


def test_a_teacher_of_another_school_sends_a_request_for_a_region_pool(other_teacher, region_pool):
    reservation = reserve(other_teacher, region_pool, 3)
    assert reservation.status == Reservation.Status.REQUESTED
    assert actions() == ["booking.requested"]


def test_a_member_books_the_own_region_pool_directly(teacher, region_pool):
    assert reserve(teacher, region_pool).status == Reservation.Status.CONFIRMED


@pytest.mark.parametrize("who", ["other_teacher", "outsider", "resident"])
def test_a_pool_for_members_only_cannot_be_booked_by_others(request, who, pool):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        reserve(user, pool)
    assert not Reservation.objects.exists()


def test_an_inactive_pool_cannot_be_booked(teacher, pool):
    DevicePool.objects.filter(pk=pool.pk).update(is_active=False)
    with pytest.raises(PermissionDenied):
        reserve(teacher, pool)


def test_more_than_are_free_is_refused_with_the_free_count_and_nothing_written(teacher, pool):
    ReservationFactory(pool=pool, quantity=8, start=at(1, 8), end=at(1, 10))
    log_before = AuditLog.objects.count()
    with pytest.raises(PoolExhausted) as error:
        reserve(teacher, pool, 3, start=at(1, 9), end=at(1, 11))
    assert error.value.free == 2
    assert "Only 2 devices are free for the whole time." in str(error.value)
    assert Reservation.objects.count() == 1
    assert AuditLog.objects.count() == log_before


def test_none_free_says_so(teacher, pool):
    ReservationFactory(pool=pool, quantity=10, start=at(1, 8), end=at(1, 10))
    with pytest.raises(PoolExhausted) as error:
        reserve(teacher, pool, 1, start=at(1, 9), end=at(1, 11))
    assert error.value.free == 0
    assert "No device of this pool is free" in str(error.value)


def test_the_last_free_devices_and_back_to_back_bookings_fit(teacher, pool):
    ReservationFactory(pool=pool, quantity=7, start=at(1, 8), end=at(1, 10))
    reserve(teacher, pool, 3, start=at(1, 9), end=at(1, 10))
    reserve(teacher, pool, 10, start=at(1, 10), end=at(1, 11))  # back to back: [10, 11)
    reserve(teacher, pool, 10, start=at(1, 7), end=at(1, 8))
    assert Reservation.objects.count() == 4


def test_requested_and_cancelled_bookings_hold_no_devices(teacher, pool):
    ReservationFactory(pool=pool, quantity=10, start=at(1, 8), end=at(1, 10), status="requested")
    ReservationFactory(pool=pool, quantity=10, start=at(1, 8), end=at(1, 10), status="cancelled")
    assert reserve(teacher, pool, 10, start=at(1, 8), end=at(1, 10)).status == "confirmed"


def test_devices_in_repair_or_lost_do_not_count_toward_capacity(teacher, staff, pool):
    from devices.services import change_status

    devices = list(pool.devices.all())
    change_status(by=staff, device=devices[0], status="in_repair", reason="Display kaputt")
    change_status(by=staff, device=devices[1], status="lost", reason="Nicht zurück")
    assert services.free_count(pool, at(1, 8), at(1, 9)) == 8
    with pytest.raises(LimitExceeded) as error:
        reserve(teacher, pool, 9)
    assert "This pool has only 8 devices in service." in str(error.value)
    reserve(teacher, pool, 8)


@pytest.mark.parametrize(
    ("settings_", "start", "end", "quantity", "message"),
    [
        (
            {"min_notice_hours": 24},
            at(0, 12),
            at(0, 13),
            1,
            "This pool must be booked at least 24 hours ahead, so from ",
        ),
        (
            {"max_days_ahead": 30},
            at(31, 8),
            at(31, 9),
            1,
            "This pool can be booked at most 30 days ahead, so until ",
        ),
        (
            {"max_booking_hours": 2},
            at(1, 8),
            at(1, 10, 1),
            1,
            "A booking of this pool can last at most 2 hours.",
        ),
        ({}, at(1, 8), at(1, 9), 11, "This pool has only 10 devices in service."),
    ],
    ids=["minimum notice", "how far ahead", "longest booking", "capacity"],
)
def test_every_pool_limit_says_which_limit_and_what_is_allowed(
    teacher, pool, settings_, start, end, quantity, message
):
    DevicePool.objects.filter(pk=pool.pk).update(**settings_)
    pool.refresh_from_db()
    with pytest.raises(LimitExceeded) as error:
        reserve(teacher, pool, quantity, start=start, end=end)
    assert message in str(error.value)
    assert not Reservation.objects.exists()


def test_the_limit_messages_name_the_earliest_and_latest_time(teacher, pool):
    DevicePool.objects.filter(pk=pool.pk).update(min_notice_hours=24, max_days_ahead=30)
    pool.refresh_from_db()
    with pytest.raises(LimitExceeded) as error:
        reserve(teacher, pool, start=at(0, 12))
    earliest = date_format(NOW + datetime.timedelta(hours=24), "SHORT_DATETIME_FORMAT")
    assert str(error.value).endswith(f"so from {earliest}.")
    with pytest.raises(LimitExceeded) as error:
        reserve(teacher, pool, start=at(31, 8))
    latest = date_format(NOW + datetime.timedelta(days=30), "SHORT_DATETIME_FORMAT")
    assert str(error.value).endswith(f"so until {latest}.")


def test_bookings_exactly_at_the_limits_are_allowed(teacher, pool):
    DevicePool.objects.filter(pk=pool.pk).update(
        min_notice_hours=24, max_days_ahead=30, max_booking_hours=2
    )
    pool.refresh_from_db()
    reserve(teacher, pool, start=NOW + datetime.timedelta(hours=24), end=at(1, 9))
    reserve(teacher, pool, start=NOW + datetime.timedelta(days=30), end=at(30, 8))
    reserve(teacher, pool, start=at(2, 8), end=at(2, 10))
    assert Reservation.objects.count() == 3


def test_the_per_person_limit_counts_own_requests_and_bookings_at_that_time(teacher, pool):
    DevicePool.objects.filter(pk=pool.pk).update(per_person_limit=5)
    pool.refresh_from_db()
    ReservationFactory(pool=pool, user=teacher, quantity=2, start=at(1, 8), end=at(1, 9))
    ReservationFactory(
        pool=pool, user=teacher, quantity=1, start=at(1, 8), end=at(1, 9), status="requested"
    )
    ReservationFactory(pool=pool, quantity=5, start=at(1, 8), end=at(1, 9))  # someone else's
    with pytest.raises(LimitExceeded) as error:
        reserve(teacher, pool, 3, start=at(1, 8, 30), end=at(1, 9, 30))
    assert str(error.value) == (
        f"You may have at most 5 devices of {pool.name} at a time; you have 3 at that time already."
    )
    reserve(teacher, pool, 2, start=at(1, 8, 30), end=at(1, 9, 30))
    reserve(teacher, pool, 5, start=at(1, 9, 30), end=at(1, 10))  # after the others end


def test_a_pool_lent_to_residents_is_not_booked_like_a_school_pool(resident, other_organization):
    """Loans to residents go through the lending service (reserve_loan), with its rules."""
    library_pool = DevicePoolFactory(
        organization=other_organization,
        booking_scope=DevicePool.Scope.RESIDENTS,
        loan_period_days=14,
    )
    DeviceFactory.create_batch(2, pool=library_pool)
    with pytest.raises(InvalidBooking, match="lent to residents"):
        reserve(resident, library_pool, start=at(1, 10), end=at(2, 10))
    assert not Reservation.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "quantity", "message"),
    [
        (at(1, 9), at(1, 8), 1, "The end must be after the start."),
        (at(1, 9), at(1, 9), 1, "The end must be after the start."),
        (
            datetime.datetime(2027, 2, 2, 8),
            datetime.datetime(2027, 2, 2, 9),
            1,
            "Times need a time zone.",
        ),
        (
            datetime.datetime(9999, 12, 31, 8, tzinfo=BERLIN),
            datetime.datetime(9999, 12, 31, 9, tzinfo=BERLIN),
            1,
            "Please choose a date between the years 2000 and 2100.",
        ),
        (at(1, 8), datetime.datetime(9999, 12, 31, 9, tzinfo=BERLIN), 1, "between the years 2000"),
        (at(-1, 8), at(-1, 9), 1, "This time has already begun"),
        (at(0, 6, 59), at(0, 8), 1, "This time has already begun"),
        (
            datetime.datetime(1, 1, 1, 0, 0, tzinfo=BERLIN),
            datetime.datetime(1, 1, 1, 1, 0, tzinfo=BERLIN),
            1,
            "between the years 2000 and 2100",
        ),
        (at(1, 8), at(1, 9), 0, "Book at least one device."),
        (at(1, 8), at(1, 9), -3, "Book at least one device."),
    ],
    ids=[
        "end before start",
        "zero length",
        "naive",
        "year 9999",
        "ends in 9999",
        "yesterday",
        "begun a minute ago",
        "year 1",
        "no devices",
        "negative",
    ],
)
def test_bad_input_is_refused_and_nothing_written(teacher, pool, start, end, quantity, message):
    with pytest.raises(InvalidBooking) as error:
        services.reserve(by=teacher, pool=pool, quantity=quantity, start=start, end=end, now=NOW)
    assert message in str(error.value)
    assert not Reservation.objects.exists()
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("purpose", ["x" * 201, "a\x00b"])
def test_a_purpose_too_long_or_with_a_null_character_is_refused(teacher, pool, purpose):
    with pytest.raises(InvalidBooking):
        reserve(teacher, pool, purpose=purpose)
    assert not Reservation.objects.exists()


def test_check_booking_runs_the_same_rules_without_writing(teacher, pool):
    services.check_booking(by=teacher, pool=pool, quantity=3, start=at(1, 8), end=at(1, 9), now=NOW)
    with pytest.raises(InvalidBooking):
        services.check_booking(
            by=teacher, pool=pool, quantity=3, start=at(1, 9), end=at(1, 8), now=NOW
        )
    assert not Reservation.objects.exists()


def test_a_confirmed_booking_emails_the_person(
    teacher, pool, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        reserve(teacher, pool, 2)
    assert [message.to for message in mailoutbox] == [[teacher.email]]


# ---------------------------------------------------------------------------------------
# Alternatives


def test_alternatives_offer_the_nearest_free_times_and_other_pools(teacher, pool, organization):
    LessonPeriodFactory(
        organization=organization, number=1, start=datetime.time(8), end=datetime.time(8, 45)
    )
    LessonPeriodFactory(
        organization=organization, number=2, start=datetime.time(8, 50), end=datetime.time(9, 35)
    )
    ReservationFactory(pool=pool, quantity=10, start=at(2, 8), end=at(2, 8, 45))
    other = DevicePoolFactory(organization=organization, name="Koffer Bio")
    DeviceFactory.create_batch(6, pool=other)
    small = DevicePoolFactory(organization=organization, name="Koffer Chemie")
    DeviceFactory.create_batch(2, pool=small)
    times, pools = services.alternatives(
        by=teacher, pool=pool, quantity=5, start=at(2, 8), end=at(2, 8, 45), now=NOW
    )
    # By lesson period: the next free period that day, and the same period on the three
    # nearest other days (today's is still ahead at 07:00).
    assert [(alt.start, alt.end, alt.free, alt.kind) for alt in times] == [
        (at(0, 8), at(0, 8, 45), 10, "same_periods"),
        (at(1, 8), at(1, 8, 45), 10, "same_periods"),
        (at(2, 8, 50), at(2, 9, 35), 10, "next"),
        (at(3, 8), at(3, 8, 45), 10, "same_periods"),
    ]
    assert [(alt.pool, alt.free) for alt in pools] == [(other, 6)]


def test_alternatives_skip_closures_weekends_and_the_pools_limits(teacher, pool, organization):
    DevicePool.objects.filter(pk=pool.pk).update(min_notice_hours=48)
    pool.refresh_from_db()
    ClosureFactory(
        organization=organization,
        start=TODAY + datetime.timedelta(days=3),
        end=TODAY + datetime.timedelta(days=4),
    )
    start, end = at(2, 8), at(2, 9)  # Wednesday; Tuesday is too soon, Thursday is closed
    ReservationFactory(pool=pool, quantity=10, start=start, end=end)
    times, _pools = services.alternatives(
        by=teacher, pool=pool, quantity=1, start=start, end=end, now=NOW
    )
    assert [alt.start for alt in times] == [at(4, 8), at(7, 8), at(8, 8)]


def test_alternatives_leave_out_other_pools_closed_on_that_day(
    teacher, pool, organization, other_organization
):
    MembershipFactory(user=teacher, organization=other_organization, role=Role.TEACHER)
    library = DevicePoolFactory(organization=other_organization)
    DeviceFactory.create_batch(5, pool=library)
    ClosureFactory(
        organization=other_organization,
        start=TODAY + datetime.timedelta(days=2),
        end=TODAY + datetime.timedelta(days=3),
    )
    _times, pools = services.alternatives(
        by=teacher, pool=pool, quantity=1, start=at(2, 8), end=at(2, 9), now=NOW
    )
    assert pools == []
    _times, pools = services.alternatives(
        by=teacher, pool=pool, quantity=1, start=at(1, 8), end=at(1, 9), now=NOW
    )
    assert [alt.pool for alt in pools] == [library]


def test_alternatives_for_bad_input_are_empty(teacher, pool):
    naive = datetime.datetime(2027, 2, 2, 8)
    assert services.alternatives(
        by=teacher, pool=pool, quantity=1, start=naive, end=naive, now=NOW
    ) == ([], [])
    assert services.alternatives(
        by=teacher, pool=pool, quantity=1, start=at(1, 9), end=at(1, 8), now=NOW
    ) == ([], [])


@pytest.mark.parametrize("count", [3, 300])
def test_alternatives_take_a_fixed_number_of_queries(
    teacher, pool, organization, count, django_assert_max_num_queries
):
    DevicePool.objects.filter(pk=pool.pk).update(per_person_limit=20)
    for number in range(1, 9):
        LessonPeriodFactory(
            organization=organization,
            number=number,
            start=datetime.time(7 + number),
            end=datetime.time(7 + number, 45),
        )
    for index in range(3):
        other = DevicePoolFactory(organization=organization, per_person_limit=10)
        DeviceFactory.create_batch(3, pool=other)
        ReservationFactory.create_batch(
            count // 3, pool=other, quantity=1, start=at(index, 10), end=at(index, 11)
        )
    ReservationFactory.create_batch(
        count, pool=pool, quantity=1, start=at(1, 8), end=at(1, 9), user=teacher
    )
    pool = DevicePool.objects.get(pk=pool.pk)
    with django_assert_max_num_queries(20):
        times, pools = services.alternatives(
            by=teacher, pool=pool, quantity=1, start=at(1, 8), end=at(1, 9), now=NOW
        )
    assert times and pools


# ---------------------------------------------------------------------------------------
# Weekly series

TUESDAY = TODAY + datetime.timedelta(days=1)


def plan(teacher, pool, until, **kwargs):
    return services.plan_series(
        by=teacher,
        pool=pool,
        quantity=kwargs.pop("quantity", 5),
        first_date=kwargs.pop("first_date", TUESDAY),
        until=until,
        start_time=datetime.time(9, 50),
        end_time=datetime.time(11, 20),
        now=NOW,
        **kwargs,
    )


def book_series(teacher, pool, until, **kwargs):
    return services.book_series(
        by=teacher,
        pool=pool,
        quantity=kwargs.pop("quantity", 5),
        first_date=kwargs.pop("first_date", TUESDAY),
        until=until,
        start_time=datetime.time(9, 50),
        end_time=datetime.time(11, 20),
        purpose="Klasse 8a, Physik",
        now=NOW,
        **kwargs,
    )


def weeks(n: int) -> datetime.date:
    return TUESDAY + datetime.timedelta(weeks=n)


def test_the_plan_marks_closures_as_skipped_and_conflicts_with_their_free_count(
    teacher, pool, organization
):
    # Winter holidays of the region's schools in the second week; the school's own
    # closure (a teachers' day) in the fourth.
    Closure.objects.create(
        organization=None,
        kind=Closure.Kind.SCHOOL_HOLIDAY,
        name="Frühjahrsferien",
        start=weeks(1) - datetime.timedelta(days=1),
        end=weeks(1) + datetime.timedelta(days=5),
    )
    ClosureFactory(
        organization=organization,
        name="Pädagogischer Tag",
        start=weeks(3),
        end=weeks(3) + datetime.timedelta(days=1),
    )
    ReservationFactory(
        pool=pool,
        quantity=8,
        start=datetime.datetime.combine(weeks(2), datetime.time(10, 0), tzinfo=BERLIN),
        end=datetime.datetime.combine(weeks(2), datetime.time(10, 45), tzinfo=BERLIN),
    )
    result = plan(teacher, pool, until=weeks(4))
    assert [occurrence.date for occurrence in result.occurrences] == [weeks(n) for n in range(5)]
    assert [occurrence.closure for occurrence in result.occurrences] == [
        "",
        "Frühjahrsferien",
        "",
        "Pädagogischer Tag",
        "",
    ]
    conflict = result.occurrences[2]
    assert (conflict.free, conflict.bookable) == (2, False)
    assert conflict.problem == "Only 2 devices are free for the whole time."
    assert [occurrence.date for occurrence in result.bookable] == [weeks(0), weeks(4)]
    assert all(occurrence.free == 10 for occurrence in result.bookable)


def test_school_holidays_of_the_region_do_not_close_a_library(resident, other_organization):
    MembershipFactory(user=resident, organization=other_organization, role=Role.TEACHER)
    library_pool = DevicePoolFactory(organization=other_organization)
    DeviceFactory.create_batch(5, pool=library_pool)
    Closure.objects.create(
        organization=None,
        kind=Closure.Kind.SCHOOL_HOLIDAY,
        name="Frühjahrsferien",
        start=weeks(1),
        end=weeks(2),
    )
    Closure.objects.create(
        organization=None,
        kind=Closure.Kind.PUBLIC_HOLIDAY,
        name="Feiertag",
        start=weeks(2),
        end=weeks(2) + datetime.timedelta(days=1),
    )
    result = plan(resident, library_pool, until=weeks(2), quantity=1)
    assert [occurrence.closure for occurrence in result.occurrences] == ["", "", "Feiertag"]


def test_book_series_books_only_the_chosen_dates_and_skips_closures(
    teacher, pool, organization, django_capture_on_commit_callbacks, mailoutbox
):
    ClosureFactory(
        organization=organization,
        name="Brückentag",
        start=weeks(2),
        end=weeks(2) + datetime.timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        series = book_series(teacher, pool, until=weeks(4), dates={weeks(0), weeks(2), weeks(3)})
    assert (series.first_date, series.until, series.interval_weeks) == (TUESDAY, weeks(4), 1)
    booked = list(series.reservations.order_by("start"))
    assert [timezone_date(r.start) for r in booked] == [weeks(0), weeks(3)]
    assert all(r.status == "confirmed" and r.quantity == 5 for r in booked)
    assert all(r.purpose == "Klasse 8a, Physik" and r.user == teacher for r in booked)
    assert actions() == ["booking.series_reserved"]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].attachments[0][0] == f"lernpool-series-{series.pk}.ics"


def timezone_date(value: datetime.datetime) -> datetime.date:
    return value.astimezone(BERLIN).date()


def test_book_series_without_a_choice_books_every_bookable_date(teacher, pool):
    ReservationFactory(
        pool=pool,
        quantity=10,
        start=datetime.datetime.combine(weeks(1), datetime.time(11), tzinfo=BERLIN),
        end=datetime.datetime.combine(weeks(1), datetime.time(12), tzinfo=BERLIN),
    )
    series = book_series(teacher, pool, until=weeks(3))
    assert [timezone_date(r.start) for r in series.reservations.all()] == [
        weeks(0),
        weeks(2),
        weeks(3),
    ]


def test_a_series_rolls_back_completely_when_a_chosen_date_no_longer_fits(teacher, pool):
    chosen = {occurrence.date for occurrence in plan(teacher, pool, until=weeks(5)).bookable}
    assert len(chosen) == 6
    # Someone else books the whole pool on the fourth date meanwhile.
    ReservationFactory(
        pool=pool,
        quantity=7,
        start=datetime.datetime.combine(weeks(3), datetime.time(8), tzinfo=BERLIN),
        end=datetime.datetime.combine(weeks(3), datetime.time(10), tzinfo=BERLIN),
    )
    with pytest.raises(PoolExhausted) as error:
        book_series(teacher, pool, until=weeks(5), dates=chosen)
    assert error.value.free == 3
    expected_date = date_format(weeks(3), "SHORT_DATE_FORMAT")
    assert str(error.value) == f"{expected_date}: Only 3 devices are free for the whole time."
    assert not Series.objects.exists()
    assert Reservation.objects.count() == 1
    assert not AuditLog.objects.filter(action="booking.series_reserved").exists()


def test_a_series_of_a_region_pool_by_another_school_is_requested(other_teacher, region_pool):
    series = book_series(other_teacher, region_pool, until=weeks(2))
    assert set(series.reservations.values_list("status", flat=True)) == {"requested"}


def test_ab_weeks_book_every_second_week(teacher, pool):
    series = book_series(teacher, pool, until=weeks(6), interval_weeks=2)
    assert [timezone_date(r.start) for r in series.reservations.all()] == [
        weeks(0),
        weeks(2),
        weeks(4),
        weeks(6),
    ]


def test_a_series_is_capped_and_the_message_names_the_last_possible_date(teacher, pool):
    DevicePool.objects.filter(pk=pool.pk).update(max_days_ahead=1000)
    pool.refresh_from_db()
    plan(teacher, pool, until=weeks(59))
    with pytest.raises(LimitExceeded) as error:
        plan(teacher, pool, until=weeks(60))
    last = date_format(weeks(59), "SHORT_DATE_FORMAT")
    assert str(error.value) == (
        f"A series can have at most 60 dates. Please end it on {last} or earlier."
    )
    with pytest.raises(LimitExceeded) as error:
        book_series(teacher, pool, until=weeks(120), interval_weeks=2)
    assert date_format(weeks(118), "SHORT_DATE_FORMAT") in str(error.value)
    assert not Series.objects.exists()


def test_a_series_may_run_beyond_how_far_ahead_but_must_start_within_it(teacher, pool):
    DevicePool.objects.filter(pk=pool.pk).update(max_days_ahead=14)
    pool.refresh_from_db()
    series = book_series(teacher, pool, until=weeks(5))
    assert series.reservations.count() == 6
    with pytest.raises(LimitExceeded) as error:
        plan(teacher, pool, first_date=weeks(3), until=weeks(8))
    assert "at most 14 days ahead" in str(error.value)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"until": TUESDAY - datetime.timedelta(days=1)}, InvalidBooking),
        ({"until": weeks(2), "interval_weeks": 3}, InvalidBooking),
        ({"until": weeks(2), "quantity": 0}, InvalidBooking),
        ({"until": weeks(2), "first_date": TODAY - datetime.timedelta(days=7)}, InvalidBooking),
        ({"until": datetime.date(9999, 12, 31)}, InvalidBooking),
        ({"until": weeks(2), "first_date": datetime.date(1, 1, 1)}, InvalidBooking),
    ],
    ids=["until before first", "every third week", "no devices", "past", "year 9999", "year 1"],
)
def test_bad_series_input_is_refused(teacher, pool, kwargs, error):
    with pytest.raises(error):
        plan(teacher, pool, **kwargs)
    with pytest.raises(error):
        book_series(teacher, pool, **kwargs)
    assert not Series.objects.exists()


def test_a_series_with_the_end_before_the_start_is_refused(teacher, pool):
    with pytest.raises(InvalidBooking):
        services.plan_series(
            by=teacher,
            pool=pool,
            quantity=1,
            first_date=TUESDAY,
            until=weeks(2),
            start_time=datetime.time(10),
            end_time=datetime.time(10),
            now=NOW,
        )


def test_a_series_of_a_pool_the_person_may_not_book_is_refused(outsider, pool):
    with pytest.raises(PermissionDenied):
        plan(outsider, pool, until=weeks(2))
    with pytest.raises(PermissionDenied):
        book_series(outsider, pool, until=weeks(2))


def test_the_per_person_limit_applies_to_each_date_of_a_series(teacher, pool):
    DevicePool.objects.filter(pk=pool.pk).update(per_person_limit=6)
    pool.refresh_from_db()
    ReservationFactory(
        pool=pool,
        user=teacher,
        quantity=2,
        start=datetime.datetime.combine(weeks(1), datetime.time(10), tzinfo=BERLIN),
        end=datetime.datetime.combine(weeks(1), datetime.time(11), tzinfo=BERLIN),
    )
    result = plan(teacher, pool, until=weeks(2))
    assert [bool(occurrence.problem) for occurrence in result.occurrences] == [False, True, False]
    assert "at most 6 devices" in result.occurrences[1].problem


def test_end_of_school_year_is_the_last_school_day_before_the_summer_holidays(organization):
    # Bavaria 2028: Whitsun holidays start in June, the summer holidays on 31 July.
    for name, start, end in [
        ("Pfingstferien", datetime.date(2028, 6, 6), datetime.date(2028, 6, 17)),
        ("Sommerferien", datetime.date(2028, 7, 31), datetime.date(2028, 9, 12)),
        ("Sommerferien", datetime.date(2029, 7, 30), datetime.date(2029, 9, 11)),
    ]:
        Closure.objects.create(
            organization=None, kind=Closure.Kind.SCHOOL_HOLIDAY, name=name, start=start, end=end
        )
    after = datetime.date(2027, 11, 2)
    # The holidays start on a Monday; the Sunday before is no school day: Friday is.
    assert services.end_of_school_year(organization, after) == datetime.date(2028, 7, 28)
    assert services.end_of_school_year(organization, datetime.date(2028, 9, 20)) == (
        datetime.date(2029, 7, 27)
    )


def test_end_of_school_year_without_known_holidays_is_the_end_of_july(organization):
    # 31 July 2027 is a Saturday, so the last school day is Friday the 30th.
    assert services.end_of_school_year(organization, datetime.date(2027, 2, 1)) == (
        datetime.date(2027, 7, 30)
    )
    assert services.end_of_school_year(organization, datetime.date(2027, 9, 14)) == (
        datetime.date(2028, 7, 31)
    )


def test_cancel_one_occurrence_of_a_series(teacher, pool):
    series = book_series(teacher, pool, until=weeks(3))
    second = series.reservations.order_by("start")[1]
    services.cancel(by=teacher, reservation=second, now=NOW)
    assert list(series.reservations.values_list("status", flat=True)) == [
        "confirmed",
        "cancelled",
        "confirmed",
        "confirmed",
    ]


def test_cancel_the_rest_of_a_series(teacher, pool):
    series = book_series(teacher, pool, until=weeks(4))
    third = series.reservations.order_by("start")[2]
    assert services.cancel_rest_of_series(by=teacher, reservation=third, now=NOW) == 3
    assert list(series.reservations.values_list("status", flat=True)) == [
        "confirmed",
        "confirmed",
        "cancelled",
        "cancelled",
        "cancelled",
    ]
    assert AuditLog.objects.filter(action="booking.series_cancelled").get().data == {"count": 3}
    with pytest.raises(NotCancellable):
        services.cancel_rest_of_series(by=teacher, reservation=third, now=NOW)


def test_the_rest_of_a_series_keeps_what_has_begun(teacher, pool):
    series = book_series(teacher, pool, until=weeks(2))
    first = series.reservations.order_by("start")[0]
    later = at(1, 10)  # the first date is running
    assert services.cancel_rest_of_series(by=teacher, reservation=first, now=later) == 2
    first.refresh_from_db()
    assert first.status == "confirmed"


def test_only_the_person_or_staff_cancel_the_rest_of_a_series(teacher, staff, outsider, pool):
    series = book_series(teacher, pool, until=weeks(2))
    first = series.reservations.order_by("start")[0]
    with pytest.raises(PermissionDenied):
        services.cancel_rest_of_series(by=outsider, reservation=first, now=NOW)
    assert services.cancel_rest_of_series(by=staff, reservation=first, now=NOW) == 3


def test_a_single_booking_has_no_series_to_cancel(teacher, pool):
    reservation = reserve(teacher, pool)
    with pytest.raises(NotCancellable):
        services.cancel_rest_of_series(by=teacher, reservation=reservation, now=NOW)


@pytest.mark.parametrize("count", [3, 300])
def test_planning_takes_a_fixed_number_of_queries(
    teacher, pool, organization, count, django_assert_max_num_queries
):
    DevicePool.objects.filter(pk=pool.pk).update(per_person_limit=20, max_days_ahead=1000)
    ClosureFactory(organization=organization, start=weeks(2), end=weeks(3))
    for index in range(count):
        day = weeks(index % 40)
        ReservationFactory(
            pool=pool,
            user=teacher if index % 2 else None,
            quantity=1,
            start=datetime.datetime.combine(day, datetime.time(10), tzinfo=BERLIN),
            end=datetime.datetime.combine(day, datetime.time(11), tzinfo=BERLIN),
        )
    # Two for who may book, one each for the organization, the closures and the devices in
    # service, two each for everybody's and the person's own bookings: for 3 dates or 60.
    pool = DevicePool.objects.get(pk=pool.pk)
    with django_assert_max_num_queries(9):
        short = plan(teacher, pool, until=weeks(2))
    pool = DevicePool.objects.get(pk=pool.pk)
    with django_assert_max_num_queries(9):
        long = plan(teacher, pool, until=weeks(59))
    assert len(short.occurrences) == 3
    assert len(long.occurrences) == 60


# ---------------------------------------------------------------------------------------
# Cancel, approve, decline


def test_a_person_cancels_their_own_booking_until_it_starts(
    teacher, pool, django_capture_on_commit_callbacks, mailoutbox
):
    reservation = reserve(teacher, pool, start=at(1, 8))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(by=teacher, reservation=reservation, now=at(1, 7, 59))
    reservation.refresh_from_db()
    assert reservation.status == "cancelled"
    assert reservation.cancelled_at == at(1, 7, 59)
    assert "booking.cancelled" in actions()
    assert mailoutbox == []  # nobody needs to be told what they did themselves


@pytest.mark.parametrize("now", [at(1, 8), at(1, 8, 30), at(2, 8)])
def test_a_booking_that_has_begun_cannot_be_cancelled(teacher, pool, now):
    reservation = reserve(teacher, pool, start=at(1, 8))
    with pytest.raises(NotCancellable):
        services.cancel(by=teacher, reservation=reservation, now=now)
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"


def test_staff_of_the_pool_may_cancel_and_the_person_is_told(
    teacher, staff, pool, django_capture_on_commit_callbacks, mailoutbox
):
    reservation = reserve(teacher, pool)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel(by=staff, reservation=reservation, now=NOW)
    assert cancelled.status == "cancelled"
    assert [message.to for message in mailoutbox] == [[teacher.email]]
    assert mailoutbox[0].subject.startswith("Buchung storniert")  # German by default


@pytest.mark.parametrize("who", ["outsider", "colleague"])
def test_others_may_not_cancel(teacher, pool, organization, outsider, who):
    colleague = MembershipFactory(organization=organization, role=Role.TEACHER).user
    reservation = reserve(teacher, pool)
    with pytest.raises(PermissionDenied):
        services.cancel(
            by=outsider if who == "outsider" else colleague, reservation=reservation, now=NOW
        )
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"


def test_a_cancelled_booking_cannot_be_cancelled_again(teacher, pool):
    reservation = reserve(teacher, pool)
    services.cancel(by=teacher, reservation=reservation, now=NOW)
    with pytest.raises(NotCancellable):
        services.cancel(by=teacher, reservation=reservation, now=NOW)


def test_staff_approve_a_request_and_the_person_gets_the_confirmation(
    other_teacher, staff, region_pool, django_capture_on_commit_callbacks, mailoutbox
):
    request_ = reserve(other_teacher, region_pool, 4)
    with django_capture_on_commit_callbacks(execute=True):
        approved = services.approve(by=staff, reservation=request_, now=NOW)
    assert (approved.status, approved.decided_by) == ("confirmed", staff)
    assert "booking.approved" in actions()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Buchung bestätigt: Laptop-Koffer"  # German by default
    assert mailoutbox[0].attachments[0][2].startswith("text/calendar")


def test_approval_re_checks_the_free_devices(other_teacher, staff, teacher, region_pool):
    request_ = reserve(other_teacher, region_pool, 4)
    reserve(teacher, region_pool, 8)  # confirmed meanwhile
    with pytest.raises(PoolExhausted) as error:
        services.approve(by=staff, reservation=request_, now=NOW)
    assert error.value.free == 2
    request_.refresh_from_db()
    assert request_.status == "requested"


def test_only_staff_of_the_pool_decide(other_teacher, teacher, outsider, region_pool):
    request_ = reserve(other_teacher, region_pool)
    for user in (teacher, outsider, other_teacher):
        with pytest.raises(PermissionDenied):
            services.approve(by=user, reservation=request_, now=NOW)
        with pytest.raises(PermissionDenied):
            services.decline(by=user, reservation=request_, reason="Nein")


def test_an_answered_request_cannot_be_answered_again(other_teacher, staff, region_pool):
    request_ = reserve(other_teacher, region_pool)
    services.approve(by=staff, reservation=request_, now=NOW)
    with pytest.raises(DomainError):
        services.approve(by=staff, reservation=request_, now=NOW)
    with pytest.raises(DomainError):
        services.decline(by=staff, reservation=request_, reason="Doch nicht")


def test_a_request_for_a_time_that_has_begun_cannot_be_approved(other_teacher, staff, region_pool):
    request_ = reserve(other_teacher, region_pool, start=at(1, 8))
    with pytest.raises(DomainError):
        services.approve(by=staff, reservation=request_, now=at(1, 8, 5))


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301, "a\x00b"])
def test_declining_needs_a_sensible_reason(other_teacher, staff, region_pool, reason):
    request_ = reserve(other_teacher, region_pool)
    with pytest.raises(DomainError):
        services.decline(by=staff, reservation=request_, reason=reason)
    request_.refresh_from_db()
    assert request_.status == "requested"


def test_a_declined_request_is_emailed_with_the_reason(
    other_teacher, staff, region_pool, django_capture_on_commit_callbacks, mailoutbox
):
    request_ = reserve(other_teacher, region_pool)
    with django_capture_on_commit_callbacks(execute=True):
        services.decline(by=staff, reservation=request_, reason="  Wird für Prüfungen gebraucht ")
    request_.refresh_from_db()
    assert (request_.status, request_.decided_by) == ("declined", staff)
    assert request_.decision_reason == "Wird für Prüfungen gebraucht"
    assert "booking.declined" in actions()
    (message,) = mailoutbox
    assert message.to == [other_teacher.email]
    assert "Wird für Prüfungen gebraucht" in message.body
    assert "Wird für Prüfungen gebraucht" in message.alternatives[0].content


# ---------------------------------------------------------------------------------------
# Hand out and take back


@pytest.fixture
def booking(teacher, pool):
    return ReservationFactory(pool=pool, user=teacher, quantity=3, start=at(1, 8), end=at(1, 10))


def devices_of(pool, n):
    return list(pool.devices.order_by("pk")[:n])


def test_staff_hand_out_devices_of_the_pool(staff, teacher, pool, booking):
    loan = services.hand_out(
        by=staff, reservation=booking, devices=devices_of(pool, 3), now=at(1, 7, 50)
    )
    assert (loan.pool, loan.reservation, loan.borrower, loan.handed_out_by) == (
        pool,
        booking,
        teacher,
        staff,
    )
    assert loan.due_at == booking.end
    assert loan.items.count() == 3
    assert services.devices_out(booking) == 3
    assert AuditLog.objects.get(action="booking.handed_out").data["reservation"] == booking.pk


def test_partial_hand_outs_up_to_the_booked_number(staff, pool, booking):
    devices = devices_of(pool, 4)
    services.hand_out(by=staff, reservation=booking, devices=devices[:2], now=at(1, 7, 50))
    services.hand_out(by=staff, reservation=booking, devices=devices[2:3], now=at(1, 8, 5))
    with pytest.raises(HandOutError) as error:
        services.hand_out(by=staff, reservation=booking, devices=devices[3:], now=at(1, 8, 10))
    assert "This booking is for 3 devices; 3 handed out already." in str(error.value)
    assert Loan.objects.count() == 2


def test_devices_go_out_on_the_booking_s_day_not_earlier(staff, pool, booking):
    # Handed out the day before, they would still count as free for bookings in between.
    with pytest.raises(HandOutError, match="starts on 02/02/2027; please hand it out on"):
        services.hand_out(by=staff, reservation=booking, devices=devices_of(pool, 1), now=at(0, 15))
    assert not Loan.objects.exists()
    loan = services.hand_out(
        by=staff, reservation=booking, devices=devices_of(pool, 1), now=at(1, 0, 5)
    )
    assert loan.items.count() == 1


def test_more_devices_than_booked_are_refused(staff, pool, booking):
    with pytest.raises(HandOutError):
        services.hand_out(by=staff, reservation=booking, devices=devices_of(pool, 4), now=at(1, 7))
    assert not Loan.objects.exists()


def test_devices_of_another_pool_in_repair_or_out_are_refused(staff, pool, booking, organization):
    other_device = DeviceFactory(pool=DevicePoolFactory(organization=organization))
    in_repair = DeviceFactory(pool=pool, status=Device.Status.IN_REPAIR)
    other_booking = ReservationFactory(pool=pool, quantity=1, start=at(1, 8), end=at(1, 10))
    out = devices_of(pool, 1)[0]
    services.hand_out(by=staff, reservation=other_booking, devices=[out], now=at(1, 7))
    for device, message in [
        (other_device, "does not belong to this pool"),
        (in_repair, "is not in service"),
        (out, "is already handed out"),
    ]:
        with pytest.raises(HandOutError) as error:
            services.hand_out(by=staff, reservation=booking, devices=[device], now=at(1, 7))
        assert message in str(error.value)
    assert Loan.objects.count() == 1


def test_only_confirmed_running_bookings_are_handed_out(staff, pool, booking, teacher):
    request_ = ReservationFactory(pool=pool, status="requested", start=at(1, 8), end=at(1, 10))
    with pytest.raises(HandOutError):
        services.hand_out(by=staff, reservation=request_, devices=devices_of(pool, 1), now=at(1, 7))
    with pytest.raises(HandOutError):
        services.hand_out(by=staff, reservation=booking, devices=devices_of(pool, 1), now=at(1, 10))
    with pytest.raises(HandOutError):
        services.hand_out(by=staff, reservation=booking, devices=[], now=at(1, 7))
    with pytest.raises(PermissionDenied):
        services.hand_out(
            by=teacher, reservation=booking, devices=devices_of(pool, 1), now=at(1, 7)
        )
    assert not Loan.objects.exists()


def test_the_database_allows_one_open_loan_per_device(staff, pool, booking):
    device = devices_of(pool, 1)[0]
    loan = services.hand_out(by=staff, reservation=booking, devices=[device], now=at(1, 7))
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanItem.objects.create(loan=loan, device=device)
    item = loan.items.get()
    services.return_items(
        by=staff, loan=loan, returns=[ItemReturn(item.pk, "complete")], now=at(1, 9)
    )
    # Once returned, the same device can be handed out again.
    again = services.hand_out(
        by=staff,
        reservation=ReservationFactory(pool=pool, start=at(1, 10), end=at(1, 11)),
        devices=[device],
        now=at(1, 9, 30),
    )
    assert again.items.get().device == device


def test_partial_returns_close_the_loan_when_all_are_back(staff, pool, booking):
    loan = services.hand_out(
        by=staff, reservation=booking, devices=devices_of(pool, 3), now=at(1, 7)
    )
    items = list(loan.items.order_by("pk"))
    services.return_items(
        by=staff, loan=loan, returns=[ItemReturn(items[0].pk, "complete")], now=at(1, 9, 50)
    )
    loan.refresh_from_db()
    assert loan.closed_at is None
    assert not loan.is_overdue(now=at(1, 9, 59))
    assert loan.is_overdue(now=at(1, 10, 1))  # two are still out after the end
    services.return_items(
        by=staff,
        loan=loan,
        returns=[
            ItemReturn(items[1].pk, "complete"),
            ItemReturn(items[2].pk, "missing_parts", "Ladekabel fehlt"),
        ],
        now=at(1, 10, 30),
    )
    loan.refresh_from_db()
    assert loan.closed_at == at(1, 10, 30)
    assert not loan.is_overdue(now=at(1, 11))
    items[2].refresh_from_db()
    assert (items[2].condition, items[2].note, items[2].returned_to) == (
        "missing_parts",
        "Ladekabel fehlt",
        staff,
    )
    assert items[2].device.status == Device.Status.IN_SERVICE
    assert AuditLog.objects.filter(action="booking.returned").count() == 2


def test_a_damaged_device_goes_to_repair_with_the_note(staff, pool, booking):
    loan = services.hand_out(
        by=staff, reservation=booking, devices=devices_of(pool, 1), now=at(1, 7)
    )
    item = loan.items.get()
    services.return_items(
        by=staff,
        loan=loan,
        returns=[ItemReturn(item.pk, "damaged", "Display gesprungen")],
        now=at(1, 9),
    )
    device = Device.objects.get(pk=item.device_id)
    assert device.status == Device.Status.IN_REPAIR
    event = DeviceEvent.objects.filter(device=device, kind="status").get()
    assert (event.from_status, event.to_status, event.actor) == ("in_service", "in_repair", staff)
    assert "Display gesprungen" in event.reason


def test_a_long_damage_note_still_fits_the_device_history(staff, pool, booking):
    loan = services.hand_out(
        by=staff, reservation=booking, devices=devices_of(pool, 1), now=at(1, 7)
    )
    item = loan.items.get()
    services.return_items(
        by=staff, loan=loan, returns=[ItemReturn(item.pk, "damaged", "x" * 300)], now=at(1, 9)
    )
    assert Device.objects.get(pk=item.device_id).status == Device.Status.IN_REPAIR


@pytest.mark.parametrize(
    "entry",
    [
        ItemReturn(0, "damaged", ""),
        ItemReturn(0, "missing_parts", "   "),
        ItemReturn(0, "complete", "x" * 301),
        ItemReturn(0, "broken", "?"),
        ItemReturn(0, "damaged", "a\x00b"),
    ],
    ids=["damaged without note", "missing parts without note", "long note", "unknown", "null"],
)
def test_returns_need_a_condition_and_a_note_for_problems(staff, pool, booking, entry):
    loan = services.hand_out(
        by=staff, reservation=booking, devices=devices_of(pool, 1), now=at(1, 7)
    )
    item = loan.items.get()
    with pytest.raises(ReturnError):
        services.return_items(
            by=staff,
            loan=loan,
            returns=[ItemReturn(item.pk, entry.condition, entry.note)],
            now=at(1, 9),
        )
    item.refresh_from_db()
    assert item.returned_at is None
    assert Device.objects.get(pk=item.device_id).status == Device.Status.IN_SERVICE


def test_a_device_cannot_be_returned_twice_or_to_the_wrong_loan(staff, pool, booking):
    loan = services.hand_out(
        by=staff, reservation=booking, devices=devices_of(pool, 2), now=at(1, 7)
    )
    other_loan = services.hand_out(
        by=staff,
        reservation=ReservationFactory(pool=pool, start=at(1, 8), end=at(1, 9)),
        devices=list(pool.devices.order_by("-pk")[:1]),
        now=at(1, 7),
    )
    first, second = loan.items.order_by("pk")
    services.return_items(
        by=staff, loan=loan, returns=[ItemReturn(first.pk, "complete")], now=at(1, 9)
    )
    with pytest.raises(ReturnError):
        services.return_items(
            by=staff, loan=loan, returns=[ItemReturn(first.pk, "complete")], now=at(1, 9)
        )
    with pytest.raises(ReturnError):
        services.return_items(
            by=staff,
            loan=loan,
            returns=[ItemReturn(other_loan.items.get().pk, "complete")],
            now=at(1, 9),
        )
    with pytest.raises(ReturnError):
        services.return_items(by=staff, loan=loan, returns=[], now=at(1, 9))
    second.refresh_from_db()
    assert second.returned_at is None


def test_only_staff_of_the_pool_take_devices_back(staff, teacher, outsider, pool, booking):
    loan = services.hand_out(
        by=staff, reservation=booking, devices=devices_of(pool, 1), now=at(1, 7)
    )
    for user in (teacher, outsider):
        with pytest.raises(PermissionDenied):
            services.return_items(
                by=user, loan=loan, returns=[ItemReturn(loan.items.get().pk, "complete")]
            )


# ---------------------------------------------------------------------------------------
# Calendar token


def test_the_calendar_token_is_kept_until_reset(teacher):
    token = services.calendar_token(user=teacher)
    assert services.calendar_token(user=teacher).token == token.token
    reset = services.reset_calendar_token(by=teacher)
    assert reset.token != token.token
    assert services.calendar_token(user=teacher).token == reset.token
    assert "booking.calendar_token_reset" in actions()


def test_region_admins_book_other_organizations_pools_as_requests(region_admin, pool):
    assert reserve(region_admin, pool).status == "requested"
    other_org = OrganizationFactory()
    assert not services.needs_approval(
        UserFactory(),
        DevicePoolFactory(organization=other_org, booking_scope=DevicePool.Scope.RESIDENTS),
    )


def test_staff_cancelling_the_rest_of_a_series_tell_the_teacher_once(
    staff, teacher, pool, django_capture_on_commit_callbacks, mailoutbox
):
    first = tomorrow(8).date()
    series = services.book_series(
        by=teacher,
        pool=pool,
        quantity=1,
        first_date=first,
        until=first + datetime.timedelta(weeks=3),
        start_time=datetime.time(8),
        end_time=datetime.time(9),
    )
    second = series.reservations.order_by("start")[1]
    with django_capture_on_commit_callbacks(execute=True):
        count = services.cancel_rest_of_series(by=staff, reservation=second)
    assert count == 3
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [teacher.email]
    assert teacher.preferred_language == "de"
    assert mailoutbox[0].subject.startswith("Wöchentliche Buchung storniert")
