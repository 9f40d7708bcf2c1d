"""The booking rules: reserve, series, cancel, approve or decline, hand out, take back, and
the shortfall check when devices leave service.

Every write to Reservation, Series, Loan and LoanItem goes through here. Each function locks
the row that becomes scarcer (the pool for reservations, the devices for hand-outs),
re-checks, writes and logs. On SQLite the IMMEDIATE transaction mode serializes writers.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import log_action
from accounts.models import User
from config.errors import DomainError
from devices import services as device_services
from devices.models import Device, DevicePool
from organizations.models import Closure, Membership, Organization

from . import availability
from .models import CalendarToken, Loan, LoanItem, Reservation, Series

MAX_SERIES_OCCURRENCES = 60
DECISION_REASON_MAX_LENGTH = Reservation._meta.get_field("decision_reason").max_length
NOTE_MAX_LENGTH = LoanItem._meta.get_field("note").max_length
# Nobody books device sets for years ahead; this keeps dates far in the future (year 9999)
# away from date arithmetic even for a pool that allows very long booking horizons.
LATEST_YEAR = 2100
EARLIEST_YEAR = 2000
PURPOSE_MAX_LENGTH = Reservation._meta.get_field("purpose").max_length


class PoolExhausted(DomainError):
    """Not enough devices of the pool are free for the whole requested time."""

    def __init__(self, message: str, free: int) -> None:
        super().__init__(message)
        self.free = free


class LimitExceeded(DomainError):
    """A limit of the pool (notice, horizon, length, per person) says no."""


class InvalidBooking(DomainError):
    """The booking itself makes no sense: end before start, no devices, a past date."""


class NotCancellable(DomainError):
    """The reservation has started, or was cancelled or declined already."""


class HandOutError(DomainError):
    """The devices cannot be handed out for this reservation."""


class ReturnError(DomainError):
    """The return cannot be recorded as given."""


def _lock(queryset, **kwargs):
    """``select_for_update(**kwargs)``, unless the test-only switch turns locking off to show
    that the concurrency tests can see the race (tests/concurrency)."""
    if getattr(settings, "LERNPOOL_BOOKING_LOCKS", True):
        return queryset.select_for_update(**kwargs)
    return queryset


def _local(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


# ---------------------------------------------------------------------------------------
# Who may do what


def ensure_can_book(user: User, pool: DevicePool) -> None:
    if not DevicePool.objects.bookable_by(user).filter(pk=pool.pk).exists():
        raise PermissionDenied


def ensure_manages_pool(user: User, pool: DevicePool) -> None:
    if not DevicePool.objects.managed_by(user).filter(pk=pool.pk).exists():
        raise PermissionDenied


def needs_approval(user: User, pool: DevicePool) -> bool:
    """Members of the pool's organization book directly. Anyone else (a teacher of another
    school booking a region-shared pool, a region admin) sends a request that staff of the
    owner confirm or decline. Loans to residents (the residents scope) need none."""
    if pool.booking_scope == DevicePool.Scope.RESIDENTS:
        return False
    return not Membership.objects.filter(user=user, organization_id=pool.organization_id).exists()


# ---------------------------------------------------------------------------------------
# Limits


def _utc(value: datetime.datetime) -> datetime.datetime:
    """The same instant in UTC. Arithmetic on two datetimes that share a ``tzinfo`` is done
    on the wall clock (Sat 22:00 to Sun 06:00 across the spring change would be 8 hours,
    not 7), so every length and comparison here is taken in UTC."""
    return value.astimezone(datetime.UTC)


def _clean_purpose(purpose: str) -> str:
    purpose = purpose.strip()
    if "\x00" in purpose:
        raise InvalidBooking(_("The purpose contains a character that is not allowed."))
    if len(purpose) > PURPOSE_MAX_LENGTH:
        raise InvalidBooking(
            _("Please keep the purpose under %(max)d characters.") % {"max": PURPOSE_MAX_LENGTH}
        )
    return purpose


def _checked_times(
    start: datetime.datetime, end: datetime.datetime, now: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """The range in UTC, or an InvalidBooking that says what is wrong with it."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidBooking(_("Times need a time zone."))
    if start.year > LATEST_YEAR or end.year > LATEST_YEAR:
        raise InvalidBooking(
            _("Please choose a date before the year %(year)d.") % {"year": LATEST_YEAR}
        )
    if start.year < EARLIEST_YEAR or end.year < EARLIEST_YEAR:
        # Far in the past; also keeps year 1 away from the conversion to UTC (overflow).
        raise InvalidBooking(_("This time has already begun; please choose a later one."))
    start, end = _utc(start), _utc(end)
    if start >= end:
        raise InvalidBooking(_("The end must be after the start."))
    if start < now:
        raise InvalidBooking(_("This time has already begun; please choose a later one."))
    return start, end


