"""The figures of a usage report, from SQL aggregates: one function, ``build_report``, returns
the plain data that the HTML page, the PDF and the CSV render.

How the figures are counted (the report page repeats this for its readers):

- Utilization = reserved device-hours ÷ available device-hours. Available: each open day ×
  the day's window × the pool's devices in service that day. A day is open unless it is a
  Sunday, a Saturday at a school, or a closure of the organization (its own closures, public
  holidays and, for schools, school holidays). The window is the first lesson's start to the
  last lesson's end at schools, 08:00–20:00 elsewhere (and at schools without lesson
  periods). Devices in service on a day are today's, wound back through the devices'
  history of status changes; devices in repair, lost or retired are not available.
  Reserved: quantity × the hours of each confirmed reservation that fall inside the open
  days' windows (a 14-day loan counts only its open hours), to the minute.
- Bookings by teachers: confirmed reservations starting in the period in pools not lent to
  residents, not counting the reservations of course meetings.
- Loans to residents: loans handed out in the period from pools lent to residents. Average
  loan length: of such loans returned in the period. Returned late: loans handed out in the
  period that came back after their due date or are still out past it.
- Returned damaged: devices returned in the period (from any pool) damaged or with missing
  parts ÷ devices returned.
- Shortfalls: confirmed reservations starting in the period that lost devices after booking.
- Devices in service, in repair, lost, retired: at the end of the period; in service and in
  repair also on average over the period's days.
- Courses offered: published or cancelled courses with a meeting in the period. Seats,
  enrolments (confirmed), waiting and cancelled enrolments count the published ones.
  Meetings held: meetings of published courses that started in the period (and before now).
  Attendance = present ÷ (confirmed enrolments × meetings held). Certificates: issued in the
  period.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

from core.replica import reading_from_replica
from reports.periods import Period
from reports.scope import ORGANIZATION, Scope

from .calendar import build_calendars
from .courses import MonthlyCourses, course_figures
from .data import (
    AreaRow,
    CourseFigures,
    DeviceFigures,
    GroupRow,
    KeyFigure,
    MonthRow,
    PoolRow,
    Report,
    TypeRow,
    rate,
)
from .devices import (
    MonthlyDevices,
    device_figures,
    period_usages,
    totals,
    use_by_org_month,
    utilization_by_org_month,
)

__all__ = [
    "AreaRow",
    "CourseFigures",
    "DeviceFigures",
    "GroupRow",
    "KeyFigure",
    "MonthRow",
    "PoolRow",
    "Report",
    "TypeRow",
    "build_report",
    "report_size",
    "use_by_org_month",
    "utilization_by_org_month",
]

Progress = Callable[[int, str], None]


def _no_progress(percent: int, message: str) -> None:
    pass


def counted_periods(period: Period, today: datetime.date) -> tuple[Period, Period]:
    """What a report counts: the period up to and including today while it runs (never a
    day that has not happened), and as many days of the period before it, so that both
    sides of a comparison cover the same stretch of time."""
    counted = period.up_to(today)
    previous = period.previous()
    if counted.end < period.end:
        previous = previous.up_to(previous.start + datetime.timedelta(days=counted.days - 1))
    return counted, previous


def build_report(
    *,
    scope: Scope,
    period: Period,
    progress: Progress | None = None,
    now: datetime.datetime | None = None,
) -> Report:
    """Every figure of the scope over the period and the period before it, and the months.
    The number of queries does not grow with the number of reservations, loans, enrolments
    or organizations. ``progress(percent, message)`` is told how far it got.
    Read from the replica where there is one (core.replica)."""
    with reading_from_replica():
        progress = progress or _no_progress
        now = now or timezone.now()
        counted, previous = counted_periods(period, timezone.localdate(now))
        organizations = scope.organizations()
        progress(5, _("Counting device hours"))
        calendars = build_calendars(organizations, counted)
        previous_calendars = build_calendars(organizations, previous)
        # Both periods' reservations in one scan, grouped by pool and day.
        previous_usage, usage = period_usages(organizations, [previous_calendars, calendars])
        devices, device_months = device_figures(
            organizations, counted, now=now, calendars=calendars, usage=usage
        )
        progress(40, _("Counting courses"))
        courses, course_months = course_figures(organizations, counted, now=now)
        progress(55, _("Counting the previous period"))
        previous_devices, _months = device_figures(
            organizations,
            previous,
            now=now,
            calendars=previous_calendars,
            usage=previous_usage,
        )
        progress(85, _("Counting the previous period's courses"))
        previous_courses, _months = course_figures(organizations, previous, now=now)
        progress(100, _("Done"))
        organization_rows, district_rows = area_rows(scope, devices, courses)
        return Report(
            scope=scope,
            period=period,
            generated_at=now,
            devices=devices,
            courses=courses,
            previous_devices=previous_devices,
            previous_courses=previous_courses,
            trend=_trend(counted, device_months, course_months),
            counted=counted,
            previous_counted=previous,
            organizations=organization_rows,
            districts=district_rows,
        )


def area_rows(
    scope: Scope, devices: DeviceFigures, courses: CourseFigures
) -> tuple[list[AreaRow], list[AreaRow]]:
    """One row per organization and one per district of a district's or the region's report
    (none for one organization's), each summed from the per-pool counts and the course
    groups that the scope's figures are summed from. One query (the organizations)."""
    if scope.kind == ORGANIZATION:
        return [], []
    organizations = list(
        scope.organizations()
        .order_by("name", "pk")
        .values_list("pk", "name", "slug", "district__name", "district__slug")
    )
    district_of = {pk: (district, slug) for pk, _name, _slug, district, slug in organizations}
    pools_of: dict[int, list[int]] = defaultdict(list)
    for pool in devices.pools:
        pools_of[pool.organization_id].append(pool.pool_id)
    capacity = {pool.pool_id: pool.capacity for pool in devices.pools}

    def row(key: str, name: str, district: str, organization_ids: list[int]) -> AreaRow:
        pool_ids = [pool_id for pk in organization_ids for pool_id in pools_of[pk]]
        course_counts: dict[str, int] = defaultdict(int)
        for pk in organization_ids:
            for count, value in courses.by_organization.get(pk, {}).items():
                course_counts[count] += value
        return AreaRow(
            key=key,
            name=name,
            district=district,
            in_service=sum(capacity[pool_id] for pool_id in pool_ids),
            courses=course_counts["courses"],
            enrolments=course_counts["enrolments"],
            attendance_rate=rate(course_counts["present"], course_counts["expected"]),
            **totals(devices.pool_counts[pool_id] for pool_id in pool_ids),
        )

    organization_rows = [
        row(slug, name, district, [pk])
        for pk, name, slug, district, _district_slug in organizations
    ]
    by_district: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, (district, slug) in district_of.items():
        by_district[district, slug].append(pk)
    district_rows = [
        row(slug, district, district, ids) for (district, slug), ids in sorted(by_district.items())
    ]
    return organization_rows, district_rows


def _trend(
    period: Period,
    devices: dict[datetime.date, MonthlyDevices],
    courses: dict[datetime.date, MonthlyCourses],
) -> list[MonthRow]:
    return [
        MonthRow(
            month=month,
            utilization=rate(devices[month].reserved, devices[month].available),
            bookings=devices[month].bookings,
            handouts=devices[month].handouts,
            loans=devices[month].loans,
            enrolments=courses[month].enrolments,
            attendance_rate=courses[month].attendance_rate,
        )
        for month in period.months()
    ]


def report_size(scope: Scope, period: Period) -> int:
    """A cheap measure of the work a report takes: organizations × days (one query)."""
    return scope.organizations().count() * period.days
