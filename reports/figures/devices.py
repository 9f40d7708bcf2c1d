"""Device figures: utilization, bookings, loans, overdue and damage rates, shortfalls.

Every count is an SQL aggregate grouped by pool (and month, or day). Python only adds up
those groups and walks the period's days to build the available hours and to spread
reservations that last several days over the days they cover.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Greatest,
    Least,
    Trunc,
    TruncDate,
)

from booking.models import Loan, LoanItem, Reservation
from devices.models import Device, DeviceEvent, DevicePool, DeviceType
from organizations.models import Organization
from reports.periods import Period

from .calendar import (
    Calendars,
    bounds,
    build_calendars,
    days_of,
    local_date,
    local_time_cursor,
    seconds_of_day,
    zone,
)
from .data import DeviceFigures, PoolRow, TypeRow, rate

HOUR = 3600
DAY = 86400
PEAK_DAYS = 5
RESIDENTS = DevicePool.Scope.RESIDENTS
IN_SERVICE = Device.Status.IN_SERVICE
DAMAGED = (LoanItem.Condition.DAMAGED, LoanItem.Condition.MISSING_PARTS)


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _local_month(field_name: str) -> Trunc:
    return Trunc(field_name, "month", output_field=DateField(), tzinfo=zone())


@dataclass
class Usage:
    """Device-seconds reserved and available, per pool and month, and reserved per day."""

    reserved: dict[tuple[int, datetime.date], float] = field(
        default_factory=lambda: defaultdict(float)
    )
    available: dict[tuple[int, datetime.date], float] = field(
        default_factory=lambda: defaultdict(float)
    )
    reserved_by_day: dict[datetime.date, float] = field(default_factory=lambda: defaultdict(float))
    # Confirmed reservations starting in the period, per pool and month: bookings by teachers
    # (none in pools lent to residents, none of course meetings) and shortfalls.
    bookings: dict[tuple[int, datetime.date], int] = field(default_factory=lambda: defaultdict(int))
    shortfalls: dict[tuple[int, datetime.date], int] = field(
        default_factory=lambda: defaultdict(int)
    )


@dataclass
class _Pool:
    pk: int
    name: str
    organization_id: int
    organization: str
    residents: bool


def _pools(organizations: QuerySet[Organization]) -> list[_Pool]:
    rows = (
        DevicePool.objects.filter(organization__in=organizations.values("pk"))
        .order_by("organization__name", "name", "pk")
        .values_list("pk", "name", "organization_id", "organization__name", "booking_scope")
    )
    return [
        _Pool(pk, name, org_id, org_name, scope == RESIDENTS)
        for pk, name, org_id, org_name, scope in rows
    ]


def _confirmed(pool_ids: QuerySet) -> QuerySet[Reservation]:
    return Reservation.objects.filter(pool__in=pool_ids, status=Reservation.Status.CONFIRMED)


def _with_local_days(queryset: QuerySet[Reservation]) -> QuerySet[Reservation]:
    """Read through ``_driver_rows`` only (``local_date`` needs its cursor)."""
    return queryset.annotate(day=local_date("start"), end_day=local_date("end"))


def _window_sql(calendars: list[Calendars], index: int):
    """The window start (index 0) or end (1) of each row's organization, from the calendars
    of the period the row's reservation starts in (the periods are in order; their windows
    can differ: a library's opening hours)."""
    cases = [
        calendar.window_end_sql() if index else calendar.window_start_sql()
        for calendar in calendars
    ]
    expression = cases[-1]
    for position in range(len(calendars) - 2, -1, -1):
        if cases[position] != cases[position + 1]:
            expression = Case(
                When(start__gte=bounds(calendars[position + 1].period)[0], then=expression),
                default=cases[position],
                output_field=IntegerField(),
            )
    return expression


