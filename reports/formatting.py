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


def change(value: Any, previous: Any, unit: str = "", *, comparable: bool = True) -> str:
    """The difference to the previous period: in percentage points for rates, in the
    figure's own unit otherwise; "–" when either is missing; "no comparison data" when the
    previous period has no data at all (a difference to it would mean nothing)."""
    if not comparable:
        return _("no comparison data")
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
    comparable: bool = True  # False: the previous period has no data

    @property
    def display(self) -> str:
        return display(self.value, self.unit)

    @property
    def previous_display(self) -> str:
        return display(self.previous if self.comparable else None, self.unit)

    @property
    def previous_plain(self) -> str:
        return plain(self.previous if self.comparable else None, self.unit)

    @property
    def change(self) -> str:
        return change(self.value, self.previous, self.unit, comparable=self.comparable)


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure]


@dataclass
class Column:
    label: str
    unit: str = ""
    key: str = ""  # what ``?sort=`` names it by (sortable tables only)

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
    sortable: bool = False
    sorted_by: str = ""  # the key of the column the rows are sorted by ("": as built)
    descending: bool = False
    # (column, sort link, aria-sort value, hint) per column of a sortable table (reports.html)
    headers: list = field(default_factory=list)
    # Each column's share of the width in per cent, set for paper only (reports.pdf): the PDF
    # lays the table out with these instead of measuring every cell.
    column_widths: list = field(default_factory=list)
    # Set for paper only (reports.pdf), on a table too long to print: what the PDF prints
    # instead (how many rows, the attached file, an extract).
    extract: Any = None

    def sort(self, column_key: str, *, descending: bool = False) -> bool:
        """Sort the rows by the column with ``column_key`` (rows without a value last);
        False, and the rows as they were, when the table has no such column."""
        keys = [column.key for column in self.columns]
        if not self.sortable or not column_key or column_key not in keys:
            return False
        index = keys.index(column_key)
        present = [row for row in self.rows if row[index] is not None]
        missing = [row for row in self.rows if row[index] is None]
        present.sort(key=lambda row: _sort_key(row[index]), reverse=descending)
        self.rows = present + missing
        self.sorted_by, self.descending = column_key, descending
        return True

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


def _sort_key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


ASCENDING, DESCENDING = "asc", "desc"


def sort_named(tables: dict[str, DataTable], *, sort: str, order: str) -> None:
    """Sort the table that ``sort`` (``organizations.utilization``) names by that column,
    ``order`` ascending or descending: the one rule by which the page, its PDF and its CSV
    files order their rows (both checked by ``forms.ReportQueryForm``)."""
    table_key, _dot, column_key = (sort or "").partition(".")
    if table_key in tables:
        tables[table_key].sort(column_key, descending=order == DESCENDING)


def summary(report) -> list[Figure]:
    """The one-page summary: the report's key figures with the previous period's."""
    return [
        Figure(
            figure.key,
            str(figure.label),
            figure.value,
            figure.previous,
            figure.unit,
            figure.comparable,
        )
        for figure in report.key_figures()
    ]