def _horizon_error(pool: DevicePool, now: datetime.datetime) -> LimitExceeded:
    latest = now + datetime.timedelta(days=pool.max_days_ahead)
    return LimitExceeded(
        ngettext(
            "This pool can be booked at most %(days)d day ahead, so until %(latest)s.",
            "This pool can be booked at most %(days)d days ahead, so until %(latest)s.",
            pool.max_days_ahead,
        )
        % {"days": pool.max_days_ahead, "latest": _local(latest)}
    )


def _limit_error(
    pool: DevicePool,
    *,
    quantity: int,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    capacity: int,
    check_horizon: bool = True,
) -> LimitExceeded | None:
    """The first limit of the pool that [start, end) (in UTC) breaks, without a query:
    devices in service, longest booking (for loans to residents: the loan period), minimum
    notice, how far ahead. The per-person limit needs the database; see check_booking."""
    if quantity > capacity:
        return LimitExceeded(
            ngettext(
                "This pool has only %(count)d device in service.",
                "This pool has only %(count)d devices in service.",
                capacity,
            )
            % {"count": capacity}
        )
    if pool.booking_scope == DevicePool.Scope.RESIDENTS:
        if end - start > datetime.timedelta(days=pool.loan_period_days):
            return LimitExceeded(
                ngettext(
                    "A loan from this pool can last at most %(days)d day.",
                    "A loan from this pool can last at most %(days)d days.",
                    pool.loan_period_days,
                )
                % {"days": pool.loan_period_days}
            )
    elif end - start > datetime.timedelta(hours=pool.max_booking_hours):
        return LimitExceeded(
            ngettext(
                "A booking of this pool can last at most %(hours)d hour.",
                "A booking of this pool can last at most %(hours)d hours.",
                pool.max_booking_hours,
            )
            % {"hours": pool.max_booking_hours}
        )
    if pool.min_notice_hours and start < now + datetime.timedelta(hours=pool.min_notice_hours):
        return LimitExceeded(
            ngettext(
                "This pool must be booked at least %(hours)d hour ahead, so from %(earliest)s.",
                "This pool must be booked at least %(hours)d hours ahead, so from %(earliest)s.",
                pool.min_notice_hours,
            )
            % {
                "hours": pool.min_notice_hours,
                "earliest": _local(now + datetime.timedelta(hours=pool.min_notice_hours)),
            }
        )
    if check_horizon and start > now + datetime.timedelta(days=pool.max_days_ahead):
        return _horizon_error(pool, now)
    return None


def _per_person_error(pool: DevicePool, *, mine: int, quantity: int) -> LimitExceeded | None:
    if not pool.per_person_limit or mine + quantity <= pool.per_person_limit:
        return None
    return LimitExceeded(
        ngettext(
            "You may have at most %(limit)d device of this pool at a time; "
            "you have %(mine)d at that time already.",
            "You may have at most %(limit)d devices of this pool at a time; "
            "you have %(mine)d at that time already.",
            pool.per_person_limit,
        )
        % {"limit": pool.per_person_limit, "mine": mine}
    )


ACTIVE_STATUSES = (Reservation.Status.REQUESTED, Reservation.Status.CONFIRMED)


def check_booking(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime | None = None,
    check_horizon: bool = True,
    exclude: tuple[int, ...] = (),
    capacity: int | None = None,
) -> None:
    """Raise with a message that says which rule or limit fails and what is allowed.
    At most two queries (devices in service, unless ``capacity`` is given; the person's own
    bookings, when the pool has a per-person limit)."""
    now = _utc(now or timezone.now())
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidBooking(_("Times need a time zone."))
    if quantity < 1:
        raise InvalidBooking(_("Book at least one device."))
    start, end = _checked_times(start, end, now)
    error = _limit_error(
        pool,
        quantity=quantity,
        start=start,
        end=end,
        now=now,
        capacity=pool.capacity() if capacity is None else capacity,
        check_horizon=check_horizon,
    )
    if error is None and pool.per_person_limit:
        mine = availability.peak_reserved(
            pool.pk, start, end, user=by, exclude=exclude, statuses=ACTIVE_STATUSES
        )
        error = _per_person_error(pool, mine=mine, quantity=quantity)
    if error is not None:
        raise error


