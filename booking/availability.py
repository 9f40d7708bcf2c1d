"""How many devices of a pool are free, computed in SQL.

Reservations are half-open ``[start, end)``. The load of a pool at an instant is the sum of
the quantities of its confirmed reservations that contain the instant; it only rises at a
reservation's start, so the peak over a range is the largest load at the range's start or at
a start inside it. Both functions below run a fixed number of queries, whatever the number
of reservations.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import DateTimeField, IntegerField, Max, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

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


def _load_at(base, point) -> Coalesce:
    """The sum of quantities of ``base`` reservations containing the instant ``point``."""
    total = (
        base.filter(start__lte=point, end__gt=point)
        .order_by()
        .values("pool_id")
        .annotate(total=Sum("quantity"))
        .values("total")[:1]
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def _at(value: datetime.datetime) -> Value:
    return Value(value, output_field=DateTimeField())


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
    points = base.overlapping(start, end).annotate(point=Greatest("start", _at(start)))
    result = points.annotate(load=_load_at(base, OuterRef("point"))).aggregate(peak=Max("load"))
    return result["peak"] or 0


def reserved_intervals(
    pool_id: int, start: datetime.datetime, end: datetime.datetime
) -> list[Interval]:
    """The step function of reserved devices over [start, end): consecutive intervals, each
    with the number reserved throughout it, neighbours with the same number merged.
    Two queries."""
    base = _base(pool_id)
    window = base.overlapping(start, end)
    rises = (
        window.annotate(point=Greatest("start", _at(start)))
        .annotate(load=_load_at(base, OuterRef("point")))
        .values_list("point", "load")
    )
    falls = (
        window.filter(end__lt=end)
        .annotate(point=Greatest("end", _at(start)))
        .annotate(load=_load_at(base, OuterRef("point")))
        .values_list("point", "load")
    )
    loads = {start: 0}
    loads.update(dict(rises))
    loads.update(dict(falls))
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
