"""Local dates and times: closures, the end of the school year, wall-clock times."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from organizations.hours import (
    OpeningCalendar,
    calendar_for,
    closes,  # noqa: F401 (the one rule, re-exported)
)
from organizations.hours_display import spans
from organizations.models import Closure, LessonPeriod, Organization

from .policy import InvalidBooking

# How far past a day a calendar is read when a due date is moved off closed days.
DUE_SLACK_DAYS = 31


def closed_dates(
    organization: Organization, first: datetime.date, until: datetime.date
) -> dict[datetime.date, str]:
    """The organization's closed days in [first, until], each with why: the closure's name,
    or that the day is not an opening (school) day by its weekly hours. The opening
    calendar decides (``organizations.hours``); without hours on record only closures close
    a day. Two queries (one without hours on record)."""
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


# --- when a pool's devices can be booked: the organization is open ---------------------------


class OpeningRule:
    """The one rule of when an organization's devices can be booked: not on a day it is
    closed, and on an open day picked up and brought back while it is open (the devices are
    handed over at its desk). The opening calendar (``organizations.hours``) says when that
    is; without hours on record a day is open unless closed. A school's lesson periods are
    its own times: a booking from a period's start to a period's end is fine whatever the
    hours say. The booking service, the series, the live check, the suggestions and the week
    view all ask this rule."""

    def __init__(
        self,
        organization: Organization,
        calendar: OpeningCalendar,
        periods: Sequence[LessonPeriod] | None = None,
    ) -> None:
        self.organization = organization
        self.calendar = calendar
        self._periods = None if periods is None else list(periods)

    @classmethod
    def over(
        cls,
        organization: Organization,
        first: datetime.date,
        last: datetime.date,
        periods: Sequence[LessonPeriod] | None = None,
    ) -> OpeningRule:
        """The rule over the days [first, last]. Two queries, one without hours on record
        (one more, later, for a school's lesson periods when a time outside its hours needs
        them)."""
        return cls(organization, calendar_for(organization, first, last), periods)

    @property
    def periods(self) -> list[LessonPeriod]:
        if self._periods is None:
            self._periods = (
                list(self.organization.lesson_periods.all())
                if self.organization.kind == Organization.Kind.SCHOOL
                else []
            )
        return self._periods

    def closed_on(self, day: datetime.date) -> str:
        """Why the day is closed (the closure's name, or that it has no hours); "" when open."""
        if self.calendar.is_open(day):
            return ""
        return self.calendar.closure_on(day) or not_open_label(self.organization)

    def closed_day(
        self, start: datetime.datetime, end: datetime.datetime
    ) -> tuple[datetime.date, str] | None:
        """The first local day of [start, end) that is closed, with why."""
        day, last = timezone.localdate(start), _last_local_day(start, end)
        while day <= last:
            if why := self.closed_on(day):
                return day, why
            day += datetime.timedelta(days=1)
        return None

    def within_hours(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        """Whether the devices are picked up (``start``) and brought back (``end``) while the
        organization is open, or [start, end) runs along the school's lesson periods."""
        local_start, local_end = timezone.localtime(start), timezone.localtime(end)
        end_day, end_time = local_end.date(), local_end.time()
        if end_time == datetime.time(0) and end_day > local_start.date():
            end_day, end_time = end_day - datetime.timedelta(days=1), datetime.time.max
        opening = self.calendar.intervals(local_start.date())
        closing = self.calendar.intervals(end_day)
        if (opening is None or any(i.opens <= local_start.time() < i.closes for i in opening)) and (
            closing is None or any(i.opens <= end_time <= i.closes for i in closing)
        ):
            return True
        return (
            local_start.date() == end_day
            and any(first.start == local_start.time() for first in self.periods)
            and any(last.end == end_time for last in self.periods)
        )

    def allows(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        return self.closed_day(start, end) is None and self.within_hours(start, end)

    def error(
        self, start: datetime.datetime, end: datetime.datetime, *, hours: bool = True
    ) -> InvalidBooking | None:
        """What a person is told when [start, end) breaks the rule; None when it does not.
        ``hours=False``: closed days only."""
        closed = self.closed_day(start, end)
        if closed is not None:
            day, name = closed
            return InvalidBooking(
                gettext(
                    "%(organization)s is closed on %(day)s (%(closure)s). "
                    "Please choose another day."
                )
                % {
                    "organization": self.organization.name,
                    "day": date_format(day, "DATE_FORMAT"),
                    "closure": name,
                }
            )
        if not hours or self.within_hours(start, end):
            return None
        local_start = timezone.localtime(start)
        day = local_start.date()
        if any(
            i.opens <= local_start.time() < i.closes for i in self.calendar.intervals(day) or []
        ):
            day = _last_local_day(start, end)  # picked up in time: the return is outside
        return InvalidBooking(
            gettext(
                "%(organization)s is open on %(day)s only %(hours)s, and the devices are picked "
                "up and brought back there. Please choose a time within the opening hours."
            )
            % {
                "organization": self.organization.name,
                "day": format_day(day),
                "hours": spans(self.calendar.intervals(day) or []),
            }
        )


def _last_local_day(start: datetime.datetime, end: datetime.datetime) -> datetime.date:
    return timezone.localdate(max(start, end - datetime.timedelta(microseconds=1)))


def ensure_open(
    organization: Organization,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    hours: bool = True,
) -> None:
    """Raise InvalidBooking when the organization is closed on a day of [start, end) or the
    devices would be picked up or brought back outside its opening hours (OpeningRule).
    ``hours=False``: closed days only (a course that meets outside the hours on purpose, as
    its provider confirmed). Two queries (one without hours on record), one more for a
    school's time outside its hours."""
    rule = OpeningRule.over(organization, timezone.localdate(start), _last_local_day(start, end))
    error = rule.error(start, end, hours=hours)
    if error is not None:
        raise error


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
    date moved off closed days. Two queries (one without hours on record)."""
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
