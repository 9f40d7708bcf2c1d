"""The one way to hold a pool's devices.

Every writer that makes a pool's devices scarcer (a teacher's booking, a weekly series, a
course's meetings, an approval, a longer hand-out; in lending a resident's reservation, a
loan at the library desk, a renewal and the waiting list's offer)
calls ``hold`` inside its transaction and writes right after it: the pool row is locked
(core.locking; a pool that the caller read under its lock in this transaction already is
not locked again), the peak of confirmed reservations is counted again, and a PoolExhausted
says no. The caller then writes its rows in the same transaction, so no other writer of the
pool can count in between.

``hold`` returns the locked pool instead of writing: the writers write different things
(one reservation, a series' rows in one INSERT, a request turned confirmed, a moved end).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.utils import timezone

from core.locking import holds_lock, locked
from devices.models import DevicePool

from . import availability
from .services.policy import PoolExhausted, exhausted, lendable_count_sql

Times = tuple[datetime.datetime, datetime.datetime]


def hold(
    *,
    pool: DevicePool,
    start: datetime.datetime,
    end: datetime.datetime,
    quantity: int,
    now: datetime.datetime | None = None,
    exclude: Iterable[int] = (),
    more: Sequence[Times] = (),
) -> DevicePool:
    """Lock the pool and make sure ``quantity`` devices are free for the whole of [start,
    end) and of every further (start, end) in ``more`` (a series' other dates); returns the
    locked pool. ``exclude``: reservations not to count (one being extended or edited).

    Free means in service, not out past their due date, minus the peak of confirmed
    reservations. Raises PoolExhausted (``free`` the devices left, ``start`` the time that
    did not fit). Two queries, however many times; one when ``pool`` is the caller's
    locked pool (``core.locking.locked``, ``locked_first``): only its pk is read here."""
    if not holds_lock(pool):
        pool = locked(pool)
    times = [(start, end), *more]
    first = min(time[0] for time in times)
    last = max(time[1] for time in times)
    # The devices that can be lent and the reserved ones, counted in one query.
    in_service, intervals = availability.reserved_intervals_and(
        lendable_count_sql(pool.pk, now or timezone.now()), pool.pk, first, last, exclude=exclude
    )
    for time_start, time_end in times:
        free = max(in_service - availability.peak_in(intervals, time_start, time_end), 0)
        if quantity > free:
            error = exhausted(free)
            raise PoolExhausted(str(error), free, time_start)
    return pool


__all__ = ["PoolExhausted", "hold"]
