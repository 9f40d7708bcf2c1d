"""When a booking does not fit: the nearest free times and other pools."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Q, Value, When
from django.utils import timezone

from accounts.models import User
from core.dates import in_sensible_years, local_datetime
from devices.models import DevicePool
from organizations.models import Closure, Organization

from .. import availability
from .dates import closed_dates, closes
from .policy import (
    ACTIVE_STATUSES,
    as_utc,
    limit_error,
    per_person_error,
)


@dataclass(frozen=True)
class Alternative:
    pool: DevicePool
    start: datetime.datetime
    end: datetime.datetime
    free: int


def alternatives(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    start: datetime.datetime,
    end: datetime.datetime,
    limit: int = 3,
    now: datetime.datetime | None = None,
) -> tuple[list[Alternative], list[Alternative]]:
    """The nearest times (same length, the same time on other days or other lesson periods
    of the same day, within two weeks) when this pool has ``quantity`` free and the person
    may book it, and other pools the person may book with enough free at the requested time.

    A fixed number of queries whatever the number of reservations: about eight for the
    times, and one (two with a per-person limit) for each of at most ``limit`` * 3 other
    pools."""
    if timezone.is_naive(start) or timezone.is_naive(end) or quantity < 1:
        return [], []
    if not in_sensible_years(start, end):
        return [], []
    now = as_utc(now or timezone.now())
    start, end = as_utc(start), as_utc(end)
    if start >= end:
        return [], []
    nearest = _other_times(by=by, pool=pool, quantity=quantity, start=start, end=end, now=now)
    others = _other_pools(
        by=by, pool=pool, quantity=quantity, start=start, end=end, now=now, limit=limit
    )
    return sorted(nearest[:limit], key=lambda alt: alt.start), others


ALTERNATIVE_DAYS = 14


def _other_times(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
) -> list[Alternative]:
    length = end - start
    local_start = timezone.localtime(start)
    day = local_start.date()
    span = datetime.timedelta(days=ALTERNATIVE_DAYS)
    closed = closed_dates(pool.organization, day - span, day + span)
    # A day more on each side: the same wall-clock time moves by an hour in UTC across a
    # daylight-saving change.
    window_start = max(start - span - datetime.timedelta(days=1), now)
    window_end = end + span + datetime.timedelta(days=1)
    if window_start >= window_end:
        return []
    intervals = availability.reserved_intervals(pool.pk, window_start, window_end)
    mine = (
        availability.reserved_intervals(
            pool.pk, window_start, window_end, user=by, statuses=ACTIVE_STATUSES
        )
        if pool.per_person_limit
        else []
    )
    capacity = pool.capacity()
    candidates: set[datetime.datetime] = {
        as_utc(local_datetime(day, period.start))
        for period in pool.organization.lesson_periods.all()
    }
    for days in range(-ALTERNATIVE_DAYS, ALTERNATIVE_DAYS + 1):
        candidates.add(
            as_utc(local_datetime(day + datetime.timedelta(days=days), local_start.time()))
        )
    candidates.discard(start)
    school = pool.organization.kind == Organization.Kind.SCHOOL
    found = []
    for candidate in sorted(candidates, key=lambda value: (abs(value - start), value)):
        candidate_end = candidate + length
        local = timezone.localtime(candidate)
        if candidate < now or (school and local.weekday() >= 5) or local.date() in closed:
            continue
        limits = {"quantity": quantity, "start": candidate, "end": candidate_end, "now": now}
        if limit_error(pool, capacity=capacity, **limits) is not None:
            continue
        if (
            per_person_error(
                pool, mine=availability.peak_in(mine, candidate, candidate_end), quantity=quantity
            )
            is not None
        ):
            continue
        free = capacity - availability.peak_in(intervals, candidate, candidate_end)
        if free >= quantity:
            found.append(Alternative(pool, candidate, candidate_end, free))
    return sorted(found, key=lambda alt: (abs(alt.start - start), alt.start))


def _other_pools(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    limit: int,
) -> list[Alternative]:
    pools = list(
        DevicePool.objects.bookable_by(by)
        .exclude(pk=pool.pk)
        .exclude(booking_scope=DevicePool.Scope.RESIDENTS)
        .with_capacity()
        .filter(capacity_now__gte=quantity)
        .select_related("organization")
        .annotate(
            elsewhere=Case(
                When(organization__in=Organization.objects.for_user(by), then=Value(0)),
                default=Value(1),
            )
        )
        .order_by("elsewhere", "organization__name", "name")[: limit * 3]  # own ones first
    )
    if not pools:
        return []
    local_day = timezone.localtime(start).date()
    closures = list(
        Closure.objects.overlapping(local_day, local_day + datetime.timedelta(days=1)).filter(
            Q(organization__in={other.organization_id for other in pools})
            | Q(organization__isnull=True)
        )
    )
    others = []
    for other in pools:
        if any(closes(closure, other.organization) for closure in closures):
            continue
        limits = {"quantity": quantity, "start": start, "end": end, "now": now}
        if limit_error(other, capacity=other.capacity(), **limits) is not None:
            continue
        if other.per_person_limit:
            mine = availability.peak_reserved(
                other.pk, start, end, user=by, statuses=ACTIVE_STATUSES
            )
            if per_person_error(other, mine=mine, quantity=quantity) is not None:
                continue
        free = other.capacity() - availability.peak_reserved(other.pk, start, end)
        if free >= quantity:
            others.append(Alternative(other, start, end, free))
        if len(others) == limit:
            break
    return others
