"""How many devices of a pool are free, computed in SQL.

Reservations are half-open ``[start, end)``. The load of a pool at an instant is the sum of
the quantities of its confirmed reservations that contain the instant; it only rises at a
reservation's start and falls at its end, so the loads at those points describe it fully.
Both functions below run one query, whatever the number of reservations.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.prepared import PreparedQuery

from .models import Reservation


@dataclass(frozen=True)
class Interval:
    """From ``start`` until ``end`` (half-open), ``reserved`` devices are booked."""

    start: datetime.datetime
    end: datetime.datetime
    reserved: int


def _base(pool_id: int, *, user=None, exclude: Iterable[int] = (), statuses=None):
    statuses = statuses or (Reservation.Status.CONFIRMED,)
    base = Reservation.objects.filter(pool_id=pool_id, status__in=statuses)
    if user is not None:
        base = base.filter(user=user)
    exclude = list(exclude)
    if exclude:
        base = base.exclude(pk__in=exclude)
    return base


# The load at every point where it changes, as a running sum of +quantity at each start
# (clipped to the range's start) and -quantity at each end inside the range. One scan of the
# overlapping rows through the `reservation_overlap` index; a correlated subquery per point
# was measured 20-500 times slower at 100,000 reservations (bench/README.md).
_STEPS = """
WITH w AS ({window}),
ev AS (
    SELECT w."pool_id" AS pool_id,
           CASE WHEN w."start" < %s THEN %s ELSE w."start" END AS point,
           w."quantity" AS delta
    FROM w
    UNION ALL
    SELECT w."pool_id", w."end", -w."quantity" FROM w WHERE w."end" < %s
)"""
_STEP_SQL = (
    _STEPS
    + """
SELECT pool_id, point, SUM(SUM(delta)) OVER (PARTITION BY pool_id ORDER BY point) AS load
FROM ev GROUP BY pool_id, point ORDER BY pool_id, point
"""
)
# The same with one value that another query selects (a one-column subquery of one row),
# which comes back on every row, and on one row of its own when nothing overlaps.
_STEP_AND_VALUE_SQL = (
    _STEPS  # noqa: S608 (constant text: only compiled querysets are put into it)
    + """,
steps AS (
    SELECT pool_id, point,
           SUM(SUM(delta)) OVER (PARTITION BY pool_id ORDER BY point) AS load
    FROM ev GROUP BY pool_id, point
)
SELECT v.found, steps.point, steps.load
FROM (SELECT ({value}) AS found) AS v LEFT JOIN steps ON 1 = 1 ORDER BY steps.point
"""
)


def _steps(
    base, start: datetime.datetime, end: datetime.datetime
) -> dict[int, list[tuple[datetime.datetime, int]]]:
    """Per pool, (point, load) rows over [start, end) for the ``base`` reservations, from
    one query."""
    window = _window(base, start, end)
    window_sql, window_params = window.query.get_compiler(using=window.db).as_sql()
    adapt = connection.ops.adapt_datetimefield_value
    at, until = adapt(start), adapt(end)
    with connection.cursor() as cursor:
        cursor.execute(_STEP_SQL.format(window=window_sql), [*window_params, at, at, until])
        rows = cursor.fetchall()
    steps: dict[int, list[tuple[datetime.datetime, int]]] = {}
    for pool_id, point, load in rows:
        steps.setdefault(pool_id, []).append((_as_datetime(point), int(load)))
    return steps


def _as_datetime(value) -> datetime.datetime:
    """SQLite hands back the stored text (UTC); PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def peak_reserved(
    pool_id: int,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    user=None,
    exclude: Iterable[int] = (),
    statuses=None,
) -> int:
    """The most devices that confirmed reservations need at any instant of [start, end).

    With ``user``, only that person's reservations count (the per-person limit); with
    ``statuses``, reservations in those states count instead of confirmed ones only.
    One query.
    """
    base = _base(pool_id, user=user, exclude=exclude, statuses=statuses)
    return max((load for _point, load in _steps(base, start, end).get(pool_id, ())), default=0)


