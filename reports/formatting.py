"""One presentation of a Report for every renderer: the HTML page, the PDF and the CSV take
their rows, labels and numbers from here, so every number printed in one appears in the
others, rounded the same way.

Texts are in the active language. Numbers are formatted for it too (``1.234,5`` in German);
the CSV takes the same rounding without thousands separators or units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

# How many decimals each unit is printed with, everywhere.
DECIMALS = {"%": 1, "h": 1, "days": 1, "": 0}
# Column kinds besides the number units: a text (row header) and a date.
TEXT = "text"
DATE = "date"
MONTH = "month"


def _number(value: float | int, decimals: int, *, grouping: bool) -> str:
    # Half up, as people round (7.25 h → 7.3 h), not Python's half to even.
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return formats.number_format(
        rounded, decimal_pos=decimals, use_l10n=True, force_grouping=grouping
    )


def scaled(value: float | int, unit: str) -> float | int:
    """The number as printed: rates (fractions 0..1) as percent."""
    return value * 100 if unit == "%" else value


def decimals_for(value: float | int, unit: str) -> int:
    if unit == "" and isinstance(value, float) and not value.is_integer():
        return 1
    return DECIMALS.get(unit, 0)


def plain(value: Any, unit: str = "") -> str:
    """A number for the CSV: the same rounding as on the page, no grouping, no unit; empty
    when there is none (a rate whose denominator is 0)."""
    if value is None:
        return ""
    if unit == TEXT:
        return str(value)
    if unit == DATE:
        return value.isoformat()
    if unit == MONTH:
        return f"{value:%Y-%m}"
    return _number(scaled(value, unit), decimals_for(value, unit), grouping=False)


def unit_text(unit: str) -> str:
    return {"%": "%", "h": _("h"), "days": _("days")}.get(unit, "")


def display(value: Any, unit: str = "") -> str:
    """A number for people: grouped, with its unit; "–" when there is none."""
    if value is None:
        return "–"
    if unit == TEXT:
        return str(value)
    if unit == DATE:
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if unit == MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    number = _number(scaled(value, unit), decimals_for(value, unit), grouping=True)
    suffix = unit_text(unit)
    return f"{number} {suffix}" if suffix else number


def change(value: Any, previous: Any, unit: str = "") -> str:
    """The difference to the previous period: in percentage points for rates, in the
    figure's own unit otherwise; "–" when either is missing."""
    if value is None or previous is None:
        return "–"
    difference = scaled(value, unit) - scaled(previous, unit)
    decimals = max(decimals_for(value, unit), decimals_for(previous, unit))
    if _number(abs(difference), decimals, grouping=False).strip("0.,") == "":
        return _("no change")
    sign = "+" if difference > 0 else "-"
    number = _number(abs(difference), decimals, grouping=True)
    if unit == "%":
        return _("%(sign)s%(number)s percentage points") % {"sign": sign, "number": number}
    suffix = unit_text(unit)
    return f"{sign}{number} {suffix}" if suffix else f"{sign}{number}"


# ---------------------------------------------------------------------------------------
# Figures (label, value, previous) and tables


@dataclass
class Figure:
    key: str
    label: str
    value: Any
    previous: Any
    unit: str = ""

    @property
    def display(self) -> str:
        return display(self.value, self.unit)

    @property
    def previous_display(self) -> str:
        return display(self.previous, self.unit)

    @property
    def change(self) -> str:
        return change(self.value, self.previous, self.unit)


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure]


@dataclass
class Column:
    label: str
    unit: str = ""

    @property
    def is_number(self) -> bool:
        return self.unit not in (TEXT, DATE, MONTH)

    @property
    def csv_label(self) -> str:
        suffix = unit_text(self.unit)
        return f"{self.label} ({suffix})" if suffix else self.label


