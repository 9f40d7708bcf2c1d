"""Who may book what, and the pool's limits; the errors every booking service raises."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User

# The sensible years of every date (core.dates): nobody books device sets for years ahead,
# and dates far in the future (year 9999) stay away from date arithmetic. booking.services
# re-exports the bounds for the lending modules.
from core.dates import EARLIEST_YEAR, LATEST_YEAR, in_sensible_years, years_message  # noqa: F401
from core.errors import DomainError
from core.prepared import PreparedQuery
from devices.models import Device, DevicePool
from organizations.models import Membership

from .. import availability
from ..models import Loan, LoanItem, Reservation

DECISION_REASON_MAX_LENGTH = Reservation._meta.get_field("decision_reason").max_length

PURPOSE_MAX_LENGTH = Reservation._meta.get_field("purpose").max_length


class PoolExhausted(DomainError):
    """Not enough devices of the pool are free for the whole requested time."""

    def __init__(self, message: str, free: int, start: datetime.datetime | None = None) -> None:
        super().__init__(message)
        self.free = free
        self.start = start  # the time that did not fit, when several were asked for


class LimitExceeded(DomainError):
    """A limit of the pool (notice, horizon, length, per person) says no."""


class InvalidBooking(DomainError):
    """The booking itself makes no sense: end before start, no devices, a past date."""


class NotCancellable(DomainError):
    """The reservation has started, or was cancelled or declined already."""


class NotRestorable(DomainError):
    """A cancelled reservation cannot be brought back: the time to undo has passed, someone
    else cancelled it, it has begun, or its devices are taken meanwhile."""


# How long the person who cancelled a booking may undo it (the success message offers it).
UNDO_CANCEL_WINDOW = datetime.timedelta(minutes=10)


class HandOutError(DomainError):
    """The devices cannot be handed out for this reservation."""


class ReturnError(DomainError):
    """The return cannot be recorded as given."""


def _local(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def ensure_can_book(user: User, pool: DevicePool) -> None:
    if not DevicePool.objects.bookable_by(user).filter(pk=pool.pk).exists():
        raise PermissionDenied


def ensure_not_lent_to_residents(pool: DevicePool) -> None:
    """A pool lent to residents is reserved only through the lending service
    (``reserve_loan``, the waiting list, the desk), where its rules hold: the overdue block,
    the agreement, how far ahead, the per-person limit and the waiting list's order. The
    teachers' booking (once or weekly) and its API refuse it."""
    if pool.booking_scope == DevicePool.Scope.RESIDENTS:
        raise InvalidBooking(
            _(
                "Devices of this pool are lent to residents. Please reserve them on the "
                "pool's lending page, where the lending rules apply."
            )
        )


def ensure_manages_pool(user: User, pool: DevicePool) -> None:
    if not DevicePool.objects.managed_by(user).filter(pk=pool.pk).exists():
        raise PermissionDenied


def needs_approval(user: User, pool: DevicePool) -> bool:
    """Members of the pool's organization book directly. Anyone else (a teacher of another
    school booking a region-shared pool, a region admin) sends a request that staff of the
    owner confirm or decline. Loans to residents (the residents scope) need none."""
    if pool.booking_scope == DevicePool.Scope.RESIDENTS:
        return False
    if getattr(pool, "member_of_owner_for", None) == user.pk:  # read with the pool
        return not pool.member_of_owner  # (DevicePoolQuerySet.with_membership_of)
    return not Membership.objects.filter(user=user, organization_id=pool.organization_id).exists()


def as_utc(value: datetime.datetime) -> datetime.datetime:
    """The same instant in UTC. Arithmetic on two datetimes that share a ``tzinfo`` is done
    on the wall clock (Sat 22:00 to Sun 06:00 across the spring change would be 8 hours,
    not 7), so every length and comparison here is taken in UTC."""
    return value.astimezone(datetime.UTC)


def clean_purpose(purpose: str) -> str:
    purpose = purpose.strip()
    if "\x00" in purpose:
        raise InvalidBooking(_("The purpose contains a character that is not allowed."))
    if len(purpose) > PURPOSE_MAX_LENGTH:
        raise InvalidBooking(
            _("Please keep the purpose under %(max)d characters.") % {"max": PURPOSE_MAX_LENGTH}
        )
    return purpose


