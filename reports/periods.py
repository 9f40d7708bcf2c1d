"""Report periods: a month, a school term, a school year, a calendar year, or any range of days.

A period is half-open like a Closure: ``start`` is its first day, ``end`` the first day after
it. Its ``key`` is what URLs, forms and the API carry; ``parse_period`` turns a key back into
the same period. School years are Bavarian: 1 August to 31 July, in two terms (Halbjahre)
that change on 1 February.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.dates import EARLIEST_YEAR, LATEST_YEAR, in_sensible_years

# A range longer than this is refused: five years of figures is already more than a council
# reads, and every report also builds the period before it.
MAX_RANGE_DAYS = 5 * 366

SCHOOL_YEAR_START_MONTH = 8  # 1 August
SECOND_TERM_START_MONTH = 2  # 1 February

KINDS = ("month", "term", "school_year", "year", "range")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_SCHOOL_YEAR = re.compile(r"^sy(\d{4})$")
_TERM = re.compile(r"^term(\d{4})-([12])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def _first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _short(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _school_years(first_year: int) -> str:
    """“2025/26”."""
    return f"{first_year}/{(first_year + 1) % 100:02d}"


@dataclass(frozen=True)
class Period:
    kind: str  # "month" | "term" | "school_year" | "year" | "range"
    start: datetime.date  # first day
    end: datetime.date  # first day after the period
    label: str

    @property
    def key(self) -> str:
        """The string that ``parse_period`` turns back into this period."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "year":
            return f"{self.start:%Y}"
        if self.kind == "school_year":
            return f"sy{self.start.year}"
        if self.kind == "term":
            if self.start.month == SCHOOL_YEAR_START_MONTH:
                return f"term{self.start.year}-1"
            return f"term{self.start.year - 1}-2"
        return f"{self.start.isoformat()}..{self.last_day.isoformat()}"

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same kind and length immediately before this one."""
        if self.kind == "month":
            return month_period(_add_months(self.start, -1))
        if self.kind == "year":
            return year_period(self.start.year - 1)
        if self.kind == "school_year":
            return school_year_period(self.start.year - 1)
        if self.kind == "term":
            year, number = _term_of(self.start)
            return term_period(year - 1, 2) if number == 1 else term_period(year, 1)
        return range_period(self.start - datetime.timedelta(days=self.days), self.start)

    def months(self) -> list[datetime.date]:
        """The first day of each month the period touches, in order."""
        months = []
        month = self.start.replace(day=1)
        while month < self.end:
            months.append(month)
            month = _first_of_next_month(month)
        return months

    def up_to(self, day: datetime.date) -> Period:
        """The same period ending with ``day`` at the latest (empty when it starts later):
        what can be counted of it on ``day``. Its key and label stay the period's."""
        end = min(self.end, max(self.start, day + datetime.timedelta(days=1)))
        return dataclasses.replace(self, end=end)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day < self.end


def _term_of(start: datetime.date) -> tuple[int, int]:
    """(school year, term number) of a term's first day."""
    if start.month == SCHOOL_YEAR_START_MONTH:
        return start.year, 1
    return start.year - 1, 2


def month_period(first: datetime.date) -> Period:
    first = first.replace(day=1)
    return Period("month", first, _first_of_next_month(first), date_format(first, "F Y"))


def year_period(year: int) -> Period:
    return Period("year", datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1), str(year))


def school_year_period(year: int) -> Period:
    """The Bavarian school year that starts on 1 August ``year``."""
    return Period(
        "school_year",
        datetime.date(year, SCHOOL_YEAR_START_MONTH, 1),
        datetime.date(year + 1, SCHOOL_YEAR_START_MONTH, 1),
        _("School year %(years)s") % {"years": _school_years(year)},
    )


def term_period(year: int, number: int) -> Period:
    """Term 1 (1 August–31 January) or 2 (1 February–31 July) of the school year ``year``."""
    if number == 1:
        start = datetime.date(year, SCHOOL_YEAR_START_MONTH, 1)
        end = datetime.date(year + 1, SECOND_TERM_START_MONTH, 1)
    else:
        start = datetime.date(year + 1, SECOND_TERM_START_MONTH, 1)
        end = datetime.date(year + 1, SCHOOL_YEAR_START_MONTH, 1)
    label = _("Term %(number)d, %(years)s") % {"number": number, "years": _school_years(year)}
    return Period("term", start, end, label)


