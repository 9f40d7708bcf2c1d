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


@dataclass
class PoolRow:
    pool_id: int
    pool: str
    organization: str
    kinds: str  # the kinds of its devices in service, e.g. "Tablet, Laptop"
    capacity: int  # devices in service at the end of the period
    reserved_hours: float
    available_hours: float
    utilization: float | None
    bookings: int  # bookings by teachers (0 for pools lent to residents)
    loans: int  # loans handed out from the pool in the period
    avg_loan_days: float | None
    overdue_rate: float | None
    damage_rate: float | None
    shortfalls: int


@dataclass
class TypeRow:
    kind: str  # DeviceType.Kind value
    label: str
    devices: int  # devices of this kind in service in the scope's pools
    reserved_hours: float
    available_hours: float
    utilization: float | None


@dataclass
class DeviceFigures:
    in_service: int
    in_repair: int
    lost: int
    retired: int
    reserved_hours: float
    available_hours: float
    utilization: float | None
    bookings_by_teachers: int
    loans_to_residents: int
    avg_loan_days: float | None
    overdue_rate: float | None
    damage_rate: float | None
    shortfalls: int
    peak_days: list[tuple[datetime.date, float]] = field(default_factory=list)
    pools: list[PoolRow] = field(default_factory=list)
    by_type: list[TypeRow] = field(default_factory=list)


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


@dataclass
class MonthRow:
    month: datetime.date  # its first day
    utilization: float | None
    bookings: int
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


@dataclass
class Report:
    scope: Scope
    period: Period
    generated_at: datetime.datetime
    devices: DeviceFigures
    courses: CourseFigures
    previous_devices: DeviceFigures
    previous_courses: CourseFigures
    trend: list[MonthRow]

    @property
    def previous_period(self) -> Period:
        return self.period.previous()

    def key_figures(self) -> list[KeyFigure]:
        """The one-page summary, each figure beside the previous period's."""
        d, pd, c, pc = self.devices, self.previous_devices, self.courses, self.previous_courses
        rows = [
            ("utilization", _("Utilization"), d.utilization, pd.utilization, "%"),
            ("devices_in_service", _("Devices in service"), d.in_service, pd.in_service, ""),
            (
                "bookings",
                _("Bookings by teachers"),
                d.bookings_by_teachers,
                pd.bookings_by_teachers,
                "",
            ),
            ("loans", _("Loans to residents"), d.loans_to_residents, pd.loans_to_residents, ""),
            ("overdue_rate", _("Returned late"), d.overdue_rate, pd.overdue_rate, "%"),
            ("damage_rate", _("Returned damaged"), d.damage_rate, pd.damage_rate, "%"),
            ("courses", _("Courses offered"), c.offered, pc.offered, ""),
            ("enrolments", _("Enrolments"), c.enrolments, pc.enrolments, ""),
            ("fill_rate", _("Seats filled"), c.fill_rate, pc.fill_rate, "%"),
            ("attendance_rate", _("Attendance"), c.attendance_rate, pc.attendance_rate, "%"),
            ("certificates", _("Certificates"), c.certificates, pc.certificates, ""),
        ]
        return [KeyFigure(*row) for row in rows]