def checked_times(
    start: datetime.datetime, end: datetime.datetime, now: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """The range in UTC, or an InvalidBooking that says what is wrong with it."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidBooking(_("Times need a time zone."))
    if not in_sensible_years(start, end):
        # Also keeps year 1 and 9999 away from the conversion to UTC (overflow).
        raise InvalidBooking(years_message())
    start, end = as_utc(start), as_utc(end)
    if start >= end:
        raise InvalidBooking(_("The end must be after the start."))
    if start < now:
        raise InvalidBooking(_("This time has already begun; please choose a later one."))
    return start, end


def horizon_error(pool: DevicePool, now: datetime.datetime) -> LimitExceeded:
    latest = now + datetime.timedelta(days=pool.max_days_ahead)
    return LimitExceeded(
        ngettext(
            "This pool can be booked at most %(days)d day ahead, so until %(latest)s.",
            "This pool can be booked at most %(days)d days ahead, so until %(latest)s.",
            pool.max_days_ahead,
        )
        % {"days": pool.max_days_ahead, "latest": _local(latest)}
    )


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The end of a local day: midnight at the start of the next one (local, aware)."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()),
        zoneinfo.ZoneInfo(settings.TIME_ZONE),
    )


def latest_loan_end(
    pool: DevicePool, start: datetime.datetime, *, hold_days: int = 0
) -> datetime.datetime:
    """The latest end of a residents' reservation that starts at ``start``: the end of the
    due day (the local start day plus the loan period), plus ``hold_days`` for a device held
    for a waiting person. Counted in local days, so a daylight-saving change in between
    neither shortens nor lengthens a loan."""
    first_day = timezone.localtime(start).date()
    return end_of_day(first_day + datetime.timedelta(days=pool.loan_period_days + hold_days))


def limit_error(
    pool: DevicePool,
    *,
    quantity: int,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    capacity: int,
    check_horizon: bool = True,
    hold_days: int = 0,
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
        if end > latest_loan_end(pool, start, hold_days=hold_days):
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
        return horizon_error(pool, now)
    return None


def per_person_error(pool: DevicePool, *, mine: int, quantity: int) -> LimitExceeded | None:
    if not pool.per_person_limit or mine + quantity <= pool.per_person_limit:
        return None
    return LimitExceeded(
        ngettext(
            "You may have at most %(limit)d device of %(pool)s at a time; "
            "you have %(mine)d at that time already.",
            "You may have at most %(limit)d devices of %(pool)s at a time; "
            "you have %(mine)d at that time already.",
            pool.per_person_limit,
        )
        % {"limit": pool.per_person_limit, "pool": pool.name, "mine": mine}
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
    hold_days: int = 0,
) -> None:
    """Raise with a message that says which rule or limit fails and what is allowed.
    At most two queries (devices in service, unless ``capacity`` is given; the person's own
    bookings, when the pool has a per-person limit)."""
    now = as_utc(now or timezone.now())
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidBooking(_("Times need a time zone."))
    if quantity < 1:
        raise InvalidBooking(_("Book at least one device."))
    start, end = checked_times(start, end, now)
    error = limit_error(
        pool,
        quantity=quantity,
        start=start,
        end=end,
        now=now,
        capacity=pool.capacity() if capacity is None else capacity,
        check_horizon=check_horizon,
        hold_days=hold_days,
    )
    if error is None and pool.per_person_limit:
        mine = availability.peak_reserved(
            pool.pk, start, end, user=by, exclude=exclude, statuses=ACTIVE_STATUSES
        )
        error = per_person_error(pool, mine=mine, quantity=quantity)
    if error is not None:
        raise error


def overdue_items(now: datetime.datetime) -> QuerySet[LoanItem]:
    """Loan items still out in a loan that is past due (``Loan.objects.overdue``). Only open
    items: the partial unique index on ``LoanItem.device`` (``returned_at IS NULL``) finds
    them, however many loans a device has had."""
    return LoanItem.objects.filter(returned_at__isnull=True, loan__in=Loan.objects.overdue(now))


def overdue_filter(now: datetime.datetime) -> Exists:
    """Devices in an open loan that is past due. An ``Exists`` over the device's open loan
    items, not a join to every item it ever had (which grows with history and needed a
    ``COUNT(DISTINCT)``)."""
    return Exists(overdue_items(now).filter(device_id=OuterRef("pk")))


def lendable_capacity(pool: DevicePool, now: datetime.datetime | None = None) -> int:
    """Devices in service that are not out past their due date. An overdue device is not
    coming back on time, so it cannot be promised to the next person. One query."""
    return lendable_count(pool.pk, now or timezone.now()).get()["lendable"]


def lendable_count(pool_id: int, now: datetime.datetime) -> QuerySet:
    """The query of ``lendable_capacity``: one row with ``lendable`` (none if the pool is
    gone), for a caller that reads it together with something else (``capacity.hold``)."""
    lendable = (
        Device.objects.filter(pool_id=OuterRef("pk"), status=Device.Status.IN_SERVICE)
        .filter(~overdue_filter(now))
        .order_by()
        .values("pool_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        DevicePool.objects.filter(pk=pool_id)
        .order_by()
        .annotate(lendable=Coalesce(Subquery(lendable), Value(0)))
        .values("lendable")
    )


# lendable_count as hold() runs it for every booking: built and compiled once (core.prepared).
_LENDABLE_COUNT = PreparedQuery(lendable_count)


def lendable_count_sql(pool_id: int, now: datetime.datetime) -> tuple[str, list]:
    """The SQL and parameters of ``lendable_count(pool_id, now)``."""
    return _LENDABLE_COUNT.sql(pool_id=pool_id, now=now)


def free_count(
    pool: DevicePool,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    now: datetime.datetime | None = None,
    exclude: tuple[int, ...] = (),
) -> int:
    """Devices free for the whole of [start, end): in service, minus those out past their due
    date, minus the peak reserved. The one count that every new reservation, renewal and
    waiting-list offer is checked against. Two queries."""
    reserved = availability.peak_reserved(pool.pk, start, end, exclude=exclude)
    return max(lendable_capacity(pool, now) - reserved, 0)


def exhausted(free: int) -> PoolExhausted:
    """The error of a pool with only ``free`` devices left for the time asked."""
    if free == 0:
        message = _("No device of this pool is free for the whole time.")
    else:
        message = ngettext(
            "Only %(free)d device is free for the whole time.",
            "Only %(free)d devices are free for the whole time.",
            free,
        ) % {"free": free}
    return PoolExhausted(message, free)
