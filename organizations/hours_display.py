"""Opening hours as people read them: "Jetzt geöffnet bis 18:00 Uhr", the weekly table, the
days that differ in the next four weeks. Everything comes from the ``OpeningCalendar``; this
module only words it, in the reader's language (the one active when it runs)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .hours import ONE_DAY, Interval, OpeningCalendar, calendar_for
from .models import OpeningSchedule, Organization, SpecialHours, Weekday

# How far ahead pages show the days that differ from the weekly hours (and the preview).
AHEAD_DAYS = 28
# How far ahead the JSON-LD and the API publish weekly hours (summer hours months ahead).
PUBLISHED_DAYS = 400


def clock(time: datetime.time) -> str:
    return f"{time:%H:%M}"


def spans(intervals: list[Interval]) -> str:
    """ "10:00–13:00, 14:00–18:00"."""
    return ", ".join(f"{clock(i.opens)}–{clock(i.closes)}" for i in intervals)


@dataclass
class Day:
    """One day as the calendar sees it."""

    day: datetime.date
    intervals: list[Interval] | None  # None: open, times not known
    closure: str = ""  # the closure's name on a closed day
    special: bool = False  # one-off special hours
    note: str = ""  # the special hours' note

    @property
    def is_open(self) -> bool:
        return self.intervals is None or bool(self.intervals)

    @property
    def hours(self) -> str:
        if self.intervals is None:
            return ""
        if not self.intervals:
            return _("closed")
        return spans(self.intervals)

    @property
    def reason(self) -> str:
        return self.note or self.closure


@dataclass
class WeekRow:
    weekday: int
    name: str
    intervals: list[Interval]
    today: bool = False

    @property
    def hours(self) -> str:
        return spans(self.intervals) if self.intervals else _("closed")


@dataclass
class Week:
    """The weekly hours of one schedule, with the days they apply."""

    schedule: OpeningSchedule
    rows: list[WeekRow]

    @property
    def title(self) -> str:
        schedule = self.schedule
        if schedule.valid_from and schedule.valid_until:
            span = _("%(first)s to %(last)s") % {
                "first": date_format(schedule.valid_from, "SHORT_DATE_FORMAT"),
                "last": date_format(schedule.valid_until, "SHORT_DATE_FORMAT"),
            }
        elif schedule.valid_from:
            span = _("from %(first)s") % {
                "first": date_format(schedule.valid_from, "SHORT_DATE_FORMAT")
            }
        elif schedule.valid_until:
            span = _("until %(last)s") % {
                "last": date_format(schedule.valid_until, "SHORT_DATE_FORMAT")
            }
        else:
            return schedule.name or _("Weekly hours")
        name = schedule.name or _("Weekly hours")  # not in the f-string: xgettext skips those
        return f"{name}, {span}"

    def lines(self) -> list[str]:
        """Weekdays with the same hours grouped: "Di–Fr 10:00–18:00", closed days left out."""
        lines: list[str] = []
        group: list[WeekRow] = []
        for row in [*self.rows, None]:
            if group and (row is None or row.intervals != group[0].intervals):
                if group[0].intervals:
                    days = _weekday_short(group[0].weekday)
                    if len(group) > 1:
                        days += "–" + _weekday_short(group[-1].weekday)
                    lines.append(f"{days} {spans(group[0].intervals)}")
                group = []
            if row is not None:
                group.append(row)
        return lines


@dataclass
class Deviation:
    """Days in a row that differ from the weekly hours for the same reason."""

    first: datetime.date
    last: datetime.date
    hours: str
    reason: str

    @property
    def when(self) -> str:
        if self.first == self.last:
            return _weekday_day(self.first)
        return f"{_weekday_day(self.first)} – {_weekday_day(self.last)}"

    def line(self) -> str:
        text = f"{self.when}: {self.hours}"
        return f"{text} ({self.reason})" if self.reason else text


@dataclass
class OpeningHours:
    """What a page or an email says about an organization's hours."""

    organization: Organization
    known: bool
    status: str = ""
    open_now: bool = False
    weeks: list[Week] = field(default_factory=list)
    exceptions: list[Deviation] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        return self.organization.opening_hours_lines()

    def lines(self) -> list[str]:
        """Plain lines for emails: the weekly hours, then the days that differ."""
        lines: list[str] = []
        for week in self.weeks:
            if len(self.weeks) > 1:
                lines.append(f"{week.title}:")
            lines.extend(week.lines())
        lines.extend(exception.line() for exception in self.exceptions)
        return lines


