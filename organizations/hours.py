"""When an organization is open: its weekly hours, summer hours, one-off special hours and
closures, read once for a range of days.

Every date Lernpool proposes or accepts for a person (a pick-up day, a due date, the end of a
hold, a reminder) asks an ``OpeningCalendar``; nothing else decides whether a day is open.

- **Special hours** on a day replace everything else that day ("24.12. 10–12").
- Else a **closure** (the organization's own, the region's public holidays, and for schools
  the school holidays) closes the day.
- Else the narrowest **opening schedule** whose range holds the day gives that weekday's
  intervals; a weekday without intervals is closed.
- An organization with no hours on record at all is open on every day it is not closed
  (``known`` is False then, so that pages can say the hours are not known).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import (
    CharField,
    F,
    Prefetch,
    Q,
    QuerySet,
    TimeField,
    Value,
    prefetch_related_objects,
)
from django.utils import timezone

from core.prepared import PreparedQuery

from .models import Closure, OpeningInterval, OpeningSchedule, Organization, SpecialHours

ONE_DAY = datetime.timedelta(days=1)
# How far ahead a calendar reads when asked about a day beyond its range.
EXTEND_DAYS = 120
# The longest run of closed days a search walks before it gives up (a year without an open day
# is a mistake in the data, not a reason to loop forever).
SEARCH_DAYS = 366


@dataclass(frozen=True)
class Interval:
    opens: datetime.time
    closes: datetime.time


def closes(closure: Closure, organization: Organization) -> bool:
    """Whether a closure (from a query over several organizations and the region) applies to
    the organization; mirrors ClosureQuerySet.for_organization."""
    if closure.organization_id is not None:
        return closure.organization_id == organization.pk
    if closure.kind == Closure.Kind.PUBLIC_HOLIDAY:
        return True
    return (
        closure.kind == Closure.Kind.SCHOOL_HOLIDAY
        and organization.kind == Organization.Kind.SCHOOL
    )


def aware(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """The moment of a local wall-clock time on a day (clock changes included)."""
    return timezone.make_aware(datetime.datetime.combine(day, time))


@dataclass
class OpeningCalendar:
    """The opening days and hours of one organization over [first, last]."""

    organization: Organization
    first: datetime.date
    last: datetime.date
    schedules: list[OpeningSchedule] = field(default_factory=list)
    special: dict[datetime.date, list[Interval]] = field(default_factory=dict)
    closed: dict[datetime.date, str] = field(default_factory=dict)
    on_record: bool = False

    # --- reading ---------------------------------------------------------------------------

    @property
    def known(self) -> bool:
        """Whether the organization has opening hours on record."""
        return self.on_record or bool(self.special)

    def covers(self, day: datetime.date) -> bool:
        return self.first <= day <= self.last

    def _ensure(self, day: datetime.date) -> None:
        """Read further when asked about a day outside the range (rare: a few queries)."""
        if self.covers(day):
            return
        first = min(self.first, day)
        last = max(self.last, day + datetime.timedelta(days=EXTEND_DAYS))
        fresh = calendar_for(self.organization, first, last)
        self.first, self.last = fresh.first, fresh.last
        self.schedules, self.special, self.closed = fresh.schedules, fresh.special, fresh.closed
        self.on_record = fresh.on_record

    def schedule_on(self, day: datetime.date) -> OpeningSchedule | None:
        """The weekly hours that apply on the day: the narrowest range holding it."""
        holding = [schedule for schedule in self.schedules if schedule.covers(day)]
        if not holding:
            return None
        return min(
            holding,
            key=lambda schedule: (
                schedule.span_days,
                -(schedule.valid_from or datetime.date.min).toordinal(),
            ),
        )

    def closure_on(self, day: datetime.date) -> str | None:
        """The name of the closure that closes the day (None when there is none, or when
        special hours open it anyway)."""
        self._ensure(day)
        if day in self.special:
            return None
        return self.closed.get(day)

    def intervals(self, day: datetime.date) -> list[Interval] | None:
        """The opening intervals of the day in order; [] on a closed day; None when the
        organization has no hours on record for the day (open, times unknown)."""
        self._ensure(day)
        if day in self.special:
            return self.special[day]
        if day in self.closed:
            return []
        schedule = self.schedule_on(day)
        if schedule is None:
            return [] if self.on_record else None
        return [
            Interval(interval.opens, interval.closes)
            for interval in schedule.intervals.all()
            if interval.weekday == day.weekday()
        ]

    def is_open(self, day: datetime.date) -> bool:
        intervals = self.intervals(day)
        return intervals is None or bool(intervals)

    def is_open_at(self, moment: datetime.datetime) -> bool:
        local = timezone.localtime(moment)
        intervals = self.intervals(local.date())
        if intervals is None:
            return not self.closure_on(local.date())
        return any(i.opens <= local.time() < i.closes for i in intervals)

    def open_until(self, moment: datetime.datetime) -> datetime.datetime | None:
        """When the current opening interval ends (None when closed now or times unknown)."""
        local = timezone.localtime(moment)
        for interval in self.intervals(local.date()) or []:
            if interval.opens <= local.time() < interval.closes:
                return aware(local.date(), interval.closes)
        return None

    def next_opening(self, moment: datetime.datetime) -> datetime.datetime | None:
        """The next moment the organization opens after ``moment`` (None when unknown)."""
        local = timezone.localtime(moment)
        day = local.date()
        for _ in range(SEARCH_DAYS):
            intervals = self.intervals(day)
            if intervals is None:
                return None
            for interval in intervals:
                if day > local.date() or interval.opens > local.time():
                    return aware(day, interval.opens)
            day += ONE_DAY
        return None

    # --- counting days ---------------------------------------------------------------------

    def roll_forward(self, day: datetime.date) -> datetime.date:
        """The day itself when open, else the next open day (as Koha moves due dates)."""
        for _ in range(SEARCH_DAYS):
            if self.is_open(day):
                return day
            day += ONE_DAY
        return day

    def next_open_day(self, day: datetime.date) -> datetime.date:
        """The first open day after ``day``."""
        return self.roll_forward(day + ONE_DAY)

    def last_open_day_before(self, day: datetime.date) -> datetime.date | None:
        """The last open day before ``day`` (None when none within a year)."""
        day -= ONE_DAY
        for _ in range(SEARCH_DAYS):
            if self.is_open(day):
                return day
            day -= ONE_DAY
        return None

    def add_open_days(self, day: datetime.date, count: int) -> datetime.date:
        """The ``count``-th open day after ``day`` (``day`` itself is not counted)."""
        for _ in range(count):
            day = self.next_open_day(day)
        return day

    def open_days(self, first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
        day = first
        while day <= last:
            if self.is_open(day):
                yield day
            day += ONE_DAY

    def bounds(self, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
        """The earliest opening and latest closing time of the day (None: closed or unknown)."""
        intervals = self.intervals(day)
        if not intervals:
            return None
        return min(i.opens for i in intervals), max(i.closes for i in intervals)


# What the one query of ``calendars_for`` reads, told apart by its first column.
_SCHEDULE, _SPECIAL, _CLOSURE = 1, 2, 3


def calendars_for(
    organizations: Iterable[Organization], first: datetime.date, last: datetime.date
) -> dict[int, OpeningCalendar]:
    """Opening calendars of several organizations over [first, last], by organization id.
    One query whatever the number of organizations (the schedules, the special hours and the
    closures as one UNION ALL), and one more for the schedules' intervals when any of them
    has hours on record."""
    organizations = list(organizations)
    ids = [organization.pk for organization in organizations]
    calendars = {
        organization.pk: OpeningCalendar(organization, first, last)
        for organization in organizations
    }
    if not ids:
        return calendars
    rows = _calendar_rows(ids, first, last)
    # Every schedule of the organizations (a handful each): one that does not touch the range
    # still says that the organization has hours on record.
    schedules = [
        OpeningSchedule.from_db(
            "default",
            ["id", "organization_id", "name", "valid_from", "valid_until"],
            [row["pk"], row["organization_id"], row["name"], row["first"], row["last"]],
        )
        for row in rows
        if row["source"] == _SCHEDULE
    ]
    schedules.sort(key=lambda schedule: (schedule.valid_from or datetime.date.min, schedule.pk))
    prefetch_related_objects(
        schedules,
        Prefetch("intervals", queryset=OpeningInterval.objects.order_by("weekday", "opens")),
    )
    by_org: dict[int, list[OpeningSchedule]] = defaultdict(list)
    known = set()
    for schedule in schedules:
        known.add(schedule.organization_id)
        if (schedule.valid_until is None or schedule.valid_until >= first) and (
            schedule.valid_from is None or schedule.valid_from <= last
        ):
            by_org[schedule.organization_id].append(schedule)
    special: dict[int, dict[datetime.date, list[Interval]]] = defaultdict(dict)
    for hours in sorted(
        (row for row in rows if row["source"] == _SPECIAL),
        key=lambda row: (row["first"], row["opens"]),
    ):
        special[hours["organization_id"]].setdefault(hours["first"], []).append(
            Interval(hours["opens"], hours["closes"])
        )
    closures = [
        Closure(
            pk=row["pk"],
            organization_id=row["organization_id"],
            kind=row["kind"],
            name=row["name"],
            start=row["first"],
            end=row["last"],
        )
        for row in sorted(
            (row for row in rows if row["source"] == _CLOSURE),
            key=lambda row: (row["first"], row["pk"]),
        )
    ]
    for organization in organizations:
        calendar = calendars[organization.pk]
        calendar.schedules = by_org.get(organization.pk, [])
        # Hours on record, but none for a day: the day is closed (unless special hours).
        calendar.on_record = organization.pk in known
        calendar.special = special.get(organization.pk, {})
        for closure in closures:
            if not closes(closure, organization):
                continue
            day = max(closure.start, first)
            while day < closure.end and day <= last:
                calendar.closed.setdefault(day, closure.name)
                day += ONE_DAY
    return calendars


_COLUMNS = ["source", "organization_id", "pk", "first", "last", "opens", "closes", "name", "kind"]


def _calendar_rows(ids: list[int], first: datetime.date, last: datetime.date) -> list[dict]:
    """The organizations' schedules (all of them), their special hours in [first, last] and
    the closures that touch it (their own, and the region's holidays), in one query: each row
    with ``source``, ``organization_id``, ``pk``, ``first`` and ``last`` (the schedule's valid
    range, the special day twice, the closure's start and end), ``opens`` and ``closes`` (the
    special hours), ``name`` (the schedule's, the special day's note, the closure's) and
    ``kind`` (the closure's)."""
    if len(ids) == 1:  # every booking's: compiled once (core.prepared)
        rows = _ONE_CALENDAR.rows(
            organization_id=ids[0], first=first, last=last, until=last + ONE_DAY
        )
    else:
        rows = _calendar_union(ids, first, last, last + ONE_DAY)
    return [dict(zip(_COLUMNS, row, strict=True)) for row in rows]


def _calendar_union(
    ids: list[int], first: datetime.date, last: datetime.date, until: datetime.date
) -> QuerySet:
    """The query of ``_calendar_rows``; ``until`` is the day after ``last``."""
    no_time = Value(None, output_field=TimeField())
    columns = _COLUMNS[:-1]
    schedules = (
        OpeningSchedule.objects.filter(organization_id__in=ids)
        .order_by()
        .annotate(
            source=Value(_SCHEDULE),
            first=F("valid_from"),
            last=F("valid_until"),
            no_opens=no_time,
            no_closes=no_time,
            no_kind=Value("", output_field=CharField()),
        )
        .values_list(*columns[:5], "no_opens", "no_closes", "name", "no_kind")
    )
    special = (
        SpecialHours.objects.filter(organization_id__in=ids, day__gte=first, day__lte=last)
        .order_by()
        .annotate(
            source=Value(_SPECIAL),
            first=F("day"),
            last=F("day"),
            no_kind=Value("", output_field=CharField()),
        )
        .values_list(*columns[:5], "opens", "closes", "note", "no_kind")
    )
    closures = (
        Closure.objects.filter(
            Q(organization_id__in=ids)
            | Q(
                organization__isnull=True,
                kind__in=[Closure.Kind.PUBLIC_HOLIDAY, Closure.Kind.SCHOOL_HOLIDAY],
            )
        )
        .overlapping(first, until)
        .order_by()
        .annotate(
            source=Value(_CLOSURE),
            first=F("start"),
            last=F("end"),
            no_opens=no_time,
            no_closes=no_time,
        )
        .values_list(*columns[:5], "no_opens", "no_closes", "name", "kind")
    )
    return schedules.union(special, closures, all=True).order_by()


_ONE_CALENDAR = PreparedQuery(
    lambda organization_id, first, last, until: _calendar_union(
        [organization_id], first, last, until
    )
)


def calendar_for(
    organization: Organization, first: datetime.date, last: datetime.date
) -> OpeningCalendar:
    """The opening calendar of one organization over [first, last]. Two queries, one
    without hours on record (``calendars_for``)."""
    return calendars_for([organization], first, last)[organization.pk]
