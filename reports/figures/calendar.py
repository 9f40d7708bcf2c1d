"""When devices can be used: each organization's open days and daily window in a period,
in Python (to count available hours) and as SQL (to count reserved hours inside them).

An organization with opening hours on record is open on the days its opening calendar
(``organizations.hours``) says, and a library's or provider's devices can be used in that
day's opening intervals: a lunch break or a shorter day counts no available hours, and a
reservation counts only its hours inside them (``OrganizationCalendar.hours``; its window
runs from the earliest opening to the latest closing in the period and is only a first clip
in SQL). Without hours on record, a day is open unless it
is a Sunday, a Saturday at a school, or a closure of the organization
(``Closure.objects.for_organization``: its own closures, the region's public holidays and, for
schools, the school holidays). The window is the first lesson period's start to the last
one's end at schools, 08:00–20:00 local elsewhere (and at a school that has no lesson periods
yet).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, ExtractHour, ExtractMinute, TruncDate

from core.dates import local_datetime
from organizations.hours import calendars_for
from organizations.models import Closure, LessonPeriod, Organization
from reports.periods import Period

DEFAULT_WINDOW = (8 * 3600, 20 * 3600)  # 08:00–20:00, in seconds after local midnight
SCHOOL = Organization.Kind.SCHOOL
SCHOOL_WEEKDAYS = 5  # Monday–Friday (ISO weekdays 1–5)
OTHER_WEEKDAYS = 6  # Monday–Saturday


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def bounds(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as aware datetimes: local midnight of its first day and of its end."""
    return (
        local_datetime(period.start, datetime.time.min),
        local_datetime(period.end, datetime.time.min),
    )


def days_of(period: Period) -> list[datetime.date]:
    return [period.start + datetime.timedelta(days=n) for n in range(period.days)]


def _seconds(time: datetime.time) -> int:
    return time.hour * 3600 + time.minute * 60