def usages_by_pool_day(
    pool_ids: QuerySet, pools: dict[int, _Pool], calendars: list[Calendars], *, by_day: bool = True
) -> list[Usage]:
    """One Usage per calendars given (the report's period and the one before it), from one
    scan of the confirmed reservations starting in any of their periods, grouped in SQL by
    pool and local day: the one-day reservations' device-seconds clipped to the window of
    the period they start in, the bookings (not of course meetings, none in pools lent to
    residents) and the shortfalls. Whether a day was open is looked up in the
    organizations' calendars here, with no per-row closure lookup in SQL. The groups
    (≈170,000 a year at region scale) become Python rows a chunk at a time, not all at once."""
    ordered = sorted(calendars, key=lambda calendar: calendar.period.start)
    window_start, window_end = _window_sql(ordered, 0), _window_sql(ordered, 1)
    clipped = Greatest(
        Value(0),
        Least(seconds_of_day("end"), window_end) - Greatest(seconds_of_day("start"), window_start),
        output_field=IntegerField(),
    )
    starting = Q()
    for calendar in ordered:
        start, end = bounds(calendar.period)
        starting |= Q(start__gte=start, start__lt=end)
    # Organizations with opening hours: also grouped by the reservations' local times, which
    # are clipped to each day's opening intervals here (a lunch break is not reserved time).
    by_hours = sorted({pk for calendar in ordered for pk in calendar.by_hours})
    times = ("day_start", "day_end") if by_hours else ()
    rows = (
        _with_local_days(_confirmed(pool_ids).filter(starting))
        .annotate(**_local_times(by_hours))
        # Grouped by the last day too, rather than counting the one-day reservations with a
        # FILTER: that compared two local dates (two time-zone conversions) three times a row.
        .values_list("pool", "day", "end_day", *times)
        .annotate(
            s=Sum(F("quantity") * clipped, output_field=IntegerField()),
            quantity_sum=Sum("quantity"),
            bookings=Count("pk", filter=Q(course_meeting__isnull=True)),
            shortfalls=Count("pk", filter=Q(shortfall=True)),
        )
        .order_by()
    )
    usages = [Usage() for _calendar in calendars]
    # Looked up once per pool and per day, not once per row.
    by_day_of: dict[datetime.date, tuple[datetime.date, Usage, Calendars]] = {}
    for calendar, usage in zip(calendars, usages, strict=True):
        for day in days_of(calendar.period):
            by_day_of[day] = (_month(day), usage, calendar)
    residents = {pool_id for pool_id, pool in pools.items() if pool.residents}
    for row in _driver_rows(rows):
        pool_id, day, end_day = row[0], _date(row[1]), row[2]
        day_start, day_end = row[3:5] if times else (None, None)
        seconds, quantity, bookings, shortfalls = row[-4:]
        found = by_day_of.get(day)
        if found is None:
            continue  # between two periods (the one before a running period is cut short)
        month, usage, calendars_of_day = found
        key = (pool_id, month)
        usage.bookings[key] += 0 if pool_id in residents else bookings
        usage.shortfalls[key] += shortfalls
        calendar = calendars_of_day[pools[pool_id].organization_id]
        # Reservations over several days count their hours in reserved_usage.
        if _date(end_day) == day and day in calendar.open_days:
            if day_start is not None:
                seconds = quantity * calendar.clipped(day, day_start, day_end)
            usage.reserved[key] += seconds or 0
            if by_day:
                usage.reserved_by_day[day] += seconds or 0
    return usages


def _driver_rows(queryset: QuerySet, chunk_size: int = 10_000) -> Iterator[tuple]:
    """The rows of a ``values_list()`` queryset as the database driver gives them, without
    Django's converter calls for every value (≈200,000 groups a year at region scale, where
    those calls were a third of the figures' Python time). Only for columns the driver
    already gives as the code needs them (integers; dates through ``_date``).

    Through a plain cursor, not the server-side one of ``.iterator()``: PostgreSQL plans a
    cursor for its first rows (no parallel workers, a sorted group aggregate), which made
    this scan ≈40 % slower. The driver holds the result in its compact form; Python rows
    are made a chunk at a time. In ``local_time_cursor``, for the local days and times."""
    with local_time_cursor(queryset.db) as cursor:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield from rows