def reserved_intervals(
    pool_id: int,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    user=None,
    exclude: Iterable[int] = (),
    statuses=None,
) -> list[Interval]:
    """The step function of reserved devices over [start, end): consecutive intervals, each
    with the number reserved throughout it, neighbours with the same number merged.
    ``user``, ``exclude`` and ``statuses`` as for :func:`peak_reserved`. One query."""
    base = _base(pool_id, user=user, exclude=exclude, statuses=statuses)
    return _intervals(_steps(base, start, end).get(pool_id, []), start, end)


def reserved_intervals_by_pool(
    pool_ids: Iterable[int], start: datetime.datetime, end: datetime.datetime
) -> dict[int, list[Interval]]:
    """:func:`reserved_intervals` of several pools over the same range, in one query."""
    pool_ids = list(pool_ids)
    if not pool_ids:
        return {}
    base = Reservation.objects.filter(pool_id__in=pool_ids, status=Reservation.Status.CONFIRMED)
    steps = _steps(base, start, end)
    return {pool_id: _intervals(steps.get(pool_id, []), start, end) for pool_id in pool_ids}


def _window(base: QuerySet, start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    return base.overlapping(start, end).order_by().values("pool_id", "start", "end", "quantity")


# The window of a pool's confirmed reservations as every booking asks for it (nothing
# excluded): built and compiled once (core.prepared).
_POOL_WINDOW = PreparedQuery(lambda pool_id, start, end: _window(_base(pool_id), start, end))


def reserved_intervals_and(
    value: QuerySet | tuple[str, list],
    pool_id: int,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    exclude: Iterable[int] = (),
) -> tuple[object, list[Interval]]:
    """What the one-row, one-column query ``value`` (a queryset, or its SQL and parameters)
    selects, and :func:`reserved_intervals` of the pool's confirmed reservations over
    [start, end) (``exclude`` left out), in one query instead of two. None for the value
    when ``value`` selects no row."""
    exclude = list(exclude)
    if exclude:
        window = _window(_base(pool_id, exclude=exclude), start, end)
        window_sql, window_params = window.query.get_compiler(using=window.db).as_sql()
    else:
        window_sql, window_params = _POOL_WINDOW.sql(pool_id=pool_id, start=start, end=end)
    if isinstance(value, QuerySet):
        value_sql, value_params = value.query.get_compiler(using=value.db).as_sql()
    else:
        value_sql, value_params = value
    adapt = connection.ops.adapt_datetimefield_value
    at, until = adapt(start), adapt(end)
    sql = _STEP_AND_VALUE_SQL.format(window=window_sql, value=value_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*window_params, at, at, until, *value_params])
        rows = cursor.fetchall()
    found = rows[0][0] if rows else None
    steps = [(_as_datetime(point), int(load)) for _value, point, load in rows if point is not None]
    return found, _intervals(steps, start, end)


def _intervals(rows, start: datetime.datetime, end: datetime.datetime) -> list[Interval]:
    loads = {start: 0}
    loads.update(rows)
    points = sorted(loads)
    intervals: list[Interval] = []
    for index, point in enumerate(points):
        until = points[index + 1] if index + 1 < len(points) else end
        if intervals and intervals[-1].reserved == loads[point]:
            intervals[-1] = Interval(intervals[-1].start, until, loads[point])
        else:
            intervals.append(Interval(point, until, loads[point]))
    return intervals


def peak_in(intervals: list[Interval], start: datetime.datetime, end: datetime.datetime) -> int:
    """The peak of a step function (from :func:`reserved_intervals`) within [start, end)."""
    return max(
        (
            interval.reserved
            for interval in intervals
            if interval.start < end and interval.end > start
        ),
        default=0,
    )