def free_count(pool: DevicePool, start: datetime.datetime, end: datetime.datetime) -> int:
    """Devices free for the whole of [start, end): in service minus the peak reserved."""
    return max(pool.capacity() - availability.peak_reserved(pool.pk, start, end), 0)


def _exhausted(free: int) -> PoolExhausted:
    if free == 0:
        message = _("No device of this pool is free for the whole time.")
    else:
        message = ngettext(
            "Only %(free)d device is free for the whole time.",
            "Only %(free)d devices are free for the whole time.",
            free,
        ) % {"free": free}
    return PoolExhausted(message, free)


def _locked_pool(pool: DevicePool) -> DevicePool:
    return _lock(DevicePool.objects.filter(pk=pool.pk)).get()


def _create_locked(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    start: datetime.datetime,
    end: datetime.datetime,
    purpose: str,
    status: str,
    series: Series | None = None,
) -> Reservation:
    """With the pool locked: re-count, then write. Requests are checked too (a request that
    cannot fit now would only be declined), but only confirmation holds devices."""
    free = pool.capacity() - availability.peak_reserved(pool.pk, start, end)
    if quantity > free:
        raise _exhausted(max(free, 0))
    reservation = Reservation.objects.create(
        pool=pool,
        user=by,
        quantity=quantity,
        start=start,
        end=end,
        purpose=purpose,
        status=status,
        series=series,
    )
    return reservation


def reserve(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    start: datetime.datetime,
    end: datetime.datetime,
    purpose: str = "",
    now: datetime.datetime | None = None,
) -> Reservation:
    """Book ``quantity`` devices of the pool for [start, end). Confirmed at once for members
    of the pool's organization, a request for everyone else."""
    ensure_can_book(by, pool)
    purpose = _clean_purpose(purpose)
    with transaction.atomic():
        pool = _locked_pool(pool)
        check_booking(by=by, pool=pool, quantity=quantity, start=start, end=end, now=now)
        # In UTC, like a reservation read back from the database: lengths computed from the
        # returned object are then real time even across a daylight-saving change.
        start, end = _utc(start), _utc(end)
        status = (
            Reservation.Status.REQUESTED
            if needs_approval(by, pool)
            else Reservation.Status.CONFIRMED
        )
        reservation = _create_locked(
            by=by,
            pool=pool,
            quantity=quantity,
            start=start,
            end=end,
            purpose=purpose,
            status=status,
        )
        log_action(
            by,
            "booking.requested" if status == Reservation.Status.REQUESTED else "booking.reserved",
            reservation,
            organization_id=pool.organization_id,
            pool=pool.pk,
            quantity=quantity,
        )
    _notify(
        reservation,
        "confirmed" if reservation.status == Reservation.Status.CONFIRMED else "requested",
    )
    return reservation


def _notify(reservation: Reservation, kind: str) -> None:
    from .tasks import send_reservation_email

    transaction.on_commit(partial(send_reservation_email.enqueue, reservation.pk, kind))