def _weekday_short(weekday: int) -> str:
    # Any Monday will do to name the weekday in the active language ("Di", "Tue").
    return date_format(datetime.date(2024, 1, 1) + weekday * ONE_DAY, "D")


def _weekday_day(day: datetime.date) -> str:
    """ "Di 24.12." / "Tue 24/12"."""
    return f"{date_format(day, 'D')} {date_format(day, 'SHORT_DATE_FORMAT')}"


def _day(calendar: OpeningCalendar, day: datetime.date, notes: dict) -> Day:
    intervals = calendar.intervals(day)
    return Day(
        day=day,
        intervals=intervals,
        closure=calendar.closure_on(day) or "",
        special=day in calendar.special,
        note=notes.get(day, ""),
    )


def _weeks(calendar: OpeningCalendar, today: datetime.date) -> list[Week]:
    """The schedules that apply on some day of the next weeks, in the order they start."""
    last = today + (AHEAD_DAYS - 1) * ONE_DAY
    applying = {id(s): s for d in _dates(today, last) if (s := calendar.schedule_on(d))}
    ordered = sorted(applying.values(), key=lambda s: s.valid_from or datetime.date.min)
    weeks = []
    for schedule in ordered:
        by_day: dict[int, list[Interval]] = {day: [] for day in range(7)}
        for interval in schedule.intervals.all():
            by_day[interval.weekday].append(Interval(interval.opens, interval.closes))
        current = schedule is calendar.schedule_on(today)
        rows = [
            WeekRow(day, str(Weekday(day).label), by_day[day], current and day == today.weekday())
            for day in range(7)
        ]
        weeks.append(Week(schedule, rows))
    return weeks


def _dates(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + n * ONE_DAY for n in range((last - first).days + 1)]


def _exceptions(calendar: OpeningCalendar, days: list[Day]) -> list[Deviation]:
    """Special hours, and closures of days the weekly hours would open; runs of closed days
    with one reason become one line."""
    found: list[Deviation] = []
    for day in days:
        if day.special:
            found.append(Deviation(day.day, day.day, day.hours, day.note))
            continue
        if not day.closure:
            continue
        schedule = calendar.schedule_on(day.day)
        regular = schedule is None or any(
            i.weekday == day.day.weekday() for i in schedule.intervals.all()
        )
        if not regular:
            continue
        previous = found[-1] if found else None
        if (
            previous
            and previous.reason == day.closure
            and previous.hours == day.hours
            and not any(
                calendar.is_open(d) for d in _dates(previous.last + ONE_DAY, day.day - ONE_DAY)
            )
        ):
            previous.last = day.day
        else:
            found.append(Deviation(day.day, day.day, day.hours, day.closure))
    return found


