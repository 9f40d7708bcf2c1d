"""The report figures against the small world of conftest.py, counted by hand there."""

from __future__ import annotations

import datetime

import pytest

from booking.models import Loan, LoanItem
from courses.models import Enrollment
from devices.models import Device, DeviceEvent, DevicePool
from organizations.models import SpecialHours
from reports.figures import build_report, report_size, utilization_by_org_month
from reports.formatting import definitions
from reports.periods import month_period, range_period
from reports.scope import organization_scope, region_scope
from tests.factories import (
    LIBRARY_WEEK,
    DeviceFactory,
    ReservationFactory,
    UserFactory,
    give_hours,
)

from .conftest import ADDED, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def _report(world, scope, period):
    return build_report(scope=scope, period=period, now=world.now)


def test_school_utilization_skips_the_closed_day_and_the_device_in_repair(report_world, week):
    devices = _report(report_world, organization_scope(report_world.school), week).devices

    assert devices.available_hours == 12  # 4 open days × 1.5 h × 2 iPads
    assert devices.reserved_hours == 4.25
    assert devices.utilization == pytest.approx(4.25 / 12)
    assert (devices.in_service, devices.in_repair, devices.lost) == (2, 1, 0)
    assert devices.bookings_by_teachers == 5
    assert devices.shortfalls == 1
    assert devices.loans_to_residents == 0
    assert devices.overdue_rate is None


def test_a_loan_counts_only_its_opening_hours(report_world, week):
    devices = _report(report_world, organization_scope(report_world.library), week).devices

    assert devices.available_hours == 144  # Mon–Sat × 12 h × 2 laptops
    assert devices.reserved_hours == 72  # 48 h + 24 h inside the opening hours
    assert devices.utilization == 0.5
    assert devices.bookings_by_teachers == 0
    assert devices.loans_to_residents == 2
    assert devices.overdue_rate == 0.5
    assert devices.avg_loan_days == pytest.approx(3.5)
    assert devices.damage_rate == 0.5


def test_the_region_adds_up_its_pools_and_types(report_world, week):
    devices = _report(report_world, region_scope(), week).devices

    assert devices.utilization == pytest.approx((4.25 + 72) / (12 + 144))
    assert [
        (row.pool, row.capacity, row.reserved_hours, row.available_hours) for row in devices.pools
    ] == [
        ("iPad-Koffer 1", 2, 4.25, 12),
        ("Leih-Laptops", 2, 72, 144),
    ]
    assert [
        (row.kind, row.devices, row.reserved_hours, row.available_hours) for row in devices.by_type
    ] == [
        ("tablet", 2, 4.25, 12),
        ("laptop", 2, 72, 144),
    ]
    assert devices.pools[0].kinds == "Tablet"
    assert devices.pools[1].overdue_rate == 0.5


def test_peak_days_are_the_busiest_by_reserved_hours(report_world, week):
    devices = _report(report_world, region_scope(), week).devices

    # Tue: 1 + 0.5 (school) + 12 + 8 (loans); Wed: 12 + 12; Thu: 0.5 + 12 + 4; Mon: 2.25 + 10
    assert devices.peak_days == [
        (datetime.date(2026, 3, 4), 24),
        (datetime.date(2026, 3, 3), 21.5),
        (datetime.date(2026, 3, 5), 16.5),
        (datetime.date(2026, 3, 2), 12.25),
        (datetime.date(2026, 3, 6), 2),
    ]


def test_course_fill_rate_and_attendance(report_world, week):
    courses = _report(report_world, organization_scope(report_world.library), week).courses

    assert courses.offered == 2
    assert courses.cancellations == 1
    assert courses.meetings_held == 2
    assert courses.seats_offered == 4
    assert courses.enrolments == 3
    assert courses.fill_rate == 0.75
    assert courses.waiting == 1
    assert courses.enrollment_cancellations == 1
    assert courses.attendance_rate == pytest.approx(5 / 6)
    assert courses.certificates == 1
    assert [(row.key, row.courses, row.seats, row.enrolments) for row in courses.by_topic] == [
        ("smartphone", 1, 4, 3),
        ("online_banking", 1, 0, 0),
    ]
    assert [(row.label, row.fill_rate) for row in courses.by_audience] == [
        ("Residents", None),
        ("Seniors", 0.75),
    ]


