"""Local dates and times: closures, the end of the school year, wall-clock times."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from organizations.hours import (
    OpeningCalendar,
    calendar_for,
    closes,  # noqa: F401 (the one rule, re-exported)
)
from organizations.models import Closure, Organization

# How far past a day a calendar is read when a due date is moved off closed days.
DUE_SLACK_DAYS = 31


def closed_dates(
    organization: Organization, first: datetime.date, until: datetime.date
) -> dict[datetime.date, str]:
    """The organization's closed days in [first, until], each with why: the closure's name,
    or that the day is not an opening (school) day by its weekly hours. The opening
    calendar decides (``organizations.hours``); without hours on record only closures close
    a day. Four queries."""
    calendar = calendar_for(organization, first, until)
    return {
        day: calendar.closure_on(day) or not_open_label(organization)
        for day in _days(first, until)
        if not calendar.is_open(day)
    }


def _days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def not_open_label(organization: Organization) -> str:
    """Why a day without a closure is closed: it has no opening hours that day."""
    if organization.kind == Organization.Kind.SCHOOL:
        return gettext("no school day")
    return gettext("no opening hours")


def closure_on(
    organization: Organization, start: datetime.datetime, end: datetime.datetime
) -> tuple[datetime.date, str] | None:
    """The first (local) day in [start, end) on which the organization is closed, with the
    closure's name; None when it is open throughout. One query."""
    first = timezone.localdate(start)
    last = timezone.localdate(max(start, end - datetime.timedelta(microseconds=1)))
    closed = closed_dates(organization, first, last)
    return min(closed.items()) if closed else None


def end_of_school_year(organization: Organization, after: datetime.date) -> datetime.date:
    """The last day before the summer holidays that follow ``after``: the longest school
    holiday starting in June–September within a year (in Bavaria the Whitsun holidays can
    start in June too, and must not end the year), or 31 July when none is known."""
    holidays = Closure.objects.for_organization(organization).filter(
        kind=Closure.Kind.SCHOOL_HOLIDAY,
        start__gt=after,
        start__lte=after + datetime.timedelta(days=366),
        start__month__in=[6, 7, 8, 9],
    )
    summer = max(
        holidays.order_by("start"),
        key=lambda closure: closure.end - closure.start,
        default=None,
    )
    if summer is not None:
        last = summer.start - datetime.timedelta(days=1)
    else:
        last = datetime.date(after.year if after.month < 8 else after.year + 1, 7, 31)
    while last.weekday() >= 5:  # the holidays start on a Monday: the year ends on Friday
        last -= datetime.timedelta(days=1)
    return last


def last_day(moment: datetime.datetime) -> datetime.date:
    """The local day by whose end something that ends at ``moment`` is over: a loan due (or a
    hold that ends) at midnight is due by the end of the day before. Show this, never the
    midnight itself, which is already the next day."""
    return timezone.localtime(moment - datetime.timedelta(microseconds=1)).date()


# --- open days for loans: the one place that moves a date off closed days ---------------------


def lending_calendar(
    organization: Organization, first: datetime.date, last: datetime.date
) -> OpeningCalendar:
    """The organization's opening calendar over [first, last], with room after ``last`` for a
    date moved off closed days. Four queries."""
    return calendar_for(organization, first, last + datetime.timedelta(days=DUE_SLACK_DAYS))


def due_day(
    loan_period_days: int, first_day: datetime.date, calendar: OpeningCalendar
) -> datetime.date:
    """The day a loan that starts on ``first_day`` is due: the loan period counts calendar
    days, and a due date on a closed day moves to the next open day (as Koha does)."""
    return calendar.roll_forward(first_day + datetime.timedelta(days=loan_period_days))


def format_day(day: datetime.date) -> str:
    """A day as a person reads it in a sentence: "Montag, 07.12." """
    return date_format(day, "l, d.m.")
