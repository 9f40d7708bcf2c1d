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


def _lock(queryset):
    """``select_for_update()``, unless the test-only switch turns locking off to show that
    the concurrency tests can see the race (tests/concurrency)."""
    if getattr(settings, "LERNPOOL_BOOKING_LOCKS", True):
        return queryset.select_for_update()
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
) -> None:
    """Raise with a message that says which rule or limit fails and what is allowed."""
    now = now or timezone.now()
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidBooking(_("Times need a time zone."))
    if quantity < 1:
        raise InvalidBooking(_("Book at least one device."))
    if start >= end:
        raise InvalidBooking(_("The end must be after the start."))
    if start.year > LATEST_YEAR or end.year > LATEST_YEAR:
        raise InvalidBooking(
            _("Please choose a date before the year %(year)d.") % {"year": LATEST_YEAR}
        )
    if start < now:
        raise InvalidBooking(_("This time has already begun; please choose a later one."))
    capacity = pool.capacity()
    if quantity > capacity:
        raise LimitExceeded(
            ngettext(
                "This pool has only %(count)d device in service.",
                "This pool has only %(count)d devices in service.",
                capacity,
            )
            % {"count": capacity}
        )
    if pool.booking_scope == DevicePool.Scope.RESIDENTS:
        return  # loans to residents have their own rules (loan period, renewals)
    if end - start > datetime.timedelta(hours=pool.max_booking_hours):
        raise LimitExceeded(
            ngettext(
                "A booking of this pool can last at most %(hours)d hour.",
                "A booking of this pool can last at most %(hours)d hours.",
                pool.max_booking_hours,
            )
            % {"hours": pool.max_booking_hours}
        )
    if pool.min_notice_hours and start < now + datetime.timedelta(hours=pool.min_notice_hours):
        raise LimitExceeded(
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
    latest = now + datetime.timedelta(days=pool.max_days_ahead)
    if check_horizon and start > latest:
        raise LimitExceeded(
            ngettext(
                "This pool can be booked at most %(days)d day ahead, so until %(latest)s.",
                "This pool can be booked at most %(days)d days ahead, so until %(latest)s.",
                pool.max_days_ahead,
            )
            % {"days": pool.max_days_ahead, "latest": _local(latest)}
        )
    if pool.per_person_limit:
        mine = availability.peak_reserved(
            pool.pk,
            start,
            end,
            user=by,
            exclude=exclude,
            statuses=(Reservation.Status.REQUESTED, Reservation.Status.CONFIRMED),
        )
        if mine + quantity > pool.per_person_limit:
            raise LimitExceeded(
                ngettext(
                    "You may have at most %(limit)d device of this pool at a time; "
                    "you have %(mine)d at that time already.",
                    "You may have at most %(limit)d devices of this pool at a time; "
                    "you have %(mine)d at that time already.",
                    pool.per_person_limit,
                )
                % {"limit": pool.per_person_limit, "mine": mine}
            )


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
    purpose = purpose.strip()
    with transaction.atomic():
        pool = _locked_pool(pool)
        check_booking(by=by, pool=pool, quantity=quantity, start=start, end=end, now=now)
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
    of the same day, within two weeks) when this pool has ``quantity`` free, and other pools
    the person may book with enough free at the requested time. A fixed number of queries:
    two for the times, one per other pool for at most ``limit`` * 3 pools."""
    now = now or timezone.now()
    length = end - start
    closed = closed_dates(
        pool.organization,
        (start - datetime.timedelta(days=14)).date(),
        (end + datetime.timedelta(days=15)).date(),
    )
    window_start = max(start - datetime.timedelta(days=14), now)
    window_end = end + datetime.timedelta(days=14)
    intervals = availability.reserved_intervals(pool.pk, window_start, window_end)
    capacity = pool.capacity()
    candidates: set[datetime.datetime] = set()
    local_start = timezone.localtime(start)
    for period in pool.organization.lesson_periods.all():
        candidates.add(_combine(local_start.date(), period.start))
    for days in range(-14, 15):
        if days:
            candidates.add(
                _combine(local_start.date() + datetime.timedelta(days=days), local_start.time())
            )
    found = []
    for candidate in sorted(candidates, key=lambda value: abs(value - start)):
        candidate_end = candidate + length
        if candidate == start or candidate < now + datetime.timedelta(hours=pool.min_notice_hours):
            continue
        if timezone.localtime(candidate).weekday() >= 5 and pool.organization.kind == "school":
            continue
        if timezone.localtime(candidate).date() in closed:
            continue
        free = capacity - availability.peak_in(intervals, candidate, candidate_end)
        if free >= quantity:
            found.append(Alternative(pool, candidate, candidate_end, free))
        if len(found) == limit:
            break
    others = []
    for other in (
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
    ):
        free = other.capacity() - availability.peak_reserved(other.pk, start, end)
        if free >= quantity:
            others.append(Alternative(other, start, end, free))
        if len(others) == limit:
            break
    return sorted(found, key=lambda alt: alt.start), others


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
    """The last day before the summer holidays that follow ``after`` (the longest school
    holiday starting in June–September), or 31 July when none is known."""
    summer = (
        Closure.objects.for_organization(organization)
        .filter(kind=Closure.Kind.SCHOOL_HOLIDAY, start__gt=after, start__month__in=[6, 7, 8, 9])
        .order_by("start")
        .first()
    )
    if summer is not None:
        return summer.start - datetime.timedelta(days=1)
    year = after.year if after.month < 8 else after.year + 1
    return datetime.date(year, 7, 31)


@dataclass
class Occurrence:
    """One date of a series as the preview shows it."""

    date: datetime.date
    start: datetime.datetime
    end: datetime.datetime
    closure: str = ""
    free: int = 0
    problem: str = ""  # a limit or conflict message; empty when it can be booked

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
    A fixed number of queries whatever the length."""
    ensure_can_book(by, pool)
    if start_time >= end_time:
        raise InvalidBooking(_("The end must be after the start."))
    dates = series_dates(first_date, until, interval_weeks)
    closed = closed_dates(pool.organization, dates[0], dates[-1])
    plan = SeriesPlan()
    first_start = _combine(dates[0], start_time)
    last_end = _combine(dates[-1], end_time)
    intervals = availability.reserved_intervals(pool.pk, first_start, last_end)
    capacity = pool.capacity()
    for index, day in enumerate(dates):
        occurrence = Occurrence(day, _combine(day, start_time), _combine(day, end_time))
        occurrence.closure = closed.get(day, "")
        if not occurrence.closure:
            occurrence.free = max(
                capacity - availability.peak_in(intervals, occurrence.start, occurrence.end), 0
            )
            try:
                check_booking(
                    by=by,
                    pool=pool,
                    quantity=quantity,
                    start=occurrence.start,
                    end=occurrence.end,
                    now=now,
                    check_horizon=index == 0,
                )
            except DomainError as error:
                occurrence.problem = str(error)
            else:
                if quantity > occurrence.free:
                    occurrence.problem = str(_exhausted(occurrence.free))
        plan.occurrences.append(occurrence)
    return plan


