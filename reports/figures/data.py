"""The plain data a report is made of. The HTML page, the PDF and the CSV render these."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from reports.periods import Period
from reports.scope import Scope


def rate(part: float, whole: float) -> float | None:
    """part ÷ whole as a fraction, or None when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass(kw_only=True)
class UseFigures:
    """The use of some device pools (one pool, one organization's, a district's, the scope's),
    every one summed from the same per-pool counts (``figures.devices.totals``), so the rows
    of a table add up to its total."""

    avg_in_service: float  # devices in service, averaged over the period's days
    reserved_hours: float
    available_hours: float
    utilization: float | None
    bookings_by_teachers: int  # confirmed bookings of pools not lent to residents
    handouts: int  # hand-outs of teachers' bookings (loans from pools not lent to residents)
    avg_handout_hours: float | None  # of the hand-outs that ended in the period
    handouts_overdue_rate: float | None
    loans_to_residents: int  # loans from pools lent to residents
    avg_loan_days: float | None  # of the loans to residents that ended in the period
    overdue_rate: float | None  # loans to residents returned late ÷ loans to residents
    damage_rate: float | None  # devices returned damaged ÷ devices returned (any pool)
    shortfalls: int


@dataclass(kw_only=True)
class PoolRow(UseFigures):
    pool_id: int
    pool: str
    organization_id: int
    organization: str
    residents: bool  # lent to residents (else booked by teachers)
    kinds: str  # the kinds of its devices in service, e.g. "Tablet, Laptop"
    capacity: int  # devices in service at the end of the period


@dataclass
class TypeRow:
    kind: str  # DeviceType.Kind value
    label: str
    devices: int  # devices of this kind in service in the scope's pools
    reserved_hours: float
    available_hours: float
    utilization: float | None


@dataclass(kw_only=True)
class DeviceFigures(UseFigures):
    in_service: int  # at the end of the period, as the in_repair, lost and retired
    in_repair: int
    lost: int
    retired: int
    avg_in_repair: float = 0.0  # devices in repair, averaged over the period's days
    peak_days: list[tuple[datetime.date, float]] = field(default_factory=list)
    pools: list[PoolRow] = field(default_factory=list)
    by_type: list[TypeRow] = field(default_factory=list)
    # pool id → the counts its row is made of (what ``figures.devices.totals`` adds up)
    pool_counts: dict[int, dict[str, float]] = field(default_factory=dict, repr=False)

    @property
    def has_data(self) -> bool:
        """Whether there was anything to count: a device in a pool, a booking or a loan."""
        return bool(
            self.in_service
            or self.in_repair
            or self.lost
            or self.avg_in_service
            or self.bookings_by_teachers
            or self.handouts
            or self.loans_to_residents
        )


@dataclass
class GroupRow:
    key: str  # Topic or Audience value
    label: str
    courses: int
    seats: int
    enrolments: int
    fill_rate: float | None
    attendance_rate: float | None


@dataclass
class CourseFigures:
    offered: int
    meetings_held: int
    seats_offered: int
    enrolments: int
    fill_rate: float | None
    waiting: int
    cancellations: int  # courses cancelled
    enrollment_cancellations: int
    attendance_rate: float | None
    certificates: int
    by_topic: list[GroupRow] = field(default_factory=list)
    by_audience: list[GroupRow] = field(default_factory=list)
    # organization id → its "courses", "enrolments", "present" and "expected" counts
    by_organization: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return bool(self.offered or self.certificates)


@dataclass(kw_only=True)
class AreaRow(UseFigures):
    """One organization's or one district's figures, for the tables of a district or the
    region: the devices' from the same per-pool counts as the per-pool table, the courses'
    from the same groups as the course figures."""

    key: str  # the organization's or district's slug
    name: str
    district: str  # the district's name (itself, for a district's row)
    in_service: int  # at the end of the period: the sum of its pools' devices
    courses: int
    enrolments: int
    attendance_rate: float | None


@dataclass
class MonthRow:
    month: datetime.date  # its first day
    utilization: float | None
    bookings: int
    handouts: int
    loans: int
    enrolments: int
    attendance_rate: float | None


@dataclass
class KeyFigure:
    key: str
    label: str
    value: float | int | None
    previous: float | int | None
    unit: str  # "" (a count), "%" (a fraction 0..1: show ×100), "h", "days"
    comparable: bool = True  # False: the previous period has no data


@dataclass
class Report:
    scope: Scope
    period: Period  # as asked for (its key is in the page's links)
    generated_at: datetime.datetime
    devices: DeviceFigures
    courses: CourseFigures
    previous_devices: DeviceFigures
    previous_courses: CourseFigures
    trend: list[MonthRow]
    # What was counted: the period up to today while it runs, and as many days of the
    # period before it.
    counted: Period | None = None
    previous_counted: Period | None = None
    organizations: list[AreaRow] = field(default_factory=list)
    districts: list[AreaRow] = field(default_factory=list)

    @property
    def previous_period(self) -> Period:
        return self.previous_counted or self.period.previous()

    @property
    def is_running(self) -> bool:
        """The period has not ended yet: it is counted up to today."""
        return self.counted is not None and self.counted.end < self.period.end

    @property
    def has_data(self) -> bool:
        return self.devices.has_data or self.courses.has_data

    @property
    def has_previous_data(self) -> bool:
        return self.previous_devices.has_data or self.previous_courses.has_data

    def key_figures(self) -> list[KeyFigure]:
        """The one-page summary, each figure beside the previous period's (not comparable
        where the previous period has no data)."""
        d, pd, c, pc = self.devices, self.previous_devices, self.courses, self.previous_courses
        rows = [
            ("utilization", _("Utilization"), d.utilization, pd.utilization, "%"),
            (
                "devices_in_service",
                _("Devices in service at the end of the period"),
                d.in_service,
                pd.in_service,
                "",
            ),
            (
                "avg_in_service",
                _("Devices in service on average over the period"),
                d.avg_in_service,
                pd.avg_in_service,
                "",
            ),
            (
                "bookings",
                _("Bookings by teachers"),
                d.bookings_by_teachers,
                pd.bookings_by_teachers,
                "",
            ),
            ("handouts", _("Hand-outs of teachers' bookings"), d.handouts, pd.handouts, ""),
            ("loans", _("Loans to residents"), d.loans_to_residents, pd.loans_to_residents, ""),
            ("overdue_rate", _("Loans returned late"), d.overdue_rate, pd.overdue_rate, "%"),
            ("damage_rate", _("Devices returned damaged"), d.damage_rate, pd.damage_rate, "%"),
            ("courses", _("Courses offered"), c.offered, pc.offered, ""),
            ("enrolments", _("Enrolments"), c.enrolments, pc.enrolments, ""),
            ("fill_rate", _("Seats filled"), c.fill_rate, pc.fill_rate, "%"),
            ("attendance_rate", _("Attendance"), c.attendance_rate, pc.attendance_rate, "%"),
            ("certificates", _("Certificates"), c.certificates, pc.certificates, ""),
        ]
        # The device figures compare where the previous period had devices, bookings or
        # loans; the course figures where it had courses (a provider's first year of courses
        # has nothing to compare with, even if it lent devices the year before).
        course_keys = {"courses", "enrolments", "fill_rate", "attendance_rate", "certificates"}
        return [
            KeyFigure(
                *row,
                comparable=(pc.has_data if row[0] in course_keys else pd.has_data),
            )
            for row in rows
        ]