def _date(value) -> datetime.date:
    """A date column as the driver gives it: a date (PostgreSQL) or ISO text (SQLite)."""
    return value if value.__class__ is datetime.date else datetime.date.fromisoformat(value)


def _local_times(by_hours: list[int]) -> dict:
    """The reservation's local start and end in seconds after midnight, for the
    organizations with opening hours only (else NULL, so that the others' rows stay grouped
    by pool and day)."""
    if not by_hours:
        return {}
    with_hours = Q(pool__organization_id__in=by_hours)
    return {
        name: Case(When(with_hours, then=seconds_of_day(field_name)), output_field=IntegerField())
        for name, field_name in (("day_start", "start"), ("day_end", "end"))
    }


def period_usages(organizations: QuerySet[Organization], calendars: list[Calendars]) -> list[Usage]:
    """``usages_by_pool_day`` of the organizations' pools (one query for the pools)."""
    pools = {pool.pk: pool for pool in _pools(organizations)}
    pool_ids = DevicePool.objects.filter(organization__in=organizations.values("pk")).values("pk")
    return usages_by_pool_day(pool_ids, pools, calendars)


def reserved_usage(
    pool_ids: QuerySet,
    pools: dict[int, _Pool],
    calendars: Calendars,
    *,
    by_day: bool = True,
    usage: Usage | None = None,
) -> Usage:
    """Reserved device-seconds inside the open days' windows. Reservations within one local
    day are clipped to the window and summed in SQL per pool and day
    (``usages_by_pool_day``; ``usage`` may bring its result, counted for several periods at
    once); longer ones are grouped in SQL by their first and last day and spread over the
    open days between them here."""
    period = calendars.period
    start, end = bounds(period)
    window_start, window_end = calendars.window_start_sql(), calendars.window_end_sql()
    if usage is None:
        usage = usages_by_pool_day(pool_ids, pools, [calendars], by_day=by_day)[0]

    first_day = Greatest(
        Value(0),
        window_end - Greatest(seconds_of_day("start"), window_start),
        output_field=IntegerField(),
    )
    last_day = Greatest(
        Value(0),
        Least(seconds_of_day("end"), window_end) - window_start,
        output_field=IntegerField(),
    )
    by_hours = calendars.by_hours
    spanning = (
        _with_local_days(_confirmed(pool_ids).filter(start__lt=end, end__gt=start))
        .exclude(end_day=F("day"))
        .annotate(**_local_times(by_hours))
        .values_list("pool", "day", "end_day", *(("day_start", "day_end") if by_hours else ()))
        .annotate(
            quantity_sum=Sum("quantity"),
            first=Sum(F("quantity") * first_day, output_field=IntegerField()),
            last=Sum(F("quantity") * last_day, output_field=IntegerField()),
        )
        .order_by()
    )
    days = days_of(period)
    index_of = {day: index for index, day in enumerate(days)}
    month_of = [_month(day) for day in days]
    last_index = len(days) - 1
    for row in _driver_rows(spanning):
        pool_id, first_day, end_day = row[0], _date(row[1]), _date(row[2])
        day_start, day_end = row[3:5] if by_hours else (None, None)
        quantity, first_seconds, last_seconds = row[-3:]
        calendar = calendars[pools[pool_id].organization_id]
        open_days = calendar.open_days
        by_intervals = day_start is not None
        # The days of the period from its first day until its last (the same days, in the
        # same order, as counting on from the first with a timedelta).
        first = index_of[first_day] if first_day >= period.start else 0
        last = index_of[end_day] if end_day <= period.last_day else last_index
        for index in range(first, last + 1):
            day = days[index]
            if day not in open_days:
                continue
            if by_intervals:
                # Inside the day's opening intervals (from the pick-up, until the return).
                from_, until_ = 0, DAY
                if day == first_day:
                    from_ = day_start
                if day == end_day:
                    until_ = day_end
                seconds = quantity * calendar.clipped(day, from_, until_)
            elif day == first_day:
                seconds = first_seconds
            elif day == end_day:
                seconds = last_seconds
            else:
                seconds = quantity * calendar.window_seconds
            usage.reserved[pool_id, month_of[index]] += seconds
            if by_day:
                usage.reserved_by_day[day] += seconds
    return usage