# ---------------------------------------------------------------------------------------
# Alternatives when a booking does not fit


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
    if start.year < EARLIEST_YEAR or end.year > LATEST_YEAR:
        return [], []
    now = _utc(now or timezone.now())
    start, end = _utc(start), _utc(end)
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
        _utc(_combine(day, period.start)) for period in pool.organization.lesson_periods.all()
    }
    for days in range(-ALTERNATIVE_DAYS, ALTERNATIVE_DAYS + 1):
        candidates.add(_utc(_combine(day + datetime.timedelta(days=days), local_start.time())))
    candidates.discard(start)
    school = pool.organization.kind == Organization.Kind.SCHOOL
    found = []
    for candidate in sorted(candidates, key=lambda value: (abs(value - start), value)):
        candidate_end = candidate + length
        local = timezone.localtime(candidate)
        if candidate < now or (school and local.weekday() >= 5) or local.date() in closed:
            continue
        limits = {"quantity": quantity, "start": candidate, "end": candidate_end, "now": now}
        if _limit_error(pool, capacity=capacity, **limits) is not None:
            continue
        if (
            _per_person_error(
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
        if any(_closes(closure, other.organization) for closure in closures):
            continue
        limits = {"quantity": quantity, "start": start, "end": end, "now": now}
        if _limit_error(other, capacity=other.capacity(), **limits) is not None:
            continue
        if other.per_person_limit:
            mine = availability.peak_reserved(
                other.pk, start, end, user=by, statuses=ACTIVE_STATUSES
            )
            if _per_person_error(other, mine=mine, quantity=quantity) is not None:
                continue
        free = other.capacity() - availability.peak_reserved(other.pk, start, end)
        if free >= quantity:
            others.append(Alternative(other, start, end, free))
        if len(others) == limit:
            break
    return others


def _closes(closure: Closure, organization: Organization) -> bool:
    """Whether a closure (from a query over the organizations in question and the region)
    applies to the organization; mirrors ClosureQuerySet.for_organization."""
    if closure.organization_id is not None:
        return closure.organization_id == organization.pk
    if closure.kind == Closure.Kind.PUBLIC_HOLIDAY:
        return True
    return (
        closure.kind == Closure.Kind.SCHOOL_HOLIDAY
        and organization.kind == Organization.Kind.SCHOOL
    )


# ---------------------------------------------------------------------------------------
# Weekly series


def _combine(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """A local wall-clock time on a day, made aware in the installation's time zone (so a
    series at 08:00 stays at 08:00 across daylight-saving changes)."""
    return timezone.make_aware(datetime.datetime.combine(day, time), ZoneInfo(settings.TIME_ZONE))


def closed_dates(
    organization: Organization, first: datetime.date, until: datetime.date
) -> dict[datetime.date, str]:
    """The organization's closed days in [first, until] with the closure's name. One query."""
    days: dict[datetime.date, str] = {}
    for closure in Closure.objects.for_organization(organization).overlapping(
        first, until + datetime.timedelta(days=1)
    ):
        day = max(closure.start, first)
        while day < closure.end and day <= until:
            days.setdefault(day, closure.name)
            day += datetime.timedelta(days=1)
    return days


def end_of_school_year(organization: Organization, after: datetime.date) -> datetime.date:
    """The last day before the summer holidays that follow ``after``: the longest school
    holiday starting in June–September within a year (in Bavaria the Whitsun holidays can
    start in June too, and must not end the year), or 31 July when none is known."""
    holidays = Closure.objects.for_organization(organization).filter(
        kind=Closure.Kind.SCHOOL_HOLIDAY,
        start__gt=after,
        start__lte=after + datetime.timedelta(days=366),
        start__month__in=[6, 7, 8, 9],
    )
    summer = max(
        holidays.order_by("start"),
        key=lambda closure: closure.end - closure.start,
        default=None,
    )
    if summer is not None:
        last = summer.start - datetime.timedelta(days=1)
    else:
        last = datetime.date(after.year if after.month < 8 else after.year + 1, 7, 31)
    while last.weekday() >= 5:  # the holidays start on a Monday: the year ends on Friday
        last -= datetime.timedelta(days=1)
    return last


@dataclass
class Occurrence:
    """One date of a series as the preview shows it."""

    date: datetime.date
    start: datetime.datetime
    end: datetime.datetime
    closure: str = ""
    free: int = 0
    problem: str = ""  # a limit or conflict message; empty when it can be booked
    error: DomainError | None = field(default=None, repr=False, compare=False)

    @property
    def closed(self) -> bool:
        return bool(self.closure)

    @property
    def bookable(self) -> bool:
        return not self.closure and not self.problem


@dataclass
class SeriesPlan:
    occurrences: list[Occurrence] = field(default_factory=list)

    @property
    def bookable(self) -> list[Occurrence]:
        return [occurrence for occurrence in self.occurrences if occurrence.bookable]


def series_dates(
    first_date: datetime.date, until: datetime.date, interval_weeks: int
) -> list[datetime.date]:
    if interval_weeks not in (1, 2):
        raise InvalidBooking(_("A series repeats every week or every second week."))
    if until < first_date:
        raise InvalidBooking(_("The last date must not be before the first."))
    if until.year > LATEST_YEAR:
        raise InvalidBooking(
            _("Please choose a date before the year %(year)d.") % {"year": LATEST_YEAR}
        )
    step = datetime.timedelta(weeks=interval_weeks)
    count = (until - first_date) // step + 1
    if count > MAX_SERIES_OCCURRENCES:
        last = first_date + step * (MAX_SERIES_OCCURRENCES - 1)
        raise LimitExceeded(
            _("A series can have at most %(max)d dates. Please end it on %(last)s or earlier.")
            % {"max": MAX_SERIES_OCCURRENCES, "last": date_format(last, "SHORT_DATE_FORMAT")}
        )
    return [first_date + step * index for index in range(count)]


def _series_checks(
    *,
    pool: DevicePool,
    quantity: int,
    first_date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    now: datetime.datetime,
) -> None:
    """What holds for the series as a whole: it starts today or later, within how far ahead
    the pool may be booked (its later dates may go beyond, up to the end of the series)."""
    if quantity < 1:
        raise InvalidBooking(_("Book at least one device."))
    if start_time >= end_time:
        raise InvalidBooking(_("The end must be after the start."))
    if first_date < timezone.localtime(now).date():
        raise InvalidBooking(_("The first date is in the past; please choose a later one."))
    if _utc(_combine(first_date, start_time)) > now + datetime.timedelta(days=pool.max_days_ahead):
        raise _horizon_error(pool, now)


def plan_series(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    first_date: datetime.date,
    until: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    interval_weeks: int = 1,
    now: datetime.datetime | None = None,
) -> SeriesPlan:
    """Every date of the series: closed (skipped), not bookable (with the reason), or free.
    A fixed number of queries whatever the number of dates and reservations."""
    ensure_can_book(by, pool)
    now = _utc(now or timezone.now())
    _series_checks(
        pool=pool,
        quantity=quantity,
        first_date=first_date,
        start_time=start_time,
        end_time=end_time,
        now=now,
    )
    dates = series_dates(first_date, until, interval_weeks)
    closed = closed_dates(pool.organization, dates[0], dates[-1])
    first_start = _combine(dates[0], start_time)
    last_end = _combine(dates[-1], end_time)
    intervals = availability.reserved_intervals(pool.pk, first_start, last_end)
    mine = (
        availability.reserved_intervals(
            pool.pk, first_start, last_end, user=by, statuses=ACTIVE_STATUSES
        )
        if pool.per_person_limit
        else []
    )
    capacity = pool.capacity()
    plan = SeriesPlan()
    for day in dates:
        occurrence = Occurrence(day, _combine(day, start_time), _combine(day, end_time))
        occurrence.closure = closed.get(day, "")
        plan.occurrences.append(occurrence)
        if occurrence.closure:
            continue
        occurrence.free = max(
            capacity - availability.peak_in(intervals, occurrence.start, occurrence.end), 0
        )
        try:
            start, end = _checked_times(occurrence.start, occurrence.end, now)
            error = _limit_error(
                pool,
                quantity=quantity,
                start=start,
                end=end,
                now=now,
                capacity=capacity,
                check_horizon=False,
            ) or _per_person_error(
                pool, mine=availability.peak_in(mine, start, end), quantity=quantity
            )
            if error is not None:
                raise error
        except DomainError as error:
            occurrence.error = error
        else:
            if quantity > occurrence.free:
                occurrence.error = _exhausted(occurrence.free)
        if occurrence.error is not None:
            occurrence.problem = str(occurrence.error)
    return plan


def _on_date(day: datetime.date, problem: str) -> str:
    return _("%(date)s: %(problem)s") % {
        "date": date_format(day, "SHORT_DATE_FORMAT"),
        "problem": problem,
    }


def book_series(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    first_date: datetime.date,
    until: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    interval_weeks: int = 1,
    purpose: str = "",
    dates: set[datetime.date] | None = None,
    now: datetime.datetime | None = None,
) -> Series:
    """Book the series' dates (``dates``: the ones the person chose from the plan; by default
    every bookable one). Closed dates are skipped. If a chosen date no longer fits (someone
    booked meanwhile), nothing is written and the error names the date.

    The plan is made again with the pool locked, so what it calls bookable is still free
    when the rows are written; the dates of one series never overlap each other."""
    ensure_can_book(by, pool)
    purpose = _clean_purpose(purpose)
    with transaction.atomic():
        pool = _locked_pool(pool)
        plan = plan_series(
            by=by,
            pool=pool,
            quantity=quantity,
            first_date=first_date,
            until=until,
            start_time=start_time,
            end_time=end_time,
            interval_weeks=interval_weeks,
            now=now,
        )
        if dates is None:
            dates = {occurrence.date for occurrence in plan.bookable}
        chosen = [
            occurrence
            for occurrence in plan.occurrences
            if occurrence.date in dates and not occurrence.closed
        ]
        if not chosen:
            raise InvalidBooking(_("None of the dates can be booked."))
        for occurrence in chosen:
            error = occurrence.error
            if isinstance(error, PoolExhausted):
                raise PoolExhausted(_on_date(occurrence.date, str(error)), error.free)
            if error is not None:
                raise type(error)(_on_date(occurrence.date, str(error)))
        status = (
            Reservation.Status.REQUESTED
            if needs_approval(by, pool)
            else Reservation.Status.CONFIRMED
        )
        series = Series.objects.create(
            pool=pool,
            user=by,
            quantity=quantity,
            purpose=purpose,
            first_date=first_date,
            until=until,
            start_time=start_time,
            end_time=end_time,
            interval_weeks=interval_weeks,
        )
        Reservation.objects.bulk_create(
            Reservation(
                pool=pool,
                user=by,
                quantity=quantity,
                start=_utc(occurrence.start),
                end=_utc(occurrence.end),
                purpose=purpose,
                status=status,
                series=series,
            )
            for occurrence in chosen
        )
        log_action(
            by,
            "booking.series_reserved",
            series,
            organization_id=pool.organization_id,
            pool=pool.pk,
            dates=len(chosen),
            status=status,
        )
    from .tasks import send_series_email

    transaction.on_commit(partial(send_series_email.enqueue, series.pk))
    return series


# ---------------------------------------------------------------------------------------
# Cancel, approve, decline


def _ensure_owner_or_manager(user: User, reservation: Reservation) -> None:
    if reservation.user_id == user.pk:
        return
    ensure_manages_pool(user, reservation.pool)


def cancel(
    *, by: User, reservation: Reservation, now: datetime.datetime | None = None
) -> Reservation:
    """Cancel a requested or confirmed reservation that has not started yet."""
    _ensure_owner_or_manager(by, reservation)
    now = now or timezone.now()
    with transaction.atomic():
        reservation = _lock(Reservation.objects.filter(pk=reservation.pk)).get()
        if not reservation.is_active:
            raise NotCancellable(_("This booking is no longer active."))
        if reservation.start <= now:
            raise NotCancellable(
                _(
                    "This booking has already begun; "
                    "please talk to the staff who hand out the devices."
                )
            )
        if reservation.loans.exists():
            raise NotCancellable(_("Devices have been handed out for this booking."))
        reservation.status = Reservation.Status.CANCELLED
        reservation.cancelled_at = now
        reservation.shortfall = False
        reservation.save(update_fields=["status", "cancelled_at", "shortfall"])
        log_action(
            by, "booking.cancelled", reservation, organization_id=reservation.pool.organization_id
        )
    if by.pk != reservation.user_id and reservation.user_id:
        _notify(reservation, "cancelled")
    _recheck_shortfalls(reservation.pool_id)
    return reservation


def _recheck_shortfalls(pool_id: int) -> None:
    """Freed devices may end a shortfall of other bookings: check again after commit, but
    only when the pool has any (one cheap query otherwise)."""
    if Reservation.objects.filter(pool_id=pool_id, shortfall=True).exists():
        from .tasks import check_shortfall

        transaction.on_commit(partial(check_shortfall.enqueue, pool_id))


def cancel_rest_of_series(
    *, by: User, reservation: Reservation, now: datetime.datetime | None = None
) -> int:
    """Cancel this occurrence and every later one of its series that has not begun."""
    _ensure_owner_or_manager(by, reservation)
    if reservation.series_id is None:
        raise NotCancellable(_("This booking is not part of a series."))
    now = now or timezone.now()
    with transaction.atomic():
        rest = _lock(
            Reservation.objects.filter(
                series_id=reservation.series_id,
                start__gte=max(reservation.start, now),
                status__in=(Reservation.Status.REQUESTED, Reservation.Status.CONFIRMED),
            ).exclude(loans__isnull=False)
        )
        ids = list(rest.values_list("pk", flat=True))
        if not ids:
            raise NotCancellable(_("No later dates of this series are left to cancel."))
        Reservation.objects.filter(pk__in=ids).update(
            status=Reservation.Status.CANCELLED, cancelled_at=now, shortfall=False
        )
        log_action(
            by,
            "booking.series_cancelled",
            reservation.series,
            organization_id=reservation.pool.organization_id,
            count=len(ids),
        )
    _recheck_shortfalls(reservation.pool_id)
    return len(ids)


def approve(
    *, by: User, reservation: Reservation, now: datetime.datetime | None = None
) -> Reservation:
    """Staff of the pool's organization confirm a request, if the devices are still free."""
    ensure_manages_pool(by, reservation.pool)
    now = now or timezone.now()
    with transaction.atomic():
        pool = _locked_pool(reservation.pool)
        reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
        if reservation.status != Reservation.Status.REQUESTED:
            raise DomainError(_("This request has been answered already."))
        if reservation.start <= now:
            raise DomainError(_("This request is for a time that has begun; please decline it."))
        free = pool.capacity() - availability.peak_reserved(
            pool.pk, reservation.start, reservation.end
        )
        if reservation.quantity > free:
            raise _exhausted(max(free, 0))
        reservation.status = Reservation.Status.CONFIRMED
        reservation.decided_by = by
        reservation.save(update_fields=["status", "decided_by"])
        log_action(by, "booking.approved", reservation, organization_id=pool.organization_id)
    _notify(reservation, "approved")
    return reservation


def decline(*, by: User, reservation: Reservation, reason: str) -> Reservation:
    """Staff decline a request with a reason that the person is emailed."""
    ensure_manages_pool(by, reservation.pool)
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Please give a reason; it is sent to the person who asked."))
    if "\x00" in reason:
        raise DomainError(_("The reason contains a character that is not allowed."))
    if len(reason) > DECISION_REASON_MAX_LENGTH:
        raise DomainError(
            _("Please keep the reason under %(max)d characters.")
            % {"max": DECISION_REASON_MAX_LENGTH}
        )
    with transaction.atomic():
        reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
        if reservation.status != Reservation.Status.REQUESTED:
            raise DomainError(_("This request has been answered already."))
        reservation.status = Reservation.Status.DECLINED
        reservation.decided_by = by
        reservation.decision_reason = reason
        reservation.save(update_fields=["status", "decided_by", "decision_reason"])
        log_action(
            by, "booking.declined", reservation, organization_id=reservation.pool.organization_id
        )
    _notify(reservation, "declined")
    return reservation


# ---------------------------------------------------------------------------------------
# Hand out and take back


def devices_out(reservation: Reservation) -> int:
    return LoanItem.objects.filter(loan__reservation=reservation, returned_at__isnull=True).count()


def hand_out(
    *,
    by: User,
    reservation: Reservation,
    devices: list[Device],
    now: datetime.datetime | None = None,
) -> Loan:
    """Hand concrete devices of the pool to the person who booked, due at the booking's end.
    Several hand-outs per booking are fine, up to its number of devices."""
    ensure_manages_pool(by, reservation.pool)
    now = now or timezone.now()
    if not devices:
        raise HandOutError(_("Choose or scan at least one device."))
    device_ids = sorted({device.pk for device in devices})
    with transaction.atomic():
        # of=("self",): without it PostgreSQL also locks the joined pool row, and every
        # hand-out of the pool would wait for the others.
        reservation = _lock(
            Reservation.objects.select_related("pool").filter(pk=reservation.pk), of=("self",)
        ).get()
        if reservation.status != Reservation.Status.CONFIRMED:
            raise HandOutError(_("Only confirmed bookings can be handed out."))
        if reservation.end <= now:
            raise HandOutError(_("This booking has ended."))
        locked = list(_lock(Device.objects.filter(pk__in=device_ids)).order_by("pk"))
        if len(locked) != len(device_ids):
            raise HandOutError(_("One of these devices does not exist (any more)."))
        for device in locked:
            if device.pool_id != reservation.pool_id:
                raise HandOutError(
                    _("%(device)s does not belong to this pool.") % {"device": device.asset_tag}
                )
            if device.status != Device.Status.IN_SERVICE:
                raise HandOutError(
                    _("%(device)s is not in service (%(status)s).")
                    % {"device": device.asset_tag, "status": device.get_status_display()}
                )
        busy = (
            LoanItem.objects.filter(device_id__in=device_ids, returned_at__isnull=True)
            .select_related("device")
            .first()
        )
        if busy is not None:
            raise HandOutError(
                _("%(device)s is already handed out.") % {"device": busy.device.asset_tag}
            )
        already = (
            devices_out(reservation)
            + LoanItem.objects.filter(
                loan__reservation=reservation, returned_at__isnull=False
            ).count()
        )
        if already + len(device_ids) > reservation.quantity:
            raise HandOutError(
                ngettext(
                    "This booking is for %(quantity)d device; %(already)d handed out already.",
                    "This booking is for %(quantity)d devices; %(already)d handed out already.",
                    reservation.quantity,
                )
                % {"quantity": reservation.quantity, "already": already}
            )
        loan = Loan.objects.create(
            pool=reservation.pool,
            reservation=reservation,
            borrower_id=reservation.user_id,
            handed_out_by=by,
            handed_out_at=now,
            due_at=reservation.end,
        )
        try:
            with transaction.atomic():
                LoanItem.objects.bulk_create(
                    [LoanItem(loan=loan, device_id=device_id) for device_id in device_ids]
                )
        except IntegrityError as error:  # another desk handed one of them out meanwhile
            raise HandOutError(
                _("One of these devices was handed out at another desk just now.")
            ) from error
        log_action(
            by,
            "booking.handed_out",
            loan,
            organization_id=reservation.pool.organization_id,
            reservation=reservation.pk,
            devices=device_ids,
        )
    return loan


@dataclass(frozen=True)
class ItemReturn:
    item_id: int
    condition: str
    note: str = ""


def return_items(
    *, by: User, loan: Loan, returns: list[ItemReturn], now: datetime.datetime | None = None
) -> Loan:
    """Take devices back, each complete, damaged or with missing parts. A damaged device goes
    to repair with the note. The loan closes when its last device is back."""
    ensure_manages_pool(by, loan.pool)
    now = now or timezone.now()
    if not returns:
        raise ReturnError(_("Choose at least one device that came back."))
    conditions = set(LoanItem.Condition.values)
    for entry in returns:
        if entry.condition not in conditions:
            raise ReturnError(_("Please choose the condition of every returned device."))
        if entry.condition != LoanItem.Condition.COMPLETE and not entry.note.strip():
            raise ReturnError(_("Please describe the damage or what is missing."))
        if "\x00" in entry.note:
            raise ReturnError(_("The note contains a character that is not allowed."))
        if len(entry.note.strip()) > NOTE_MAX_LENGTH:
            raise ReturnError(
                _("Please keep the note under %(max)d characters.") % {"max": NOTE_MAX_LENGTH}
            )
    with transaction.atomic():
        loan = Loan.objects.select_for_update().get(pk=loan.pk)
        items = {
            item.pk: item
            for item in LoanItem.objects.select_for_update()
            .filter(loan=loan, pk__in=[entry.item_id for entry in returns])
            .select_related("device")
        }
        for entry in returns:
            item = items.get(entry.item_id)
            if item is None:
                raise ReturnError(_("This device is not part of the loan."))
            if item.returned_at is not None:
                raise ReturnError(
                    _("%(device)s was returned already.") % {"device": item.device.asset_tag}
                )
            item.returned_at = now
            item.returned_to = by
            item.condition = entry.condition
            item.note = entry.note.strip()
            item.save(update_fields=["returned_at", "returned_to", "condition", "note"])
            if (
                entry.condition == LoanItem.Condition.DAMAGED
                and item.device.status == Device.Status.IN_SERVICE
            ):
                device_services.change_status(
                    by=by,
                    device=item.device,
                    status=Device.Status.IN_REPAIR,
                    reason=(_("Damaged on return: %(note)s") % {"note": item.note})[
                        : device_services.REASON_MAX_LENGTH
                    ],
                )
        if not LoanItem.objects.filter(loan=loan, returned_at__isnull=True).exists():
            loan.closed_at = now
            loan.save(update_fields=["closed_at"])
        log_action(
            by,
            "booking.returned",
            loan,
            organization_id=loan.pool.organization_id,
            items=[entry.item_id for entry in returns],
            conditions=[entry.condition for entry in returns],
        )
    return loan


# ---------------------------------------------------------------------------------------
# Shortfalls


def update_shortfalls(*, pool_id: int, now: datetime.datetime | None = None) -> list[int]:
    """Mark the pool's upcoming confirmed reservations that overlap a time when more devices
    are booked than are in service, clear the mark where that is no longer so, and return
    the ids newly marked (whose people are to be told)."""
    now = now or timezone.now()
    with transaction.atomic():
        pool = _locked_pool(DevicePool(pk=pool_id))
        upcoming = Reservation.objects.confirmed().filter(pool_id=pool_id, end__gt=now)
        last_end = upcoming.order_by("-end").values_list("end", flat=True).first()
        short: set[int] = set()
        if last_end is not None:
            capacity = pool.capacity()
            over = [
                interval
                for interval in availability.reserved_intervals(pool_id, now, last_end)
                if interval.reserved > capacity
            ]
            if over:
                condition = Q()
                for interval in over:
                    condition |= Q(start__lt=interval.end, end__gt=interval.start)
                short = set(upcoming.filter(condition).values_list("pk", flat=True))
        newly = set(upcoming.filter(pk__in=short, shortfall=False).values_list("pk", flat=True))
        upcoming.filter(pk__in=short, shortfall=False).update(shortfall=True)
        upcoming.exclude(pk__in=short).filter(shortfall=True).update(shortfall=False)
    for reservation_id in sorted(newly):
        from .tasks import send_reservation_email

        transaction.on_commit(partial(send_reservation_email.enqueue, reservation_id, "shortfall"))
    return sorted(newly)


# ---------------------------------------------------------------------------------------
# Calendar subscription


def calendar_token(*, user: User) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


def reset_calendar_token(*, by: User) -> CalendarToken:
    """A new secret for the subscription URL; the old URL stops working at once."""
    with transaction.atomic():
        token, _created = CalendarToken.objects.get_or_create(user=by)
        token.token = secrets.token_urlsafe()
        token.created_at = timezone.now()
        token.save(update_fields=["token", "created_at"])
        log_action(by, "booking.calendar_token_reset", None)
    return token