def _on_date(day: datetime.date, error: DomainError) -> str:
    return _("%(date)s: %(problem)s") % {
        "date": date_format(day, "SHORT_DATE_FORMAT"),
        "problem": error,
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
    booked meanwhile), nothing is written and the error names the date."""
    ensure_can_book(by, pool)
    if start_time >= end_time:
        raise InvalidBooking(_("The end must be after the start."))
    all_dates = series_dates(first_date, until, interval_weeks)
    purpose = purpose.strip()
    with transaction.atomic():
        pool = _locked_pool(pool)
        closed = closed_dates(pool.organization, all_dates[0], all_dates[-1])
        status = (
            Reservation.Status.REQUESTED
            if needs_approval(by, pool)
            else Reservation.Status.CONFIRMED
        )
        if dates is None:
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
            dates = {occurrence.date for occurrence in plan.bookable}
        chosen = [day for day in all_dates if day in dates and day not in closed]
        if not chosen:
            raise InvalidBooking(_("None of the dates can be booked."))
        series = Series.objects.create(
            pool=pool,
            user=by,
            quantity=quantity,
            purpose=purpose,
            first_date=all_dates[0],
            until=until,
            start_time=start_time,
            end_time=end_time,
            interval_weeks=interval_weeks,
        )
        for index, day in enumerate(chosen):
            start, end = _combine(day, start_time), _combine(day, end_time)
            try:
                check_booking(
                    by=by,
                    pool=pool,
                    quantity=quantity,
                    start=start,
                    end=end,
                    now=now,
                    check_horizon=index == 0,
                )
                _create_locked(
                    by=by,
                    pool=pool,
                    quantity=quantity,
                    start=start,
                    end=end,
                    purpose=purpose,
                    status=status,
                    series=series,
                )
            except PoolExhausted as error:
                raise PoolExhausted(_on_date(day, error), error.free) from error
            except DomainError as error:
                raise type(error)(_on_date(day, error)) from error
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
    return reservation


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
        reservation = (
            Reservation.objects.select_for_update().select_related("pool").get(pk=reservation.pk)
        )
        if reservation.status != Reservation.Status.CONFIRMED:
            raise HandOutError(_("Only confirmed bookings can be handed out."))
        if reservation.end <= now:
            raise HandOutError(_("This booking has ended."))
        locked = list(_lock(Device.objects.filter(pk__in=device_ids)).order_by("pk"))
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
        if len(entry.note) > NOTE_MAX_LENGTH:
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
                    reason=_("Damaged on return: %(note)s") % {"note": item.note},
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