def _status(calendar: OpeningCalendar, now: datetime.datetime) -> tuple[str, bool]:
    local = timezone.localtime(now)
    today = local.date()
    if calendar.intervals(today) is None:
        return "", False
    until = calendar.open_until(now)
    if until is not None:
        time = clock(timezone.localtime(until).time())
        return _("Open now until %(time)s") % {"time": time}, True
    closure = calendar.closure_on(today)
    opening = calendar.next_opening(now)
    if opening is None:
        if closure:
            return _("Closed today (%(reason)s)") % {"reason": closure}, False
        return _("Closed"), False
    opening = timezone.localtime(opening)
    time = clock(opening.time())
    if opening.date() == today:
        return _("Closed now, opens today at %(time)s") % {"time": time}, False
    if opening.date() == today + ONE_DAY:
        day = _("tomorrow")
    elif opening.date() < today + 7 * ONE_DAY:
        day = date_format(opening.date(), "D")
    else:
        day = _weekday_day(opening.date())
    values = {"day": day, "time": time, "reason": closure}
    if closure:
        return _("Closed today (%(reason)s), opens %(day)s at %(time)s") % values, False
    if calendar.intervals(today):
        return _("Closed now, opens %(day)s at %(time)s") % values, False
    return _("Closed today, opens %(day)s at %(time)s") % values, False


def status_now(organization: Organization, now: datetime.datetime | None = None) -> str:
    """One line on whether ``organization`` is open at ``now`` ("Open now until 18:00",
    "Closed today, opens tomorrow at 10:00"); "" when its hours are not on record. The
    calendar's two queries."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    calendar = calendar_for(organization, today, today + (AHEAD_DAYS - 1) * ONE_DAY)
    return _status(calendar, now)[0]


def opening_hours(
    organization: Organization,
    now: datetime.datetime | None = None,
    *,
    calendar: OpeningCalendar | None = None,
    special: list[SpecialHours] | None = None,
) -> OpeningHours:
    """The hours of an organization as of ``now`` (default: now), for the next four weeks.
    Five queries (the calendar's four and the notes of special hours); none when the caller
    passes the calendar (from today on) and the special hours from today on."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    last = today + (AHEAD_DAYS - 1) * ONE_DAY
    if calendar is None:
        calendar = calendar_for(organization, today, last)
    if not calendar.known:
        return OpeningHours(organization=organization, known=False)
    if special is None:
        special = list(
            SpecialHours.objects.filter(
                organization=organization, day__gte=today, day__lte=last
            ).exclude(note="")
        )
    notes = {hours.day: hours.note for hours in special if hours.note}
    days = [_day(calendar, day, notes) for day in _dates(today, last)]
    status, open_now = _status(calendar, now)
    return OpeningHours(
        organization=organization,
        known=True,
        status=status,
        open_now=open_now,
        weeks=_weeks(calendar, today),
        exceptions=_exceptions(calendar, days),
        days=days,
    )


@dataclass
class PublishedHours:
    """The hours an organization publishes (JSON-LD, API): the weekly hours that have not
    ended, the special hours and closures from today on."""

    known: bool
    schedules: list[OpeningSchedule]
    special: list[SpecialHours]
    closed: list[tuple[datetime.date, str]]


def published_hours(
    organization: Organization,
    today: datetime.date,
    *,
    calendar: OpeningCalendar | None = None,
    special: list[SpecialHours] | None = None,
) -> PublishedHours:
    """Five queries; none when the caller passes a calendar from today on (the weekly hours
    of its range are published) and the special hours from today on."""
    if calendar is None:
        calendar = calendar_for(organization, today, today + PUBLISHED_DAYS * ONE_DAY)
    if special is None:
        special = list(SpecialHours.objects.filter(organization=organization, day__gte=today))
    schedules = sorted(calendar.schedules, key=lambda s: (s.valid_from or datetime.date.min, s.pk))
    closed = [
        (day, reason)
        for day in _dates(today, today + (AHEAD_DAYS - 1) * ONE_DAY)
        if (reason := calendar.closure_on(day))
    ]
    return PublishedHours(known=calendar.known, schedules=schedules, special=special, closed=closed)


def published_calendar(
    organization: Organization, today: datetime.date
) -> tuple[OpeningCalendar, list[SpecialHours]]:
    """One calendar and the special hours for both the page and what it publishes."""
    calendar = calendar_for(organization, today, today + PUBLISHED_DAYS * ONE_DAY)
    special = list(SpecialHours.objects.filter(organization=organization, day__gte=today))
    return calendar, special