def _in_service_changes(pool_ids: QuerySet, period: Period) -> dict[int, dict]:
    """Per pool, how its devices in service change from day to day in the period, counted
    in SQL: +n on the day n devices that are in service today were added (all added before
    the period count from its first day), and the status changes wound back: a device that
    left service on day e (and was added on day c) counted from c up to e − 1, one that came
    into service did not. A change counts from the day it happened."""
    tz = zone()
    start, _end = bounds(period)
    before = period.start - datetime.timedelta(days=1)
    added = Case(
        When(created_at__lt=start, then=Value(before)),
        default=TruncDate("created_at", tzinfo=tz),
        output_field=DateField(),
    )
    changes: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for row in (
        Device.objects.filter(pool__in=pool_ids, status=IN_SERVICE)
        .values("pool", added=added)
        .annotate(n=Count("pk"))
        .order_by()
    ):
        changes[row["pool"]][max(row["added"], period.start)] += row["n"]
    delta = Case(When(to_status=IN_SERVICE, then=Value(1)), default=Value(0)) - Case(
        When(from_status=IN_SERVICE, then=Value(1)), default=Value(0)
    )
    device_added = Case(
        When(device__created_at__lt=start, then=Value(before)),
        default=TruncDate("device__created_at", tzinfo=tz),
        output_field=DateField(),
    )
    for row in (
        DeviceEvent.objects.filter(
            device__pool__in=pool_ids, kind=DeviceEvent.Kind.STATUS, created_at__gte=start
        )
        .values(
            pool=F("device__pool"),
            day=TruncDate("created_at", tzinfo=tz),
            added=device_added,
        )
        .annotate(delta=Sum(delta, output_field=IntegerField()))
        .order_by()
    ):
        # Before the change the device had the other status: undo it from when it was added.
        changes[row["pool"]][max(row["added"], period.start)] -= row["delta"]
        changes[row["pool"]][row["day"]] += row["delta"]
    return changes


def average_in_repair(pool_ids: QuerySet, period: Period) -> float:
    """The devices of the pools in repair, averaged over the period's days (for "3 of 77
    devices were in repair on average"), counted as the devices in service on average are:
    today's devices in repair from the day they were added (from the period's first day if
    added before it), wound back through the status changes since the period began. One
    query."""
    tz = zone()
    start, _end = bounds(period)
    before = period.start - datetime.timedelta(days=1)

    def added(field_name: str) -> Case:
        return Case(
            When(**{f"{field_name}__lt": start}, then=Value(before)),
            default=TruncDate(field_name, tzinfo=tz),
            output_field=DateField(),
        )

    in_repair = Device.Status.IN_REPAIR
    delta = Case(When(to_status=in_repair, then=Value(1)), default=Value(0)) - Case(
        When(from_status=in_repair, then=Value(1)), default=Value(0)
    )
    # One query: today's devices in repair by the day they were added (no change day), and
    # the changes to or from repair since the period began by day.
    now_in_repair = (
        Device.objects.filter(pool__in=pool_ids, status=in_repair)
        .values(added=added("created_at"), day=Value(None, output_field=DateField()))
        .annotate(n=Count("pk"))
        .order_by()
    )
    status_changes = (
        DeviceEvent.objects.filter(
            device__pool__in=pool_ids, kind=DeviceEvent.Kind.STATUS, created_at__gte=start
        )
        .values(added=added("device__created_at"), day=TruncDate("created_at", tzinfo=tz))
        .annotate(n=Sum(delta, output_field=IntegerField()))
        .order_by()
    )
    changes: dict[datetime.date, int] = defaultdict(int)
    for row in now_in_repair.union(status_changes, all=True).order_by():
        if row["day"] is None:
            changes[max(row["added"], period.start)] += row["n"]
            continue
        # Before the change the device had the other status: undo it from when it was added.
        changes[max(row["added"], period.start)] -= row["n"]
        changes[row["day"]] += row["n"]
    running = device_days = 0
    for day in days_of(period):
        running += changes.get(day, 0)
        device_days += max(running, 0)
    return round(device_days / max(period.days, 1), 1)