def sections(report) -> list[Section]:
    devices, before = report.devices, report.previous_devices
    courses, earlier = report.courses, report.previous_courses

    def device(key: str, label: str, unit: str = "") -> Figure:
        value, previous = getattr(devices, key), getattr(before, key)
        return Figure(key, label, value, previous, unit, before.has_data)

    def course(key: str, label: str, unit: str = "") -> Figure:
        value, previous = getattr(courses, key), getattr(earlier, key)
        return Figure(key, label, value, previous, unit, earlier.has_data)

    return [
        Section(
            "devices",
            _("Devices"),
            [
                device("in_service", _("Devices in service at the end of the period")),
                device("avg_in_service", _("Devices in service on average over the period")),
                device("in_repair", _("Devices in repair at the end of the period")),
                device("avg_in_repair", _("Devices in repair on average over the period")),
                device("lost", _("Devices lost at the end of the period")),
                device("retired", _("Devices retired at the end of the period")),
                device("reserved_hours", _("Reserved device-hours"), "h"),
                device("available_hours", _("Available device-hours"), "h"),
                device("utilization", _("Utilization"), "%"),
                device("bookings_by_teachers", _("Bookings by teachers")),
                device("handouts", _("Hand-outs of teachers' bookings")),
                device("avg_handout_hours", _("Average hand-out length"), "h"),
                device("handouts_overdue_rate", _("Hand-outs returned late"), "%"),
                device("loans_to_residents", _("Loans to residents")),
                device("avg_loan_days", _("Average loan length"), "days"),
                device("overdue_rate", _("Loans returned late"), "%"),
                device("damage_rate", _("Devices returned damaged"), "%"),
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


def _area_table(key: str, title: str, first: str, rows, *, district: bool) -> DataTable:
    """Per organization or per district: the same figures as the summary, summed the same
    way, sortable on the page."""
    columns = [Column(first, TEXT, "name")]
    if district:
        columns.append(Column(_("District"), TEXT, "district"))
    columns += [
        Column(_("Devices in service"), "", "devices"),
        Column(_("Utilization"), "%", "utilization"),
        Column(_("Bookings by teachers"), "", "bookings"),
        Column(_("Hand-outs"), "", "handouts"),
        Column(_("Loans to residents"), "", "loans"),
        Column(_("Courses"), "", "courses"),
        Column(_("Enrolments"), "", "enrolments"),
        Column(_("Attendance"), "%", "attendance"),
    ]
    return DataTable(
        key,
        title,
        columns,
        [
            [row.name]
            + ([row.district] if district else [])
            + [
                row.in_service,
                row.utilization,
                row.bookings_by_teachers,
                row.handouts,
                row.loans_to_residents,
                row.courses,
                row.enrolments,
                row.attendance_rate,
            ]
            for row in rows
        ],
        sortable=True,
    )


def sortable_columns(scope_kind: str) -> dict[str, list[str]]:
    """What ``?sort=<table>.<column>`` may name in a report of this kind of scope: each
    sortable table's key and its columns' keys (one organization's report has none)."""
    if scope_kind == "organization":
        return {}
    return {
        key: [column.key for column in _area_table(key, "", "", [], district=district).columns]
        for key, district in (("districts", False), ("organizations", True))
    }


def tables(report) -> dict[str, DataTable]:
    """Every table of the report. The per-pool table has every pool, so its devices,
    bookings, hand-outs and loans add up to the summary's; the lending table has the pools
    lent to residents, the hand-out table the others, each with the same rates as the
    summary."""
    devices, courses = report.devices, report.courses
    pools = devices.pools
    result = {}
    if report.scope.kind != "organization":
        result["districts"] = _area_table(
            "districts", _("Per district"), _("District"), report.districts, district=False
        )
        result["organizations"] = _area_table(
            "organizations",
            _("Per organization"),
            _("Organization"),
            report.organizations,
            district=True,
        )
    result |= {
        "pools": DataTable(
            "pools",
            _("Use per device pool"),
            [
                Column(_("Pool"), TEXT),
                Column(_("Organization"), TEXT),
                Column(_("Devices in service at the end"), ""),
                Column(_("Devices in service on average"), ""),
                Column(_("Reserved"), "h"),
                Column(_("Available"), "h"),
                Column(_("Utilization"), "%"),
                Column(_("Bookings by teachers")),
                Column(_("Hand-outs")),
                Column(_("Loans to residents")),
                Column(_("Returned damaged"), "%"),
                Column(_("Shortfalls")),
            ],
            [
                [
                    p.pool,
                    str(p.organization),
                    p.capacity,
                    round(p.avg_in_service, 1),
                    p.reserved_hours,
                    p.available_hours,
                    p.utilization,
                    p.bookings_by_teachers,
                    p.handouts,
                    p.loans_to_residents,
                    p.damage_rate,
                    p.shortfalls,
                ]
                for p in pools
            ],
        ),
        "lending": DataTable(
            "lending",
            _("Loans to residents per device pool"),
            [
                Column(_("Pool"), TEXT),
                Column(_("Organization"), TEXT),
                Column(_("Loans to residents")),
                Column(_("Average loan length"), "days"),
                Column(_("Returned late"), "%"),
                Column(_("Returned damaged"), "%"),
            ],
            [
                [
                    p.pool,
                    str(p.organization),
                    p.loans_to_residents,
                    p.avg_loan_days,
                    p.overdue_rate,
                    p.damage_rate,
                ]
                for p in pools
                if p.residents and (p.loans_to_residents or p.damage_rate is not None)
            ],
        ),
        "handouts": DataTable(
            "handouts",
            _("Hand-outs of teachers' bookings per device pool"),
            [
                Column(_("Pool"), TEXT),
                Column(_("Organization"), TEXT),
                Column(_("Hand-outs")),
                Column(_("Average hand-out length"), "h"),
                Column(_("Returned late"), "%"),
                Column(_("Returned damaged"), "%"),
            ],
            [
                [
                    p.pool,
                    str(p.organization),
                    p.handouts,
                    p.avg_handout_hours,
                    p.handouts_overdue_rate,
                    p.damage_rate,
                ]
                for p in pools
                if not p.residents and (p.handouts or p.damage_rate is not None)
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
                Column(_("Bookings by teachers")),
                Column(_("Hand-outs")),
                Column(_("Loans to residents")),
                Column(_("Enrolments")),
                Column(_("Attendance"), "%"),
            ],
            [
                [
                    m.month,
                    m.utilization,
                    m.bookings,
                    m.handouts,
                    m.loans,
                    m.enrolments,
                    m.attendance_rate,
                ]
                for m in report.trend
            ],
        ),
    }
    return result


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
                "lesson period; libraries and providers: their opening hours that day, a lunch "
                "break not counted; without opening hours on record 08:00–20:00) "
                "times the devices in service. Devices in "
                "repair or lost are not available. Reserved: devices times hours of each "
                "confirmed booking inside the open days' windows, so a 14-day loan counts only "
                "its hours within opening windows."
            ),
        ),
        (
            _("Devices in service"),
            _(
                "The devices of the organizations' device pools (a device in no pool cannot "
                "be booked or lent). At the end of the period: in service, in repair, lost "
                "and retired on its last day. On average: the devices in service (or in "
                "repair) on each day of the period, added up and divided by its days; they are "
                "worked out from the devices' history of status changes."
            ),
        ),
        (
            _("Bookings by teachers"),
            _(
                "Confirmed bookings starting in the period, of pools that are not lent to "
                "residents, without the bookings made for course dates. Planned bookings "
                "after today are not counted."
            ),
        ),
        (
            _("Hand-outs of teachers' bookings"),
            _(
                "Devices handed out for a booking of a pool that is not lent to residents, "
                "in the period. Average hand-out length: from hand-out to return, in hours, "
                "of the hand-outs that ended in the period."
            ),
        ),
        (
            _("Loans to residents"),
            _(
                "Loans handed out in the period from pools lent to residents. Average loan "
                "length: from hand-out to return, in days, of the loans that ended in the "
                "period."
            ),
        ),
        (
            _("Loans returned late"),
            _(
                "Loans to residents handed out in the period that came back after their due "
                "date or are still out past it, divided by the loans to residents handed out. "
                "The tables count hand-outs of teachers' bookings the same way."
            ),
        ),
        (
            _("Devices returned damaged"),
            _(
                "Devices returned in the period (from any pool) damaged or with missing "
                "parts, divided by the devices returned."
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
                "year before, or as many days before. A period that is still running is "
                "counted up to today, and the previous one over as many days. Changes of "
                "rates are in percentage points. Where the previous period has no data, "
                "there is nothing to compare with."
            ),
        ),
    ]
