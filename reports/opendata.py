"""Open data: anonymised statistics per organization and month.

Public, for anyone (``GET /api/v1/statistics`` and ``/opendata/statistics.csv``). Every
figure is an SQL aggregate grouped by organization and month; the number of queries does not
grow with the number of organizations or rows. Nothing here is about one person:

- Counts of things people did (bookings, loans, enrolments) between 1 and 4 are published as
  ``"< 5"`` (``SMALL_COUNT``), so that nobody can be singled out in a small library or a small
  course. 0 stays 0: it says nothing about anyone.
- The attendance rate is left out (``None``) where its enrolments are published as ``"< 5"``,
  or where the people present or absent (over the month's meetings) are between 1 and 4:
  with the enrolments beside it, the rate would give that small number away.
- Devices, utilization, courses and meetings are about equipment and offers, not people, and
  stay exact.

Months are calendar months in Europe/Berlin. A course that meets in two months counts in both
(with its enrolments), so months of courses do not add up to a longer period.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from booking.models import Loan
from core import spreadsheet
from core.dates import local_datetime
from core.replica import reading_from_replica
from courses.models import Attendance, Course, Enrollment, Meeting
from devices.models import Device, DeviceEvent, DevicePool
from organizations.models import District, Organization

from .figures import use_by_org_month
from .periods import Period, parse_period, range_period
from .scope import SLUG, Scope, district_scope, organization_scope, region_scope

# The longest period one request may ask for: two school years of months.
MAX_MONTHS = 24
# Counts of people's actions below this are published as SMALL_COUNT.
SMALL_COUNT_LIMIT = 5
SMALL_COUNT = "< 5"
DEFAULT_CACHE_SECONDS = 3600
DEFAULT_LICENSE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}

type PublicCount = int | str


def open_data_license() -> dict[str, str]:
    """The licence under which the statistics are published (name and URL)."""
    return dict(getattr(settings, "LERNPOOL_OPEN_DATA_LICENSE", DEFAULT_LICENSE))


def public_count(value: int) -> PublicCount:
    """``value``, or ``"< 5"`` when it is 1–4 and could point to a person."""
    return SMALL_COUNT if 0 < value < SMALL_COUNT_LIMIT else value


# Without ?period=, the current calendar year: a plain link to the CSV always works.
DEFAULT_PERIOD = "this-year"


def public_period(value: str, *, today: datetime.date | None = None) -> Period:
    """The period of ``value`` (as in ``parse_period``), at most MAX_MONTHS months long.
    Raises ValueError with a translated message."""
    period = parse_period((value or "").strip() or DEFAULT_PERIOD, today=today)
    if period.start.day != 1 or period.end.day != 1:
        # Rows are whole months: a range counted to the day would let anyone subtract two
        # answers (1–28 February from February) and find a count below 5.
        months = period.months()
        period = range_period(months[0], _next_month(months[-1]))
    if len(period.months()) > MAX_MONTHS:
        raise ValueError(
            _("Please choose a period of at most %(months)d months.") % {"months": MAX_MONTHS}
        )
    return period


def public_scope(value: str) -> Scope:
    """``region``, ``district:<slug>`` or ``org:<slug>`` of any organization: the statistics
    are anonymised, so every scope is public. Raises ValueError (translated)."""
    value = (value or "region").strip()
    kind, _colon, slug = value.partition(":")
    if value == "region":
        return region_scope()
    # A well-formed slug only: garbage (a NUL byte breaks PostgreSQL) never reaches the database.
    if kind == "district" and SLUG.match(slug):
        district = District.objects.filter(slug=slug).first()
        if district is not None:
            return district_scope(district)
    elif kind == "org" and SLUG.match(slug):
        organization = Organization.objects.filter(slug=slug).first()
        if organization is not None:
            return organization_scope(organization)
    raise ValueError(
        _(
            "Unknown scope “%(scope)s”. Please use “region”, “district:<short name>” or "
            "“org:<short name>”."
        )
        % {"scope": value[:100]}
    )


@dataclass(frozen=True)
class StatisticsRow:
    organization_id: int
    organization: str
    organization_kind: str
    district: str
    month: datetime.date
    devices_in_service: int
    utilization: int | None  # whole per cent of available device-hours; None: none available
    bookings: PublicCount
    loans: PublicCount
    courses: int
    meetings: int
    enrolments: PublicCount
    attendance: int | None  # whole per cent; None: no meetings, or too few people to publish

    @property
    def month_key(self) -> str:
        return f"{self.month:%Y-%m}"


@dataclass(frozen=True)
class Statistics:
    scope: Scope
    period: Period
    license: dict[str, str]
    rows: list[StatisticsRow]


def cached_statistics(*, scope: Scope, period: Period) -> Statistics:
    """``build_statistics`` through the cache (``LERNPOOL_OPEN_DATA_CACHE_SECONDS``, one hour
    by default): the endpoints are public, and a region's year takes seconds to count
    (bench/README.md). Labels are translated, so the language is part of the key."""
    key = f"opendata:statistics:{get_language()}:{scope.key}:{period.key}"
    seconds = getattr(settings, "LERNPOOL_OPEN_DATA_CACHE_SECONDS", DEFAULT_CACHE_SECONDS)
    rows = cache.get(key)
    if rows is None:
        rows = build_statistics(scope=scope, period=period).rows
        cache.set(key, rows, seconds)
    return Statistics(scope=scope, period=period, license=open_data_license(), rows=rows)


# --- the figures ------------------------------------------------------------------------


def _organizations(scope: Scope) -> list[Organization]:
    """Inactive organizations too, as in the reports: their history counts."""
    return list(
        scope.organizations().select_related("district").order_by("district__name", "name", "pk")
    )


def _month(field: str) -> TruncMonth:
    return TruncMonth(field, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _month_date(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value, ZoneInfo(settings.TIME_ZONE)).date()
    return value.replace(day=1)


def _by_org_month(rows, organization_key: str, value_key: str = "n") -> dict:
    return {(row[organization_key], _month_date(row["month"])): row[value_key] for row in rows}


def _devices_in_service(ids: list[int], months: list[datetime.date], until: datetime.date) -> dict:
    """Devices in service per organization at the end of each month, as the report counts
    them (reports.figures.devices._status_counts): the devices of its pools added before the
    month ended, with today's status wound back through the status changes since. Two
    queries."""
    # The end of each month, or of the period when it ends in the month (today, while the
    # month runs).
    ends = {
        month: local_datetime(min(_next_month(month), until), datetime.time()) for month in months
    }
    counts: dict = defaultdict(int)
    rows = (
        Device.objects.filter(pool__organization_id__in=ids, status=Device.Status.IN_SERVICE)
        .values(owner=F("pool__organization_id"))
        .annotate(
            **{
                f"m{index}": Count("pk", filter=Q(created_at__lt=ends[month]))
                for index, month in enumerate(months)
            }
        )
        .order_by()
    )
    for row in rows:
        for index, month in enumerate(months):
            counts[row["owner"], month] += row[f"m{index}"]
    # A change after the month's end is undone: +1 if the device left service, -1 if it came
    # into service.
    undo = Case(When(from_status=Device.Status.IN_SERVICE, then=Value(1)), default=Value(0)) - Case(
        When(to_status=Device.Status.IN_SERVICE, then=Value(1)), default=Value(0)
    )
    changes = (
        DeviceEvent.objects.filter(
            device__pool__organization_id__in=ids, kind=DeviceEvent.Kind.STATUS
        )
        .values(owner=F("device__pool__organization_id"))
        .annotate(
            **{
                f"m{index}": Sum(
                    undo,
                    filter=Q(created_at__gte=ends[month], device__created_at__lt=ends[month]),
                    output_field=IntegerField(),
                )
                for index, month in enumerate(months)
            }
        )
        .order_by()
    )
    for row in changes:
        for index, month in enumerate(months):
            counts[row["owner"], month] += row[f"m{index}"] or 0
    return {key: max(count, 0) for key, count in counts.items()}


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def build_statistics(
    *, scope: Scope, period: Period, now: datetime.datetime | None = None
) -> Statistics:
    """The open-data rows of ``scope`` in ``period``: one per organization and month, zeros
    included, ordered by district, organization and month.
    Read from the replica where there is one (core.replica)."""
    with reading_from_replica():
        now = now or timezone.now()
        organizations = _organizations(scope)
        ids = [organization.pk for organization in organizations]
        asked = period
        # As in the reports: up to today, never a planned booking of a day still to come.
        period = period.up_to(timezone.localdate(now))
        months = period.months()
        start = local_datetime(period.start, datetime.time())
        end = local_datetime(period.end, datetime.time())
        rows: list[StatisticsRow] = []
        figures = _figures(ids, period, months, start, end, now) if ids else {}
        for organization in organizations:
            for month in months:
                key = (organization.pk, month)
                reserved, available = figures["utilization"].get(key, (0.0, 0.0))
                enrolments = figures["enrolments"].get(key, 0)
                expected = figures["expected"].get(key, 0)
                present = figures["present"].get(key, 0)
                attendance = None
                # With the enrolments published, an exact rate gives away how many were present
                # and how many were absent: left out when either of them is a small count.
                if (
                    expected
                    and not 0 < enrolments < SMALL_COUNT_LIMIT
                    and not 0 < present < SMALL_COUNT_LIMIT
                    and not 0 < expected - present < SMALL_COUNT_LIMIT
                ):
                    attendance = round(100 * present / expected)
                rows.append(
                    StatisticsRow(
                        organization_id=organization.pk,
                        organization=organization.name,
                        organization_kind=organization.kind,
                        district=organization.district.name,
                        month=month,
                        devices_in_service=figures["devices"].get(key, 0),
                        utilization=round(100 * reserved / available) if available else None,
                        bookings=public_count(figures["bookings"].get(key, 0)),
                        loans=public_count(figures["loans"].get(key, 0)),
                        courses=figures["courses"].get(key, 0),
                        meetings=figures["meetings"].get(key, 0),
                        enrolments=public_count(enrolments),
                        attendance=attendance,
                    )
                )
        return Statistics(scope=scope, period=asked, license=open_data_license(), rows=rows)


def _figures(ids, period, months, start, end, now) -> dict[str, dict]:
    """Every figure as {(organization id, month): value}, from one query each (and what
    ``use_by_org_month`` needs)."""

    loans = (
        Loan.objects.filter(
            pool__organization_id__in=ids,
            pool__booking_scope=DevicePool.Scope.RESIDENTS,
            handed_out_at__gte=start,
            handed_out_at__lt=end,
        )
        .annotate(month=_month("handed_out_at"))
        .values("pool__organization_id", "month")
        .annotate(n=Count("pk"))
    )
    offered = Meeting.objects.filter(
        course__organization_id__in=ids,
        course__status__in=[Course.Status.PUBLISHED, Course.Status.CANCELLED],
        start__gte=start,
        start__lt=end,
    )
    held = Meeting.objects.filter(
        course__organization_id__in=ids,
        course__status=Course.Status.PUBLISHED,
        start__gte=start,
        start__lt=min(end, now),
    )
    courses = (
        offered.annotate(month=_month("start"))
        .values("course__organization_id", "month")
        .annotate(n=Count("course_id", distinct=True))
    )
    meetings = (
        held.annotate(month=_month("start"))
        .values("course__organization_id", "month")
        .annotate(n=Count("pk"))
    )
    enrolments = (
        Enrollment.objects.confirmed()
        .filter(
            course__organization_id__in=ids,
            course__status__in=[Course.Status.PUBLISHED, Course.Status.CANCELLED],
            course__meetings__start__gte=start,
            course__meetings__start__lt=end,
        )
        .annotate(month=_month("course__meetings__start"))
        .values("course__organization_id", "month")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    # Attendance rate: present rows ÷ (confirmed enrolments × meetings held), per month.
    expected = (
        held.filter(course__enrollments__status=Enrollment.Status.CONFIRMED)
        .annotate(month=_month("start"))
        .values("course__organization_id", "month")
        .annotate(n=Count("course__enrollments"))
    )
    present = (
        Attendance.objects.filter(
            present=True,
            enrollment__status=Enrollment.Status.CONFIRMED,
            meeting__in=held,
        )
        .annotate(month=_month("meeting__start"))
        .values("meeting__course__organization_id", "month")
        .annotate(n=Count("pk"))
    )
    # Bookings by teachers (confirmed, not of course meetings, not in pools lent to
    # residents) are counted in the same scan of the period's reservations as the hours.
    utilization, bookings = use_by_org_month(ids, period)
    return {
        "devices": _devices_in_service(ids, months, period.end),
        "utilization": utilization,
        "bookings": bookings,
        "loans": _by_org_month(loans.order_by(), "pool__organization_id"),
        "courses": _by_org_month(courses.order_by(), "course__organization_id"),
        "meetings": _by_org_month(meetings.order_by(), "course__organization_id"),
        "enrolments": _by_org_month(enrolments, "course__organization_id"),
        "expected": _by_org_month(expected.order_by(), "course__organization_id"),
        "present": _by_org_month(present.order_by(), "meeting__course__organization_id"),
    }


# --- CSV ----------------------------------------------------------------------------------

CSV_COLUMNS = [
    "organization_id",
    "organization",
    "organization_kind",
    "district",
    "month",
    "devices_in_service",
    "utilization_percent",
    "bookings",
    "loans",
    "courses",
    "meetings",
    "enrolments",
    "attendance_percent",
]


def statistics_csv(statistics: Statistics) -> str:
    """The rows as CSV (RFC 4180: comma, double quotes, CRLF; UTF-8 without BOM), with a
    header of the same machine names as the API. Empty cells: no figure."""
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer, delimiter=",")
    writer.writerow(CSV_COLUMNS)
    for row in statistics.rows:
        writer.writerow(
            [
                row.organization_id,
                row.organization,
                row.organization_kind,
                row.district,
                row.month_key,
                row.devices_in_service,
                "" if row.utilization is None else row.utilization,
                row.bookings,
                row.loans,
                row.courses,
                row.meetings,
                row.enrolments,
                "" if row.attendance is None else row.attendance,
            ]
        )
    return buffer.getvalue()