def available_usage(
    usage: Usage, pools: Iterable[_Pool], calendars: Calendars, changes: dict[int, dict]
) -> dict[int, tuple[int, float]]:
    """Add the available device-seconds per pool and month to ``usage``: each open day's
    window (a library's or provider's opening intervals that day) × the pool's devices in
    service on that day. Returns each pool's devices in
    service at the end of the period and their average over the period's days.

    A pool's devices in service change on few days, so the period is walked in stretches
    between those days, each stretch's open seconds taken from its organization's running
    sum of open seconds per day (``_OpenSeconds``): the same whole seconds, added up in a
    different order, as walking every pool's every day."""
    period = calendars.period
    days = days_of(period)
    index_of = {day: index for index, day in enumerate(days)}
    month_spans: dict[datetime.date, list[int]] = {}
    for index, day in enumerate(days):
        month_spans.setdefault(_month(day), [index, index])[1] = index + 1
    # Organizations without opening hours on record share their open seconds when they share
    # their open days and window (most schools do).
    open_seconds: dict[object, _OpenSeconds] = {}
    capacities = {}
    for pool in pools:
        calendar = calendars[pool.organization_id]
        key = (
            pool.organization_id
            if calendar.hours
            else (calendar.open_days, calendar.window_start, calendar.window_end)
        )
        seconds = open_seconds.get(key)
        if seconds is None:
            seconds = open_seconds[key] = _OpenSeconds(calendar, days, month_spans)
        # The running count from each day it changes on (days outside the period ignored).
        steps: dict[int, int] = defaultdict(int)
        for day, change in changes.get(pool.pk, {}).items():
            index = index_of.get(day)
            if index is not None:
                steps[index] += change
        running = 0
        stretches = []  # (first day's index, end index, devices in service)
        positions = sorted(steps)
        for number, index in enumerate(positions):
            running += steps[index]
            end = positions[number + 1] if number + 1 < len(positions) else len(days)
            stretches.append((index, end, max(running, 0)))
        device_days = sum((end - first) * count for first, end, count in stretches)
        for month, month_first, month_end in seconds.months:
            total = 0
            for first, end, count in stretches:
                if count and first < month_end and end > month_first:
                    total += count * seconds.between(max(first, month_first), min(end, month_end))
            usage.available[pool.pk, month] += total
        capacities[pool.pk] = (max(running, 0), device_days / max(period.days, 1))
    return capacities


class _OpenSeconds:
    """One organization's open seconds in a period: a running sum over the period's days,
    and the months that have an open day (with the indexes of their first and end day)."""

    def __init__(
        self, calendar, days: list[datetime.date], month_spans: dict[datetime.date, list[int]]
    ) -> None:
        running = self.running = [0]
        total = 0
        open_days = calendar.open_days
        for day in days:
            if day in open_days:
                total += calendar.open_seconds(day)
            running.append(total)
        # Only months with an open day get a figure (zero or not), as when walking the days.
        self.months = [
            (month, first, end)
            for month, (first, end) in month_spans.items()
            if any(day in open_days for day in days[first:end])
        ]

    def between(self, first: int, end: int) -> int:
        return self.running[end] - self.running[first]


