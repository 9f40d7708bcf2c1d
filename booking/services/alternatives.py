"""When a booking does not fit: other times (by lesson period where the school has them)
and other pools. They only propose; the booking service decides when one is chosen."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from core.dates import in_sensible_years, local_datetime
from devices.models import DevicePool
from organizations.hours import calendars_for
from organizations.models import LessonPeriod, Organization

from .. import availability
from .dates import OpeningRule
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
    # NEXT: the next free run of as many lesson periods; SAME_PERIODS: the same periods on
    # another day; NEARBY: the same time on another day (a time that is not by period);
    # ELSEWHERE: another pool at the time asked for.
    kind: str = "nearby"
    periods: str = ""  # "3. Stunde to 4. Stunde" when it follows lesson periods


NEXT, SAME_PERIODS, NEARBY, ELSEWHERE = "next", "same_periods", "nearby", "elsewhere"


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
    """Other times when this pool has ``quantity`` free and the person may book it, and
    other pools the person may book with enough free at the requested time.

    A time by lesson periods (from a period's start to a period's end) is answered by
    periods: the next free run of as many periods (the next free double period), and the
    same periods on up to ``limit`` other days within two weeks. Any other time: the same
    time on the ``limit`` nearest other days. Only times the booking service would take
    (open days, within the opening hours, the pool's limits) are proposed.

    A fixed number of queries whatever the number of reservations: about nine for the
    times, and four plus one (two with a per-person limit) for each of at most
    ``limit`` * 3 other pools."""
    if timezone.is_naive(start) or timezone.is_naive(end) or quantity < 1:
        return [], []
    if not in_sensible_years(start, end):
        return [], []
    now = as_utc(now or timezone.now())
    start, end = as_utc(start), as_utc(end)
    if start >= end:
        return [], []
    nearest = _other_times(
        by=by, pool=pool, quantity=quantity, start=start, end=end, now=now, limit=limit
    )
    others = _other_pools(
        by=by, pool=pool, quantity=quantity, start=start, end=end, now=now, limit=limit
    )
    return sorted(nearest, key=lambda alt: alt.start), others


ALTERNATIVE_DAYS = 14


def _run_label(first: LessonPeriod, last: LessonPeriod) -> str:
    if first.pk == last.pk:
        return first.name
    return gettext("%(first)s to %(last)s") % {"first": first.name, "last": last.name}


def _period_runs(periods: list[LessonPeriod], start, end) -> tuple[int, int] | None:
    """(index of the first period, number of periods) when the local [start, end) runs from
    a period's start to a period's end on one day; None for any other time."""
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if local_start.date() != local_end.date():
        return None
    starts = [index for index, p in enumerate(periods) if p.start == local_start.time()]
    ends = [index for index, p in enumerate(periods) if p.end == local_end.time()]
    if not starts or not ends or ends[0] < starts[0]:
        return None
    return starts[0], ends[0] - starts[0] + 1


def _other_times(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    limit: int,
) -> list[Alternative]:
    local_start = timezone.localtime(start)
    day = local_start.date()
    span = datetime.timedelta(days=ALTERNATIVE_DAYS)
    periods = list(pool.organization.lesson_periods.all())
    rule = OpeningRule.over(pool.organization, day - span, day + span, periods)
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
    school = pool.organization.kind == Organization.Kind.SCHOOL

    def fits(candidate: datetime.datetime, candidate_end: datetime.datetime) -> int | None:
        """The devices free then, when the booking service would take it; else None."""
        local = timezone.localtime(candidate)
        if candidate < now or (school and local.weekday() >= 5):
            return None
        if not rule.allows(candidate, candidate_end):
            return None
        limits = {"quantity": quantity, "start": candidate, "end": candidate_end, "now": now}
        if limit_error(pool, capacity=capacity, **limits) is not None:
            return None
        own = availability.peak_in(mine, candidate, candidate_end)
        if per_person_error(pool, mine=own, quantity=quantity) is not None:
            return None
        free = capacity - availability.peak_in(intervals, candidate, candidate_end)
        return free if free >= quantity else None

    days = [
        day + datetime.timedelta(days=offset)
        for offset in range(-ALTERNATIVE_DAYS, ALTERNATIVE_DAYS + 1)
    ]
    run = _period_runs(periods, start, end)
    if run is None:
        return _same_time(pool, start, end, day, days, fits, limit)
    first, count = run
    found: list[Alternative] = []

    def at(on: datetime.date, index: int, kind: str) -> Alternative | None:
        begin = as_utc(local_datetime(on, periods[index].start))
        finish = as_utc(local_datetime(on, periods[index + count - 1].end))
        free = fits(begin, finish)
        if free is None:
            return None
        label = _run_label(periods[index], periods[index + count - 1])
        return Alternative(pool, begin, finish, free, kind, label)

    # The next free run of as many periods, later that day or on a following day.
    for on in (d for d in days if d >= day):
        later = (
            range(first + 1, len(periods) - count + 1)
            if on == day
            else range(len(periods) - count + 1)
        )
        if nxt := next(filter(None, (at(on, index, NEXT) for index in later)), None):
            found.append(nxt)
            break
    # The same periods on the nearest other days.
    same: list[Alternative] = []
    for on in sorted((d for d in days if d != day), key=lambda d: (abs(d - day), d)):
        alt = at(on, first, SAME_PERIODS)
        if alt is not None and alt.start not in {nxt.start for nxt in found}:
            same.append(alt)
        if len(same) == limit:
            break
    return found + same


def _same_time(pool, start, end, day, days, fits, limit) -> list[Alternative]:
    """The same wall-clock time on the nearest other days."""
    local_start, length = timezone.localtime(start), end - start
    found = []
    for on in sorted((d for d in days if d != day), key=lambda d: (abs(d - day), d)):
        candidate = as_utc(local_datetime(on, local_start.time()))
        free = fits(candidate, candidate + length)
        if free is not None:
            found.append(Alternative(pool, candidate, candidate + length, free, NEARBY))
        if len(found) == limit:
            break
    return found


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
    first, last = timezone.localdate(start), timezone.localdate(end)
    organizations = {other.organization_id: other.organization for other in pools}
    calendars = calendars_for(organizations.values(), first, last)
    # Another school's periods are its own times, like this one's; a time outside its
    # hours is asked of its periods only then (one query each, rare).
    rules = {pk: OpeningRule(org, calendars[pk]) for pk, org in organizations.items()}
    others = []
    for other in pools:
        if not rules[other.organization_id].allows(start, end):
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
            others.append(Alternative(other, start, end, free, ELSEWHERE))
        if len(others) == limit:
            break
    return others