def test_meetings_not_yet_held_do_not_count(report_world, week):
    report = build_report(
        scope=region_scope(), period=week, now=at(3, 12)
    )  # after Monday's meeting, before Thursday's

    assert report.courses.meetings_held == 1
    assert report.courses.attendance_rate == 1  # 3 present of 3 × 1


def test_the_school_has_nothing_to_do_with_the_library_courses(report_world, week):
    courses = _report(report_world, organization_scope(report_world.school), week).courses

    assert (courses.offered, courses.enrolments, courses.certificates) == (0, 0, 0)
    assert courses.fill_rate is None
    assert courses.attendance_rate is None


def test_previous_period_is_the_week_before(report_world, week):
    report = _report(report_world, organization_scope(report_world.school), week)

    assert report.previous_devices.available_hours == 12  # Friday is a school holiday
    assert report.previous_devices.reserved_hours == 3
    assert report.previous_devices.utilization == 0.25
    assert report.previous_devices.bookings_by_teachers == 1
    figures = {figure.key: figure for figure in report.key_figures()}
    assert figures["utilization"].value == pytest.approx(4.25 / 12)
    assert figures["utilization"].previous == 0.25
    assert figures["utilization"].unit == "%"
    assert (figures["bookings"].value, figures["bookings"].previous) == (5, 1)
    assert figures["bookings"].label == "Bookings by teachers"


def test_school_holidays_do_not_close_the_library(report_world, week):
    report = _report(report_world, organization_scope(report_world.library), week)

    assert report.previous_devices.available_hours == 144
    assert report.previous_devices.utilization == 0
    assert report.previous_courses.offered == 0


def test_key_figures_cover_the_summary(report_world, week):
    report = _report(report_world, region_scope(), week)

    assert [figure.key for figure in report.key_figures()] == [
        "utilization",
        "devices_in_service",
        "avg_in_service",
        "bookings",
        "handouts",
        "loans",
        "overdue_rate",
        "damage_rate",
        "courses",
        "enrolments",
        "fill_rate",
        "attendance_rate",
        "certificates",
    ]
    figures = {figure.key: figure for figure in report.key_figures()}
    assert (figures["devices_in_service"].value, figures["devices_in_service"].previous) == (4, 4)
    assert (figures["enrolments"].value, figures["enrolments"].previous) == (3, 0)
    assert figures["certificates"].value == 1


def test_trend_has_one_row_per_month(report_world):
    two_weeks = range_period(datetime.date(2026, 2, 23), datetime.date(2026, 3, 9))
    report = _report(report_world, region_scope(), two_weeks)

    february, march = report.trend
    assert (february.month, march.month) == (datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))
    # February: school 3 h of 12, library 0 of 144 (23–28 Feb); March: the reported week.
    assert february.utilization == pytest.approx(3 / 156)
    assert march.utilization == pytest.approx(76.25 / 156)
    assert (february.bookings, march.bookings) == (1, 5)
    assert (february.loans, march.loans) == (0, 2)
    assert (february.enrolments, march.enrolments) == (0, 3)
    assert february.attendance_rate is None
    assert march.attendance_rate == pytest.approx(5 / 6)
    assert report.devices.utilization == pytest.approx(79.25 / 312)


def test_trend_of_a_month_period(report_world):
    report = _report(report_world, region_scope(), month_period(datetime.date(2026, 3, 1)))

    assert [row.month for row in report.trend] == [datetime.date(2026, 3, 1)]
    assert report.trend[0].bookings == report.devices.bookings_by_teachers == 5


def test_a_device_counts_as_available_only_while_in_service(report_world, week):
    """History wound back: the iPad in repair went there on Thursday; before that it counted."""
    ipad = report_world.ipads[2]
    DeviceEvent.objects.create(
        device=ipad,
        kind=DeviceEvent.Kind.STATUS,
        from_status=Device.Status.IN_SERVICE,
        to_status=Device.Status.IN_REPAIR,
        created_at=at(5, 7),
    )
    devices = _report(report_world, organization_scope(report_world.school), week).devices

    # Mon, Tue with 3 iPads, Thu, Fri with 2: (2 × 3 + 2 × 2) × 1.5 h
    assert devices.available_hours == 15
    assert (devices.in_service, devices.in_repair) == (2, 1)