@dataclass
class OrganizationCalendar:
    organization_id: int
    name: str
    is_school: bool
    window_start: int  # seconds after local midnight
    window_end: int
    open_days: frozenset[datetime.date]
    # A library's or provider's opening intervals on each open day (seconds after local
    # midnight), when it has hours on record; empty: the window on every open day.
    hours: dict[datetime.date, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    @property
    def window_seconds(self) -> int:
        return max(self.window_end - self.window_start, 0)

    def intervals_on(self, day: datetime.date) -> tuple[tuple[int, int], ...]:
        """When the devices can be used on an open day, in seconds after local midnight."""
        if self.hours:
            return self.hours.get(day, ())
        return ((self.window_start, self.window_end),)

    def open_seconds(self, day: datetime.date) -> int:
        """The seconds the devices can be used on an open day: the sum of its intervals."""
        return sum(max(end - start, 0) for start, end in self.intervals_on(day))

    def clipped(self, day: datetime.date, start: int, end: int) -> int:
        """The seconds of [start, end) (after local midnight) inside the day's intervals."""
        return sum(
            max(min(end, closes) - max(start, opens), 0) for opens, closes in self.intervals_on(day)
        )


@dataclass
class Calendars:
    period: Period
    by_organization: dict[int, OrganizationCalendar]
    public_holidays: list[datetime.date]  # the region's, inside the period
    school_holidays: list[datetime.date]
    # Organizations whose open days come from their opening hours, grouped by those days.
    open_by_hours: dict[frozenset[datetime.date], list[int]] = field(default_factory=dict)

    def __getitem__(self, organization_id: int) -> OrganizationCalendar:
        return self.by_organization[organization_id]

    @property
    def by_hours(self) -> list[int]:
        """The organizations whose reserved hours are clipped to each day's opening
        intervals in Python (``OrganizationCalendar.hours``), not to the window in SQL."""
        return [pk for pk, calendar in self.by_organization.items() if calendar.hours]

    # --- as SQL, for reservations joined to their pool's organization -------------------

    def _window_case(self, index: int, organization_field: str):
        """The window start (index 0) or end (1) of the row's organization, as a CASE
        over groups of organizations that share it (most share the commonest: the ELSE)."""
        groups: dict[int, list[int]] = defaultdict(list)
        for calendar in self.by_organization.values():
            value = (calendar.window_start, calendar.window_end)[index]
            groups[value].append(calendar.organization_id)
        if not groups:
            return Value(DEFAULT_WINDOW[index], output_field=IntegerField())
        commonest = Counter({value: len(ids) for value, ids in groups.items()}).most_common(1)
        default = commonest[0][0]
        whens = [
            When(**{f"{organization_field}__in": ids}, then=Value(value))
            for value, ids in groups.items()
            if value != default
        ]
        if not whens:
            return Value(default, output_field=IntegerField())
        return Case(*whens, default=Value(default), output_field=IntegerField())

    def window_start_sql(self, organization_field: str = "pool__organization_id"):
        return self._window_case(0, organization_field)

    def window_end_sql(self, organization_field: str = "pool__organization_id"):
        return self._window_case(1, organization_field)

    def open_day_q(
        self, day: str = "day", weekday: str = "weekday", organization: str = "pool__organization"
    ) -> Q:
        """Rows whose annotated local ``day`` (and its ISO ``weekday``) is open for the row's
        organization. Mirrors ``open_days`` below."""
        school = Q(**{f"{organization}__kind": SCHOOL})
        q = Q(**{f"{weekday}__lte": SCHOOL_WEEKDAYS}) | (Q(**{weekday: OTHER_WEEKDAYS}) & ~school)
        if self.public_holidays:
            q &= ~Q(**{f"{day}__in": self.public_holidays})
        if self.school_holidays:
            q &= ~(school & Q(**{f"{day}__in": self.school_holidays}))
        own_closure = Closure.objects.filter(
            organization=OuterRef(organization), start__lte=OuterRef(day), end__gt=OuterRef(day)
        )
        q &= ~Exists(own_closure)
        if not self.open_by_hours:
            return q
        by_hours = [pk for ids in self.open_by_hours.values() for pk in ids]
        q &= ~Q(**{f"{organization}_id__in": by_hours})
        for open_days, ids in self.open_by_hours.items():
            q |= Q(**{f"{organization}_id__in": ids, f"{day}__in": sorted(open_days)})
        return q


# The hash aggregate of a year's reservations by pool and day (≈170,000 groups at region
# scale, ≈40 MB) spilled to disk in batches under PostgreSQL's default work_mem of 4 MB.
SCAN_WORK_MEM = "32MB"
_in_local_time: ContextVar[bool] = ContextVar("in_local_time", default=False)


@contextmanager
def local_time_cursor(using: str) -> Iterator:
    """A cursor for the scans that read reservations' local days and times of day
    (``local_date``, ``seconds_of_day``). On PostgreSQL it runs in a transaction whose
    session time zone is ``TIME_ZONE``, so that those are casts: ``AT TIME ZONE 'name'``
    looked the zone up by its name for every value, four times a reservation, ≈40 % of the
    main scan's CPU. The work_mem is ``SCAN_WORK_MEM`` for that transaction. Both settings
    are local to the transaction (put back at its end, or here when it is a caller's)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    callers = connection.in_atomic_block
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('TimeZone'), current_setting('work_mem'), "
            "set_config('TimeZone', %s, true), set_config('work_mem', %s, true)",
            [settings.TIME_ZONE, SCAN_WORK_MEM],
        )
        previous = cursor.fetchone()[:2]
        token = _in_local_time.set(True)
        try:
            yield cursor
        finally:
            _in_local_time.reset(token)
        if callers:  # a savepoint keeps SET LOCAL until the caller's transaction ends
            cursor.execute(
                "SELECT set_config('TimeZone', %s, true), set_config('work_mem', %s, true)",
                previous,
            )


def _session_cast(sql: str, cast: str) -> str:
    """``sql`` cast to a date or time in the session's time zone: only right inside
    ``local_time_cursor``, so compiling it anywhere else is an error, not a wrong day."""
    if not _in_local_time.get():
        raise RuntimeError("A local date or time of day is read inside local_time_cursor only.")
    return f"({sql})::{cast}"


def local_date(field: str):
    """A datetime column's local date (``TIME_ZONE``)."""
    return LocalDate(F(field))


class LocalDate(Func):
    """A datetime's local date. On PostgreSQL a cast in the session's time zone, which
    ``local_time_cursor`` sets; elsewhere Django's ``TruncDate`` in ``TIME_ZONE``."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        fallback = TruncDate(self.source_expressions[0], tzinfo=zone())
        return compiler.compile(fallback.resolve_expression(compiler.query, allow_joins=False))

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return _session_cast(sql, "date"), params


def seconds_of_day(field: str):
    """A datetime column's local wall-clock time in seconds after midnight (to the minute),
    as an integer."""
    return SecondsOfDay(F(field))


class SecondsOfDay(Func):
    """A datetime's local wall-clock time in seconds after midnight, to the minute. On
    PostgreSQL from its local time in the session's time zone (``local_time_cursor``), as
    a float (numeric arithmetic over every reservation of a year, from ``EXTRACT``, was a
    fifth of the report's main query); elsewhere from the extracted hour and minute."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        tz = zone()
        column = self.source_expressions[0]
        fallback = Cast(ExtractHour(column, tzinfo=tz), IntegerField()) * Value(3600) + Cast(
            ExtractMinute(column, tzinfo=tz), IntegerField()
        ) * Value(60)
        return compiler.compile(fallback.resolve_expression(compiler.query, allow_joins=False))

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        local_time = _session_cast(sql, "time")
        return f"(FLOOR(DATE_PART('epoch', {local_time}) / 60)::integer * 60)", params


def build_calendars(organizations: QuerySet[Organization], period: Period) -> Calendars:
    """Every organization's window and open days in the period. Seven queries (six when no
    organization has opening hours on record)."""
    rows = list(organizations.values_list("pk", "name", "kind"))
    windows = {
        row["organization"]: (_seconds(row["first"]), _seconds(row["last"]))
        for row in LessonPeriod.objects.filter(organization__in=organizations.values("pk"))
        .values("organization")
        .annotate(first=Min("start"), last=Max("end"))
        .order_by()
    }
    public: set[datetime.date] = set()
    school: set[datetime.date] = set()
    own: dict[int, set[datetime.date]] = defaultdict(set)
    closures = (
        Closure.objects.overlapping(period.start, period.end)
        .filter(Q(organization__in=organizations.values("pk")) | Q(organization__isnull=True))
        .values_list("organization_id", "kind", "start", "end")
    )
    for organization_id, kind, start, end in closures:
        day = max(start, period.start)
        days = set()
        while day < min(end, period.end):
            days.add(day)
            day += datetime.timedelta(days=1)
        if organization_id is not None:
            own[organization_id] |= days
        elif kind == Closure.Kind.PUBLIC_HOLIDAY:
            public |= days
        elif kind == Closure.Kind.SCHOOL_HOLIDAY:
            school |= days
    all_days = days_of(period)
    hours = calendars_for(
        [Organization(pk=pk, name=name, kind=kind) for pk, name, kind in rows],
        period.start,
        period.end - datetime.timedelta(days=1),
    )
    by_organization = {}
    open_by_hours: dict[frozenset[datetime.date], list[int]] = defaultdict(list)
    # Most organizations share their open days (schools, and the others, without closures of
    # their own): each set is counted once and shared.
    open_days_of: dict[tuple[bool, frozenset[datetime.date]], frozenset[datetime.date]] = {}
    for pk, name, kind in rows:
        is_school = kind == SCHOOL
        own_closed = frozenset(own[pk])
        open_days = open_days_of.get((is_school, own_closed))
        if open_days is None:
            weekdays = SCHOOL_WEEKDAYS if is_school else OTHER_WEEKDAYS
            closed = public | own_closed | (school if is_school else set())
            open_days = open_days_of[is_school, own_closed] = frozenset(
                day for day in all_days if day.isoweekday() <= weekdays and day not in closed
            )
        window = windows.get(pk, DEFAULT_WINDOW) if is_school else DEFAULT_WINDOW
        calendar = hours[pk]
        intervals: dict[datetime.date, tuple[tuple[int, int], ...]] = {}
        if calendar.known and all_days:
            open_days = frozenset(calendar.open_days(all_days[0], all_days[-1]))
            open_by_hours[open_days].append(pk)
            spans = [b for b in map(calendar.bounds, sorted(open_days)) if b is not None]
            if spans and not is_school:
                window = (
                    min(_seconds(opens) for opens, _closes in spans),
                    max(_seconds(closes) for _opens, closes in spans),
                )
                # Each day's own intervals (a day with special hours only, its times
                # unknown otherwise, keeps the window).
                for day in open_days:
                    known = calendar.intervals(day)
                    intervals[day] = (
                        tuple((_seconds(i.opens), _seconds(i.closes)) for i in known)
                        if known
                        else (window,)
                    )
        by_organization[pk] = OrganizationCalendar(
            pk, name, is_school, *window, open_days, intervals
        )
    return Calendars(period, by_organization, sorted(public), sorted(school), dict(open_by_hours))