@dataclass
class DataTable:
    """A table whose first column names the row (a ``<th scope="row">``)."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)

    def display_rows(self) -> list[list[str]]:
        return [
            [display(value, column.unit) for value, column in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]

    def display_cells(self) -> list[list[tuple[str, Column]]]:
        """Each printed value with its column (the template right-aligns numbers)."""
        return [list(zip(row, self.columns, strict=True)) for row in self.display_rows()]

    def csv_rows(self) -> list[list[str]]:
        return [
            [plain(value, column.unit) for value, column in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]


def summary(report) -> list[Figure]:
    """The one-page summary: the report's key figures with the previous period's."""
    return [
        Figure(figure.key, str(figure.label), figure.value, figure.previous, figure.unit)
        for figure in report.key_figures()
    ]


def sections(report) -> list[Section]:
    devices, before = report.devices, report.previous_devices
    courses, earlier = report.courses, report.previous_courses

    def device(key: str, label: str, unit: str = "") -> Figure:
        return Figure(key, label, getattr(devices, key), getattr(before, key), unit)

    def course(key: str, label: str, unit: str = "") -> Figure:
        return Figure(key, label, getattr(courses, key), getattr(earlier, key), unit)

    return [
        Section(
            "devices",
            _("Devices"),
            [
                device("in_service", _("Devices in service")),
                device("in_repair", _("Devices in repair")),
                device("lost", _("Devices lost")),
                device("retired", _("Devices retired")),
                device("reserved_hours", _("Reserved device-hours"), "h"),
                device("available_hours", _("Available device-hours"), "h"),
                device("utilization", _("Utilization"), "%"),
                device("bookings_by_teachers", _("Bookings by teachers")),
                device("loans_to_residents", _("Loans to residents")),
                device("avg_loan_days", _("Average loan length"), "days"),
                device("overdue_rate", _("Returned late"), "%"),
                device("damage_rate", _("Returned damaged"), "%"),
                device("shortfalls", _("Shortfalls")),
            ],
        ),
        Section(
            "courses",
            _("Courses"),
            [
                course("offered", _("Courses offered")),
                course("meetings_held", _("Meetings held")),
                course("seats_offered", _("Seats offered")),
                course("enrolments", _("Enrolments")),
                course("fill_rate", _("Seats filled"), "%"),
                course("waiting", _("On waiting lists")),
                course("cancellations", _("Courses cancelled")),
                course("enrollment_cancellations", _("Enrolments cancelled")),
                course("attendance_rate", _("Attendance"), "%"),
                course("certificates", _("Certificates issued")),
            ],
        ),
    ]


def _group_table(key: str, title: str, first: str, groups) -> DataTable:
    return DataTable(
        key,
        title,
        [
            Column(first, TEXT),
            Column(_("Courses")),
            Column(_("Seats")),
            Column(_("Enrolments")),
            Column(_("Seats filled"), "%"),
            Column(_("Attendance"), "%"),
        ],
        [
            [g.label, g.courses, g.seats, g.enrolments, g.fill_rate, g.attendance_rate]
            for g in groups
        ],
    )


def tables(report) -> dict[str, DataTable]:
    devices, courses = report.devices, report.courses
    pools = devices.pools
    return {
        "pools": DataTable(
            "pools",
            _("Use per device pool"),
            [
                Column(_("Pool"), TEXT),
                Column(_("Organization"), TEXT),
                Column(_("Devices")),
                Column(_("Reserved"), "h"),
                Column(_("Available"), "h"),
                Column(_("Utilization"), "%"),
                Column(_("Bookings")),
                Column(_("Shortfalls")),
            ],
            [
                [
                    p.pool,
                    str(p.organization),
                    p.capacity,
                    p.reserved_hours,
                    p.available_hours,
                    p.utilization,
                    p.bookings,
                    p.shortfalls,
                ]
                for p in pools
            ],
        ),
        "lending": DataTable(
            "lending",
            _("Lending per device pool"),
            [
                Column(_("Pool"), TEXT),
                Column(_("Loans")),
                Column(_("Average loan length"), "days"),
                Column(_("Returned late"), "%"),
                Column(_("Returned damaged"), "%"),
            ],
            [
                [p.pool, p.loans, p.avg_loan_days, p.overdue_rate, p.damage_rate]
                for p in pools
                if p.loans
            ],
        ),
        "types": DataTable(
            "types",
            _("Use per device type"),
            [
                Column(_("Device type"), TEXT),
                Column(_("Devices")),
                Column(_("Reserved"), "h"),
                Column(_("Available"), "h"),
                Column(_("Utilization"), "%"),
            ],
            [
                [t.label, t.devices, t.reserved_hours, t.available_hours, t.utilization]
                for t in devices.by_type
            ],
        ),
        "peaks": DataTable(
            "peaks",
            _("Busiest days"),
            [Column(_("Day"), DATE), Column(_("Reserved"), "h")],
            [[day, hours] for day, hours in devices.peak_days],
        ),
        "topics": _group_table("topics", _("Courses by topic"), _("Topic"), courses.by_topic),
        "audiences": _group_table(
            "audiences", _("Courses by audience"), _("Audience"), courses.by_audience
        ),
        "trend": DataTable(
            "trend",
            _("Figures by month"),
            [
                Column(_("Month"), MONTH),
                Column(_("Utilization"), "%"),
                Column(_("Bookings")),
                Column(_("Loans")),
                Column(_("Enrolments")),
                Column(_("Attendance"), "%"),
            ],
            [
                [m.month, m.utilization, m.bookings, m.loans, m.enrolments, m.attendance_rate]
                for m in report.trend
            ],
        ),
    }


def definitions() -> list[tuple[str, str]]:
    """ "How the figures are counted", for the page and the PDF."""
    return [
        (
            _("Utilization"),
            _(
                "Reserved device-hours divided by available device-hours. Available: every "
                "open day (a day the organization is open by its opening hours and not a "
                "closure day, which for schools includes school holidays; without opening hours "
                "on record Monday to Friday for schools, Monday to Saturday for others) times "
                "the day's opening window (schools: start of the first to end of the last "
                "lesson period; libraries and providers: their opening hours, from the earliest "
                "opening to the latest closing; without opening hours on record 08:00–20:00) "
                "times the devices in service. Devices in "
                "repair or lost are not available. Reserved: devices times hours of each "
                "confirmed booking inside the open days' windows, so a 14-day loan counts only "
                "its hours within opening windows."
            ),
        ),
        (
            _("Devices in service"),
            _(
                "Devices in service, in repair, lost and retired are counted at the end of "
                "the period. For the available hours, the devices in service on each day are "
                "worked out from the devices' history of status changes."
            ),
        ),
        (
            _("Bookings by teachers"),
            _(
                "Confirmed bookings starting in the period, of pools that are not lent to "
                "residents, without the bookings made for course dates."
            ),
        ),
        (
            _("Loans to residents"),
            _("Loans handed out in the period from pools lent to residents."),
        ),
        (
            _("Average loan length"),
            _("From hand-out to return, in days, of the loans that ended in the period."),
        ),
        (
            _("Returned late"),
            _(
                "Loans handed out in the period that came back after their due date or are "
                "still out past it, divided by the loans handed out."
            ),
        ),
        (
            _("Returned damaged"),
            _(
                "Devices returned in the period damaged or with missing parts, divided by "
                "the devices returned."
            ),
        ),
        (
            _("Shortfalls"),
            _(
                "Confirmed bookings starting in the period that lost devices after they were "
                "booked, because devices went to repair or were lost."
            ),
        ),
        (
            _("Courses offered"),
            _(
                "Published or cancelled courses with a date in the period. Seats: the "
                "capacity of the published ones; enrolments: their confirmed participants; "
                "fill rate: enrolments divided by seats."
            ),
        ),
        (
            _("Meetings held"),
            _("Dates of published courses that began in the period."),
        ),
        (
            _("Attendance"),
            _(
                "Attendances recorded as present divided by confirmed participants times "
                "the meetings held in the period."
            ),
        ),
        (
            _("Certificates issued"),
            _("Certificates of participation issued in the period."),
        ),
        (
            _("Previous period"),
            _(
                "The period of the same length just before: the month before, the school "
                "year before, or as many days before. Changes of rates are in percentage "
                "points."
            ),
        ),
    ]
