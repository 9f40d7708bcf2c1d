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
from django.utils import timezone
from django.utils.dateparse import parse_datetime

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
_STEP_SQL = """
WITH w AS ({window}),
ev AS (
    SELECT CASE WHEN w."start" < %s THEN %s ELSE w."start" END AS point, w."quantity" AS delta
    FROM w
    UNION ALL
    SELECT w."end" AS point, -w."quantity" AS delta FROM w WHERE w."end" < %s
)
SELECT point, SUM(SUM(delta)) OVER (ORDER BY point) AS load
FROM ev GROUP BY point ORDER BY point
"""


def _steps(base, start: datetime.datetime, end: datetime.datetime) -> list[tuple]:
    """(point, load) rows over [start, end) for the ``base`` reservations, from one query."""
    window = base.overlapping(start, end).order_by().values("start", "end", "quantity")
    window_sql, window_params = window.query.get_compiler(using=window.db).as_sql()
    adapt = connection.ops.adapt_datetimefield_value
    at, until = adapt(start), adapt(end)
    with connection.cursor() as cursor:
        cursor.execute(_STEP_SQL.format(window=window_sql), [*window_params, at, at, until])
        rows = cursor.fetchall()
    return [(_as_datetime(point), int(load)) for point, load in rows]


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
    return max((load for _point, load in _steps(base, start, end)), default=0)


def reserved_intervals(
    pool_id: int,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    user=None,
    statuses=None,
) -> list[Interval]:
    """The step function of reserved devices over [start, end): consecutive intervals, each
    with the number reserved throughout it, neighbours with the same number merged.
    ``user`` and ``statuses`` as for :func:`peak_reserved`. One query."""
    base = _base(pool_id, user=user, statuses=statuses)
    loads = {start: 0}
    loads.update(_steps(base, start, end))
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