def test_devices_in_repair_on_average_count_the_days_each_was_in_repair(report_world, week):
    """The iPad in repair went there on Thursday (4 of the week's 7 days), a second one on
    Saturday (2 days); a third came back on Wednesday (2 days: Monday and Tuesday); one
    added on Sunday in repair counts 1 day. The week before, only the one that came back: 7
    days of 7."""
    ipads = report_world.ipads
    back = DeviceFactory(pool=report_world.pool, created_at=ADDED)
    DeviceFactory(pool=report_world.pool, created_at=at(8, 9), status=Device.Status.IN_REPAIR)
    for device, from_status, to_status, day in [
        (ipads[2], Device.Status.IN_SERVICE, Device.Status.IN_REPAIR, 5),
        (ipads[1], Device.Status.IN_SERVICE, Device.Status.IN_REPAIR, 7),
        (back, Device.Status.IN_REPAIR, Device.Status.IN_SERVICE, 4),
    ]:
        if device is ipads[1]:
            device.status = Device.Status.IN_REPAIR
            device.save()
        DeviceEvent.objects.create(
            device=device,
            kind=DeviceEvent.Kind.STATUS,
            from_status=from_status,
            to_status=to_status,
            created_at=at(day, 7),
        )
    report = _report(report_world, organization_scope(report_world.school), week)

    assert report.devices.avg_in_repair == round((4 + 2 + 2 + 1) / 7, 1)
    assert report.devices.in_repair == 3
    assert report.previous_devices.avg_in_repair == 1


def test_device_counts_are_those_at_the_end_of_the_period(report_world, week):
    ipad = report_world.ipads[2]
    DeviceEvent.objects.create(
        device=ipad,
        kind=DeviceEvent.Kind.STATUS,
        from_status=Device.Status.IN_SERVICE,
        to_status=Device.Status.IN_REPAIR,
        created_at=at(12, 7),  # after the week
    )
    devices = _report(report_world, organization_scope(report_world.school), week).devices

    assert (devices.in_service, devices.in_repair) == (3, 0)
    assert devices.available_hours == 18
    assert devices.pools[0].capacity == 3


def test_a_device_counts_from_the_day_it_was_added(report_world, week):
    DeviceFactory(pool=report_world.pool, created_at=at(5, 9))  # Thursday
    DeviceFactory(pool=report_world.pool, created_at=at(10, 9))  # after the week
    devices = _report(report_world, organization_scope(report_world.school), week).devices

    # Mon, Tue with 2 iPads, Thu, Fri with 3: (2 × 2 + 2 × 3) × 1.5 h
    assert devices.available_hours == 15
    assert devices.in_service == 3
    assert devices.pools[0].capacity == 3


def test_a_reservation_across_midnight_in_daylight_saving_change(report_world):
    """The night the clocks go forward (29 March 2026) does not shift the opening hours."""
    ReservationFactory(pool=report_world.lending_pool, start=at(28, 19), end=at(30, 9), quantity=1)
    period = range_period(datetime.date(2026, 3, 28), datetime.date(2026, 3, 31))
    library = organization_scope(report_world.library)
    devices = build_report(scope=library, period=period, now=at(31, 12)).devices

    # Sat 19:00–20:00, Sunday closed, Mon 08:00–09:00
    assert devices.reserved_hours == 2
    assert devices.available_hours == 2 * 12 * 2


def test_progress_is_reported(report_world, week):
    steps = []
    build_report(
        scope=region_scope(),
        period=week,
        now=report_world.now,
        progress=lambda percent, message: steps.append((percent, message)),
    )

    assert steps[-1] == (100, "Done")
    assert [percent for percent, _message in steps] == sorted(percent for percent, _m in steps)


def test_report_size_is_organizations_times_days(report_world, week):
    assert report_size(region_scope(), week) == 2 * 7
    assert report_size(organization_scope(report_world.school), week) == 7


def test_utilization_by_organization_and_month(report_world):
    two_weeks = range_period(datetime.date(2026, 2, 23), datetime.date(2026, 3, 9))
    school, library = report_world.school.pk, report_world.library.pk

    figures = utilization_by_org_month([school, library], two_weeks)

    assert figures == {
        (school, datetime.date(2026, 2, 1)): (3, 12),
        (school, datetime.date(2026, 3, 1)): (4.25, 12),
        (library, datetime.date(2026, 2, 1)): (0, 144),
        (library, datetime.date(2026, 3, 1)): (72, 144),
    }


def test_an_empty_scope_has_no_rates(db, organization, week):
    report = build_report(scope=organization_scope(organization), period=week)

    assert report.devices.utilization is None
    assert report.devices.pools == []
    assert report.courses.offered == 0
    assert all(row.utilization is None for row in report.trend)