def range_period(start: datetime.date, end: datetime.date) -> Period:
    """The days ``start`` up to (not including) ``end``."""
    last = end - datetime.timedelta(days=1)
    return Period("range", start, end, f"{_short(start)}–{_short(last)}")


def school_year_of(day: datetime.date) -> int:
    """The year in which the school year containing ``day`` started."""
    return day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1


class InvalidPeriod(ValueError):
    """A period that cannot be reported on; the message is for the person who chose it."""


def _check_year(year: int) -> None:
    if not in_sensible_years(year):
        raise InvalidPeriod(
            _("Please choose a year between %(min)d and %(max)d.")
            % {"min": EARLIEST_YEAR, "max": LATEST_YEAR}
        )


def _relative(value: str, today: datetime.date) -> Period | None:
    """The presets that move with the calendar: this-month, last-school-year, …"""
    school_year = school_year_of(today)
    this_term = 1 if today.month >= SCHOOL_YEAR_START_MONTH else 2
    last_term = (school_year - 1, 2) if this_term == 1 else (school_year, 1)
    presets = {
        "this-month": lambda: month_period(today),
        "last-month": lambda: month_period(_add_months(today, -1)),
        "this-term": lambda: term_period(school_year, this_term),
        "last-term": lambda: term_period(*last_term),
        "this-school-year": lambda: school_year_period(school_year),
        "last-school-year": lambda: school_year_period(school_year - 1),
        "this-year": lambda: year_period(today.year),
        "last-year": lambda: year_period(today.year - 1),
    }
    preset = presets.get(value)
    return preset() if preset else None


def parse_period(value: str, *, today: datetime.date | None = None) -> Period:
    """The period named by ``value``: “2026-11”, “2026”, “sy2025”, “term2025-1”,
    “2026-01-01..2026-03-31” (both days included), or a preset such as “last-month”.
    Raises InvalidPeriod (a ValueError) with a message for the person who chose it."""
    value = (value or "").strip()
    relative = _relative(value, today or timezone.localdate())
    if relative is not None:
        return relative
    try:
        if match := _MONTH.match(value):
            year, month = int(match[1]), int(match[2])
            _check_year(year)
            return month_period(datetime.date(year, month, 1))
        if match := _YEAR.match(value):
            _check_year(int(match[1]))
            return year_period(int(match[1]))
        if match := _SCHOOL_YEAR.match(value):
            _check_year(int(match[1]))
            return school_year_period(int(match[1]))
        if match := _TERM.match(value):
            _check_year(int(match[1]))
            return term_period(int(match[1]), int(match[2]))
        if match := _RANGE.match(value):
            return _parse_range(match[1], match[2])
    except InvalidPeriod:
        raise
    except ValueError as error:  # date() on “2026-13” or “2026-02-30”
        raise InvalidPeriod(_("This is not a valid period.")) from error
    raise InvalidPeriod(_("This is not a valid period."))


def _parse_range(first: str, last: str) -> Period:
    start = datetime.date.fromisoformat(first)
    last_day = datetime.date.fromisoformat(last)
    _check_year(start.year)
    _check_year(last_day.year)
    if last_day < start:
        raise InvalidPeriod(_("The first day must not be after the last day."))
    end = last_day + datetime.timedelta(days=1)
    if (end - start).days > MAX_RANGE_DAYS:
        raise InvalidPeriod(_("Please choose at most five years."))
    return range_period(start, end)


def period_choices(today: datetime.date | None = None) -> list[tuple[str, str]]:
    """Presets for a period picker: (key, label), newest first within each kind."""
    today = today or timezone.localdate()
    school_year = school_year_of(today)
    this_term = 1 if today.month >= SCHOOL_YEAR_START_MONTH else 2
    last_term = term_period(school_year - 1, 2) if this_term == 1 else term_period(school_year, 1)
    named = [
        (_("This month"), month_period(today)),
        (_("Last month"), month_period(_add_months(today, -1))),
        (_("This term"), term_period(school_year, this_term)),
        (_("Last term"), last_term),
        (_("This school year"), school_year_period(school_year)),
        (_("Last school year"), school_year_period(school_year - 1)),
        (_("This year"), year_period(today.year)),
        (_("Last year"), year_period(today.year - 1)),
    ]
    return [(period.key, f"{name} ({period.label})") for name, period in named]