def _status_counts(pool_ids: QuerySet, at: datetime.datetime) -> dict[str, int]:
    """Devices of the pools per status at ``at``: those added by then, with today's status
    wound back through the status changes since. The devices of the scope are those of its
    organizations' pools, so the figures add up to the per-pool table (a device in no pool
    cannot be booked or lent)."""
    counts = defaultdict(int)
    owned = Device.objects.filter(pool__in=pool_ids, created_at__lt=at)
    for row in owned.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] += row["n"]
    for row in (
        DeviceEvent.objects.filter(
            device__in=owned.values("pk"), kind=DeviceEvent.Kind.STATUS, created_at__gte=at
        )
        .values("from_status", "to_status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["to_status"]] -= row["n"]
        if row["from_status"]:
            counts[row["from_status"]] += row["n"]
    return {status: max(count, 0) for status, count in counts.items()}


@dataclass
class MonthlyDevices:
    """The device part of the month-by-month trend."""

    reserved: float = 0.0
    available: float = 0.0
    bookings: int = 0
    loans: int = 0  # loans to residents
    handouts: int = 0  # hand-outs of teachers' bookings


def device_figures(
    organizations: QuerySet[Organization],
    period: Period,
    *,
    now: datetime.datetime,
    calendars: Calendars | None = None,
    usage: Usage | None = None,
) -> tuple[DeviceFigures, dict[datetime.date, MonthlyDevices]]:
    """The device figures of the organizations over the period, and their months.
    ``usage``: this period's from ``period_usages``, when the caller counts several periods
    from one scan."""
    calendars = calendars or build_calendars(organizations, period)
    start, end = bounds(period)
    pool_list = _pools(organizations)
    pools = {pool.pk: pool for pool in pool_list}
    pool_ids = DevicePool.objects.filter(organization__in=organizations.values("pk")).values("pk")

    usage = reserved_usage(pool_ids, pools, calendars, usage=usage)
    capacities = available_usage(usage, pool_list, calendars, _in_service_changes(pool_ids, period))

    months: dict[datetime.date, MonthlyDevices] = {
        month: MonthlyDevices() for month in period.months()
    }
    per_pool: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (pool_id, month), seconds in usage.reserved.items():
        per_pool[pool_id]["reserved"] += seconds
        months[month].reserved += seconds
    for (pool_id, month), seconds in usage.available.items():
        per_pool[pool_id]["available"] += seconds
        months[month].available += seconds

    for (pool_id, month), bookings in usage.bookings.items():
        per_pool[pool_id]["bookings"] += bookings
        per_pool[pool_id]["shortfalls"] += usage.shortfalls[pool_id, month]
        months[month].bookings += bookings

    overdue = Q(closed_at__gt=F("due_at")) | Q(closed_at__isnull=True, due_at__lt=now)
    for row in (
        Loan.objects.filter(pool__in=pool_ids, handed_out_at__gte=start, handed_out_at__lt=end)
        .values("pool", month=_local_month("handed_out_at"))
        .annotate(loans=Count("pk"), overdue=Count("pk", filter=overdue))
        .order_by()
    ):
        # A loan from a pool lent to residents is a loan to a resident; from any other pool
        # it is the hand-out of a teacher's booking: two figures with two names.
        kind = "loans" if pools[row["pool"]].residents else "handouts"
        per_pool[row["pool"]][kind] += row["loans"]
        per_pool[row["pool"]][f"{kind}_overdue"] += row["overdue"]
        month = months[row["month"]]
        setattr(month, kind, getattr(month, kind) + row["loans"])

    for row in (
        Loan.objects.filter(pool__in=pool_ids, closed_at__gte=start, closed_at__lt=end)
        .values("pool")
        .annotate(closed=Count("pk"), length=Sum(F("closed_at") - F("handed_out_at")))
        .order_by()
    ):
        kind = "loans" if pools[row["pool"]].residents else "handouts"
        per_pool[row["pool"]][f"{kind}_closed"] += row["closed"]
        per_pool[row["pool"]][f"{kind}_seconds"] += _seconds(row["length"])

    for row in (
        LoanItem.objects.filter(
            loan__pool__in=pool_ids, returned_at__gte=start, returned_at__lt=end
        )
        .values(pool=F("loan__pool"))
        .annotate(returned=Count("pk"), damaged=Count("pk", filter=Q(condition__in=DAMAGED)))
        .order_by()
    ):
        per_pool[row["pool"]]["returned"] += row["returned"]
        per_pool[row["pool"]]["damaged"] += row["damaged"]

    for pool in pool_list:
        per_pool[pool.pk]["avg_in_service"] = capacities[pool.pk][1]
    kinds = _kinds(pool_ids, end)
    rows = [_pool_row(pool, per_pool[pool.pk], capacities[pool.pk][0], kinds) for pool in pool_list]
    statuses = _status_counts(pool_ids, end)
    figures = DeviceFigures(
        in_service=statuses.get(Device.Status.IN_SERVICE, 0),
        in_repair=statuses.get(Device.Status.IN_REPAIR, 0),
        lost=statuses.get(Device.Status.LOST, 0),
        retired=statuses.get(Device.Status.RETIRED, 0),
        avg_in_repair=average_in_repair(pool_ids, period),
        pools=rows,
        peak_days=_peak_days(usage.reserved_by_day),
        by_type=_by_type(pool_list, per_pool, kinds),
        pool_counts={pool.pk: per_pool[pool.pk] for pool in pool_list},
        **totals(per_pool.values()),
    )
    return figures, months


def totals(values: Iterable[dict[str, float]]) -> dict:
    """The summed figures of some pools (every pool of a scope, or one organization's), each
    rate with the same numerator and denominator as the per-pool rows: one definition for
    the summary, the per-organization and the per-pool tables."""
    total: dict[str, float] = defaultdict(float)
    for pool_values in values:
        for name, value in pool_values.items():
            total[name] += value
    return {
        "avg_in_service": round(total["avg_in_service"], 1),
        "reserved_hours": _hours(total["reserved"]),
        "available_hours": _hours(total["available"]),
        "utilization": rate(total["reserved"], total["available"]),
        "bookings_by_teachers": int(total["bookings"]),
        "handouts": int(total["handouts"]),
        "avg_handout_hours": _rounded(
            rate(total["handouts_seconds"], total["handouts_closed"]), HOUR
        ),
        "handouts_overdue_rate": rate(total["handouts_overdue"], total["handouts"]),
        "loans_to_residents": int(total["loans"]),
        "avg_loan_days": _rounded(rate(total["loans_seconds"], total["loans_closed"]), DAY),
        "overdue_rate": rate(total["loans_overdue"], total["loans"]),
        "damage_rate": rate(total["damaged"], total["returned"]),
        "shortfalls": int(total["shortfalls"]),
    }


def _hours(seconds: float) -> float:
    return round(seconds / HOUR, 2)


def _seconds(length) -> float:
    """A summed duration in seconds: a timedelta, or microseconds where SQLite returns a
    number."""
    if length is None:
        return 0.0
    if isinstance(length, datetime.timedelta):
        return length.total_seconds()
    return float(length) / 1_000_000


def _rounded(seconds: float | None, unit: int) -> float | None:
    return None if seconds is None else seconds / unit


def _peak_days(by_day: dict[datetime.date, float]) -> list[tuple[datetime.date, float]]:
    busiest = sorted(
        ((day, seconds) for day, seconds in by_day.items() if seconds > 0),
        key=lambda item: (-item[1], item[0]),
    )
    return [(day, _hours(seconds)) for day, seconds in busiest[:PEAK_DAYS]]


def _kinds(pool_ids: QuerySet, at: datetime.datetime) -> dict[int, dict[str, int]]:
    """Per pool, its devices in service by kind (tablet, laptop …) at ``at``, counted as
    _status_counts counts them: added by then, today's status wound back through the status
    changes since. So the per-type table agrees with the per-pool table and the figures."""
    kinds: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        Device.objects.filter(pool__in=pool_ids, status=IN_SERVICE, created_at__lt=at)
        .values("pool", kind=F("device_type__kind"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        kinds[row["pool"]][row["kind"]] += row["n"]
    undo = Case(When(from_status=IN_SERVICE, then=Value(1)), default=Value(0)) - Case(
        When(to_status=IN_SERVICE, then=Value(1)), default=Value(0)
    )
    for row in (
        DeviceEvent.objects.filter(
            device__pool__in=pool_ids,
            device__created_at__lt=at,
            kind=DeviceEvent.Kind.STATUS,
            created_at__gte=at,
        )
        .values(pool=F("device__pool"), device_kind=F("device__device_type__kind"))
        .annotate(n=Sum(undo, output_field=IntegerField()))
        .order_by()
    ):
        kinds[row["pool"]][row["device_kind"]] += row["n"] or 0
    return {
        pool: {kind: count for kind, count in counts.items() if count > 0}
        for pool, counts in kinds.items()
    }


def _kind_label(kind: str) -> str:
    try:
        return str(DeviceType.Kind(kind).label)
    except ValueError:
        return kind


def _pool_row(
    pool: _Pool, values: dict[str, float], capacity: int, kinds: dict[int, dict[str, int]]
) -> PoolRow:
    pool_kinds = kinds.get(pool.pk, {})
    labels = [_kind_label(kind) for kind in DeviceType.Kind.values if kind in pool_kinds]
    return PoolRow(
        pool_id=pool.pk,
        pool=pool.name,
        organization_id=pool.organization_id,
        organization=pool.organization,
        residents=pool.residents,
        kinds=", ".join(labels),
        capacity=capacity,
        **totals([values]),
    )


def _by_type(
    pools: list[_Pool], per_pool: dict[int, dict[str, float]], kinds: dict[int, dict[str, int]]
) -> list[TypeRow]:
    """Per device kind. A pool with several kinds shares its hours among them in proportion to
    its devices in service of each kind."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for pool in pools:
        pool_kinds = kinds.get(pool.pk, {})
        devices = sum(pool_kinds.values())
        for kind, count in pool_kinds.items():
            share = count / devices
            totals[kind]["devices"] += count
            totals[kind]["reserved"] += per_pool[pool.pk]["reserved"] * share
            totals[kind]["available"] += per_pool[pool.pk]["available"] * share
    return [
        TypeRow(
            kind=kind,
            label=_kind_label(kind),
            devices=int(totals[kind]["devices"]),
            reserved_hours=_hours(totals[kind]["reserved"]),
            available_hours=_hours(totals[kind]["available"]),
            utilization=rate(totals[kind]["reserved"], totals[kind]["available"]),
        )
        for kind in DeviceType.Kind.values
        if kind in totals
    ]


def utilization_by_org_month(
    organization_ids: list[int], period: Period
) -> dict[tuple[int, datetime.date], tuple[float, float]]:
    """(organization id, month) → (reserved device-hours, available device-hours), for every
    organization given and every month of the period (zeros where there is nothing)."""
    return use_by_org_month(organization_ids, period)[0]


type OrgMonth = tuple[int, datetime.date]


def use_by_org_month(
    organization_ids: list[int], period: Period
) -> tuple[dict[OrgMonth, tuple[float, float]], dict[OrgMonth, int]]:
    """``utilization_by_org_month``, and the bookings by teachers per (organization id,
    month) as the report counts them, from the same scan of the period's reservations."""
    organizations = Organization.objects.filter(pk__in=organization_ids)
    calendars = build_calendars(organizations, period)
    pool_list = _pools(organizations)
    pools = {pool.pk: pool for pool in pool_list}
    pool_ids = DevicePool.objects.filter(organization__in=organizations.values("pk")).values("pk")
    usage = reserved_usage(pool_ids, pools, calendars, by_day=False)
    available_usage(usage, pool_list, calendars, _in_service_changes(pool_ids, period))
    result = {
        (organization_id, month): [0.0, 0.0]
        for organization_id in calendars.by_organization
        for month in period.months()
    }
    for index, values in enumerate((usage.reserved, usage.available)):
        for (pool_id, month), seconds in values.items():
            result[pools[pool_id].organization_id, month][index] += seconds
    bookings: dict[OrgMonth, int] = defaultdict(int)
    for (pool_id, month), count in usage.bookings.items():
        bookings[pools[pool_id].organization_id, month] += count
    utilization = {
        key: (_hours(reserved), _hours(available)) for key, (reserved, available) in result.items()
    }
    return utilization, dict(bookings)


__all__ = ["MonthlyDevices", "device_figures", "use_by_org_month", "utilization_by_org_month"]