def _grow(world, n):
    """n more reservations, loans (with returned items) and enrolments in the week."""
    for index in range(n):
        ReservationFactory(pool=world.pool, start=at(2, 8), end=at(2, 8, 45), quantity=1)
        ReservationFactory(pool=world.pool, start=at(3, 9), end=at(5, 8), quantity=1)
        loan = Loan.objects.create(
            pool=world.lending_pool, handed_out_at=at(2, 10), due_at=at(6, 10), closed_at=at(6, 9)
        )
        LoanItem.objects.create(
            loan=loan, device=world.laptops[index % 2], returned_at=at(6, 9), condition="complete"
        )
    world.course.capacity = 500
    world.course.save()
    Enrollment.objects.bulk_create(
        [
            Enrollment(course=world.course, user=user, status="confirmed")
            for user in UserFactory.create_batch(n)
        ]
    )


@pytest.mark.parametrize("extra", [3, 300])
def test_queries_do_not_grow_with_the_rows(
    report_world, week, extra, django_assert_max_num_queries
):
    _grow(report_world, extra)
    # +1 per period (this and the previous): the kinds of devices wound back to its end;
    # +1: the organizations of the per-organization and per-district tables;
    # +4 per period: the opening calendars (hours and their intervals, special hours,
    # closures); +1 per period: the devices in repair on average; on PostgreSQL, +1 per
    # reservation scan (three: both periods' days, each period's longer reservations) for
    # its time zone and work_mem, and inside this test's transaction +3 more each (a
    # savepoint, its release, the settings put back).
    give_hours(report_world.library, LIBRARY_WEEK)
    with django_assert_max_num_queries(60):
        report = _report(report_world, region_scope(), week)

    assert report.courses.enrolments == 3 + extra
    assert report.devices.loans_to_residents == 2 + extra


def test_the_number_of_queries_is_the_same_for_3_and_300_rows(report_world, week):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for extra in (3, 297):
        _grow(report_world, extra)
        with CaptureQueriesContext(connection) as queries:
            _report(report_world, region_scope(), week)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_edges_of_days_and_of_the_period(report_world):
    """Library, Mon 9 – Tue 10 March (window 08:00–20:00, 2 laptops): a booking 23:30–00:30
    adds nothing; one that began before the period counts from its first day; one on the
    last day counts; one running past the end counts up to the end."""
    pool = report_world.lending_pool
    for start, end in [
        (at(9, 23, 30), at(10, 0, 30)),  # outside the window on both days → 0
        (at(7, 19), at(9, 9)),  # Sat before the period → only Mon 08–09 counts: 1 h
        (at(10, 19), at(10, 20, 30)),  # the last day, 19:00–20:00 inside: 1 h
        (at(10, 18), at(11, 10)),  # Tue 18–20 counts (2 h), Wednesday is after the period
    ]:
        ReservationFactory(pool=pool, start=start, end=end, quantity=1)
    period = range_period(datetime.date(2026, 3, 9), datetime.date(2026, 3, 11))
    devices = _report(report_world, organization_scope(report_world.library), period).devices

    assert devices.available_hours == 2 * 12 * 2
    assert devices.reserved_hours == 4
    assert [day for day, _hours in devices.peak_days] == [
        datetime.date(2026, 3, 10),
        datetime.date(2026, 3, 9),
    ]


def test_a_library_with_opening_hours_is_available_in_them(report_world, week):
    """Closed on Sunday and Monday; Tue 10–13 and 14–18 (7 h), Wed 10–18 (8 h), Thu 10–13
    and 14–19 (8 h), Fri 10–18 (8 h), Sat 10–13 (3 h): 34 h × 2 laptops, lunch breaks not
    counted. The loans count only inside each day's opening intervals, and a booking on the
    closed Monday not at all."""
    library = report_world.library
    give_hours(library, LIBRARY_WEEK)
    pool = DevicePool.objects.get(organization=library)
    for start, end in [(at(2, 14), at(2, 16)), (at(7, 11), at(7, 12))]:  # Monday, Saturday
        ReservationFactory(pool=pool, start=start, end=end, quantity=1)
    devices = _report(report_world, organization_scope(library), week).devices

    assert devices.available_hours == (7 + 8 + 8 + 8 + 3) * 2
    # Loan 1 (Mon 10:00 – Fri 10:00): Tue 7, Wed 8, Thu 8 h, Friday before opening none;
    # loan 2 (Tue 12:00 – Thu 12:00): 1 + 4 h on Tuesday, 8 h, 2 h on Thursday; Saturday
    # 11–12: 1 h; Monday: none.
    assert devices.reserved_hours == 23 + 15 + 1
    assert devices.utilization == pytest.approx(39 / 68)


def test_a_lunch_break_is_neither_available_nor_reserved(report_world):
    """Open 10–13 and 14–18 on Wednesday, 11 March (7 h, not the 8 h from opening to
    closing), 2 laptops: a booking 12:00–15:00 over the lunch break counts 2 h, a loan
    over the whole day 7 h; both laptops all day long are 100 %, not more."""
    library = report_world.library
    give_hours(library, {2: "10-13,14-18"})
    pool = DevicePool.objects.get(organization=library)
    wednesday = range_period(datetime.date(2026, 3, 11), datetime.date(2026, 3, 12))
    scope = organization_scope(library)
    ReservationFactory(pool=pool, start=at(11, 12), end=at(11, 15), quantity=1)
    devices = _report(report_world, scope, wednesday).devices
    assert devices.available_hours == 7 * 2
    assert devices.reserved_hours == 2

    ReservationFactory(pool=pool, start=at(10, 18), end=at(12, 9), quantity=1)  # the loan
    ReservationFactory(pool=pool, start=at(11, 10), end=at(11, 12), quantity=1)
    ReservationFactory(pool=pool, start=at(11, 15), end=at(11, 18), quantity=1)
    devices = _report(report_world, scope, wednesday).devices
    assert devices.reserved_hours == 2 + 7 + 2 + 3
    assert devices.utilization == 1


def test_the_lunch_break_of_a_special_day_counts_too(report_world):
    """Special hours replace the week's: Friday, 13 March 10–12 and 13–14 (3 h) at a library
    otherwise open 9–18 (Thursday: 9 h)."""
    library = report_world.library
    give_hours(library, {weekday: "9-18" for weekday in range(6)})
    for opens, closes in [(10, 12), (13, 14)]:
        SpecialHours.objects.create(
            organization=library,
            day=datetime.date(2026, 3, 13),
            opens=datetime.time(opens),
            closes=datetime.time(closes),
        )
    pool = DevicePool.objects.get(organization=library)
    ReservationFactory(pool=pool, start=at(13, 11), end=at(13, 18), quantity=1)
    period = range_period(datetime.date(2026, 3, 12), datetime.date(2026, 3, 14))
    devices = _report(report_world, organization_scope(library), period).devices
    assert devices.available_hours == (9 + 3) * 2
    assert devices.reserved_hours == 1 + 1


def test_the_explanation_says_available_hours_are_opening_hours():
    text = dict(definitions())["Utilization"]
    assert "libraries and providers: their opening hours" in text


def test_both_periods_from_one_scan_count_each_in_its_own_opening_hours(report_world, week):
    """build_report reads the reservations of the period and the one before it in one scan;
    each period's hours are clipped to that period's window (the library opened 9–13 the
    week before and 14–18 this week), as when each period is counted alone."""
    from reports.figures.calendar import build_calendars
    from reports.figures.devices import device_figures

    library = report_world.library
    before = week.start - datetime.timedelta(days=1)
    give_hours(library, {weekday: "9-13" for weekday in range(6)}, valid_until=before)
    give_hours(library, {weekday: "14-18" for weekday in range(6)}, valid_from=week.start)
    pool = library.pools.get()
    ReservationFactory(pool=pool, start=at(24, 10, month=2), end=at(24, 12, month=2))
    ReservationFactory(pool=pool, start=at(3, 15), end=at(3, 16))
    scope = organization_scope(library)
    report = _report(report_world, scope, week)
    organizations = scope.organizations()
    previous = report.previous_counted
    assert (
        build_calendars(organizations, previous)[library.pk].window_start
        != build_calendars(organizations, week)[library.pk].window_start
    )

    alone, _months = device_figures(organizations, previous, now=report_world.now)
    assert report.previous_devices.reserved_hours == alone.reserved_hours == 2
    assert report.previous_devices.available_hours == alone.available_hours
    this_week, _months = device_figures(organizations, week, now=report_world.now)
    assert report.devices.reserved_hours == this_week.reserved_hours
    assert report.devices.pools == this_week.pools
