"""Lending devices to residents: borrowing agreements, library cards, blocking for overdue
devices, reserving a loan for a pick-up day, renewing it, lending at the desk without a
reservation and taking devices back by their tag.

Loans to residents are counted in local days: picked up on day P, a device is due by the end
of day D = P + the pool's loan period, and its reservation is [P 00:00, D+1 00:00).
"""

from __future__ import annotations

import datetime
import itertools
import math
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import log_action
from accounts.models import User
from booking import availability, capacity
from booking.models import Loan, LoanItem, Reservation
from booking.services.dates import (
    DUE_SLACK_DAYS,
    due_day,
    format_day,
    last_day,
    lending_calendar,
)
from booking.services.loans import (
    ItemReturn,
    checked_due_at,
    create_items,
    loan_due_at,
    locked_devices,
    overdue_loans,
)
from booking.services.loans import return_items as _return_items
from booking.services.policy import (
    ACTIVE_STATUSES,
    EARLIEST_YEAR,
    LATEST_YEAR,
    HandOutError,
    InvalidBooking,
    LimitExceeded,
    NotCancellable,
    PoolExhausted,
    ReturnError,
    as_utc,
    end_of_day,
    ensure_can_book,
    ensure_manages_pool,
    overdue_items,
    per_person_error,
)
from booking.services.reservations import offer_freed_devices
from core.errors import DomainError
from core.locking import for_update, locked
from devices.models import Device, DevicePool
from organizations import people
from organizations.hours import OpeningCalendar, calendars_for
from organizations.models import Organization

from ..models import (
    AgreementAcceptance,
    BorrowingAgreement,
    LibraryCard,
    OverdueNotice,
    WaitlistEntry,
)
from ..tasks import send_lending_email
from .errors import AgreementRequired, Blocked, RenewalRefused

CARD_NUMBER_MAX_LENGTH = LibraryCard._meta.get_field("number").max_length
AGREEMENT_TITLE_MAX_LENGTH = BorrowingAgreement._meta.get_field("title").max_length
# lending_outlook looks this far ahead at most for the next free pick-up day.
OUTLOOK_MAX_DAYS = 366


class CardNumberTaken(DomainError):
    """Another person of the organization has this library card number."""


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


# --- borrowing agreements ---------------------------------------------------------------


def current_agreement(organization: Organization) -> BorrowingAgreement | None:
    """The organization's newest borrowing agreement, or None when it has none."""
    return (
        BorrowingAgreement.objects.filter(organization_id=organization.pk)
        .order_by("-version")
        .first()
    )


def needs_agreement(user: User, organization: Organization) -> BorrowingAgreement | None:
    """The agreement version the person still has to accept before borrowing, else None."""
    agreement = current_agreement(organization)
    if agreement is None:
        return None
    if AgreementAcceptance.objects.filter(agreement=agreement, user_id=user.pk).exists():
        return None
    return agreement


def agreement_required(agreement: BorrowingAgreement) -> AgreementRequired:
    return AgreementRequired(
        _("Please read and accept the borrowing agreement of %(organization)s first.")
        % {"organization": agreement.organization.name},
        agreement,
    )


def accept_agreement(
    *, by: User, agreement: BorrowingAgreement, user: User | None = None
) -> AgreementAcceptance:
    """Record that a person accepted a version of the agreement: themselves online, or, with
    ``user``, staff of the organization for a resident who signed at the desk. Accepting
    twice changes nothing."""
    user = user or by
    recorded_by = None
    if user.pk != by.pk:
        if not Organization.objects.managed_by(by).filter(pk=agreement.organization_id).exists():
            raise PermissionDenied
        recorded_by = by
    with transaction.atomic():
        acceptance, created = AgreementAcceptance.objects.get_or_create(
            agreement=agreement, user=user, defaults={"recorded_by": recorded_by}
        )
        if created:
            log_action(
                by,
                "booking.agreement_accepted",
                acceptance,
                organization_id=agreement.organization_id,
                agreement=agreement.pk,
                version=agreement.version,
                user=user.pk,
            )
    return acceptance


def publish_agreement(
    *, by: User, organization: Organization, title: str, text: str
) -> BorrowingAgreement:
    """Publish the next version of the organization's agreement. Everyone who borrows from
    then on accepts this version (also those who accepted an earlier one)."""
    if not Organization.objects.managed_by(by).filter(pk=organization.pk).exists():
        raise PermissionDenied
    title, text = title.strip(), text.strip()
    if not title or not text:
        raise DomainError(_("Please give the agreement a title and a text."))
    if "\x00" in title or "\x00" in text:
        raise DomainError(_("The agreement contains a character that is not allowed."))
    if len(title) > AGREEMENT_TITLE_MAX_LENGTH:
        raise DomainError(
            _("Please keep the title under %(max)d characters.")
            % {"max": AGREEMENT_TITLE_MAX_LENGTH}
        )
    with transaction.atomic():
        # Two staff publishing at once get consecutive versions, not the same one.
        for_update(Organization.objects.filter(pk=organization.pk)).get()
        latest = BorrowingAgreement.objects.filter(organization_id=organization.pk).aggregate(
            version=Max("version")
        )["version"]
        agreement = BorrowingAgreement.objects.create(
            organization_id=organization.pk, version=(latest or 0) + 1, title=title, text=text
        )
        log_action(
            by,
            "booking.agreement_published",
            agreement,
            organization_id=organization.pk,
            version=agreement.version,
        )
    return agreement


# --- blocking ---------------------------------------------------------------------------


def blocked_message(loans: list[Loan]) -> str:
    """Names what is overdue, from where, and says to bring it back."""
    items = []
    for loan in loans:
        devices = ", ".join(
            item.device.display_name for item in loan.items.all() if item.returned_at is None
        )
        items.append(
            _("%(devices)s from %(pool)s (%(organization)s), due on %(date)s")
            % {
                "devices": devices,
                "pool": loan.pool.name,
                "organization": loan.pool.organization.name,
                "date": _day(last_day(loan.due_at)),
            }
        )
    return _(
        "Please return what is overdue first: %(items)s. Until it is back, you cannot reserve, "
        "renew or join a waiting list."
    ) % {"items": "; ".join(items)}


def _overdue_with_devices(user: User, now: datetime.datetime | None) -> list[Loan]:
    return list(
        overdue_loans(user, now=now)
        .select_related("pool__organization")
        .prefetch_related("items__device__device_type")
    )


def ensure_not_blocked(user: User, *, now: datetime.datetime | None = None) -> None:
    """Raise Blocked, naming the devices, while the person has any overdue loan."""
    loans = _overdue_with_devices(user, now)
    if loans:
        raise Blocked(blocked_message(loans))


# --- reserving a loan -------------------------------------------------------------------


def pickup_calendar(pool: DevicePool, first: datetime.date, last: datetime.date) -> OpeningCalendar:
    """The opening calendar of the pool's organization, for pick-up and due days in
    [first, last] (and the days a due date may move to). The opening calendar's two
    queries."""
    return lending_calendar(pool.organization, first, last)


def due_date(
    pool: DevicePool, pickup_date: datetime.date, calendar: OpeningCalendar | None = None
) -> datetime.date:
    """D: the day by whose end a device picked up on ``pickup_date`` is due: the loan period
    in calendar days, moved to the next day the organization is open."""
    if calendar is None:
        calendar = pickup_calendar(
            pool, pickup_date, pickup_date + datetime.timedelta(days=pool.loan_period_days)
        )
    return due_day(pool.loan_period_days, pickup_date, calendar)


def loan_span(
    pool: DevicePool, pickup_date: datetime.date, calendar: OpeningCalendar | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """The reservation of a loan picked up on P: [P 00:00, D+1 00:00) local, in UTC."""
    start = end_of_day(pickup_date - datetime.timedelta(days=1))
    return as_utc(start), as_utc(end_of_day(due_date(pool, pickup_date, calendar)))


def is_pickup_day(calendar: OpeningCalendar, day: datetime.date) -> bool:
    """Whether a pick-up day may be proposed: the organization is open. Without opening hours
    on record only its closures are known, and Sunday (when libraries in Bavaria are closed)
    is not proposed; a person may still choose it."""
    if not calendar.is_open(day):
        return False
    return calendar.known or day.weekday() != SUNDAY


def notice_days(pool: DevicePool) -> int:
    """The pool's minimum notice in whole days (24 hours' notice: from tomorrow)."""
    return math.ceil(pool.min_notice_hours / 24)


def _check_pickup(
    pool: DevicePool, pickup_date: datetime.date, today: datetime.date
) -> OpeningCalendar:
    """Refuse a pick-up day outside the pool's limits or on a day the organization is
    closed (naming its next open day); return the calendar read for it."""
    if not isinstance(pickup_date, datetime.date) or isinstance(pickup_date, datetime.datetime):
        raise InvalidBooking(_("Please choose a pick-up day."))
    if pickup_date.year < EARLIEST_YEAR or pickup_date < today:
        raise InvalidBooking(_("Please choose a pick-up day from today on."))
    if pickup_date.year > LATEST_YEAR:
        raise InvalidBooking(
            _("Please choose a date before the year %(year)d.") % {"year": LATEST_YEAR}
        )
    earliest = today + datetime.timedelta(days=notice_days(pool))
    if pickup_date < earliest:
        raise LimitExceeded(
            ngettext(
                "Devices of %(pool)s must be reserved %(days)d day ahead, so the earliest "
                "pick-up day is %(earliest)s.",
                "Devices of %(pool)s must be reserved %(days)d days ahead, so the earliest "
                "pick-up day is %(earliest)s.",
                notice_days(pool),
            )
            % {"pool": pool.name, "days": notice_days(pool), "earliest": _day(earliest)}
        )
    latest = today + datetime.timedelta(days=pool.max_days_ahead)
    if pickup_date > latest:
        raise LimitExceeded(
            ngettext(
                "%(pool)s can be reserved at most %(days)d day ahead, so until %(latest)s.",
                "%(pool)s can be reserved at most %(days)d days ahead, so until %(latest)s.",
                pool.max_days_ahead,
            )
            % {"pool": pool.name, "days": pool.max_days_ahead, "latest": _day(latest)}
        )
    calendar = pickup_calendar(
        pool, pickup_date, pickup_date + datetime.timedelta(days=pool.loan_period_days)
    )
    if not calendar.is_open(pickup_date):
        words = {
            "organization": pool.organization.name,
            "date": format_day(pickup_date),
            "next": format_day(calendar.next_open_day(pickup_date)),
            "reason": calendar.closure_on(pickup_date),
        }
        if words["reason"]:
            raise LimitExceeded(
                _("%(organization)s is closed on %(date)s (%(reason)s). Next open day: %(next)s")
                % words
            )
        raise LimitExceeded(
            _("%(organization)s is closed on %(date)s. Next open day: %(next)s") % words
        )
    return calendar


# Without opening hours on record, the one day known to be closed nearly everywhere is Sunday
# (libraries in Bavaria are closed then): the next free day suggested is never a Sunday. A
# person may still choose one where their library opens on Sundays.
SUNDAY = 6
# How many open days the pick-up field lists.
LISTED_PICKUP_DAYS = 60


def ensure_lends(pool: DevicePool) -> None:
    if pool.booking_scope != DevicePool.Scope.RESIDENTS or not pool.organization.lends_to_residents:
        raise InvalidBooking(_("%(pool)s is not lent to residents.") % {"pool": pool.name})


def reserve_loan(
    *,
    by: User,
    pool: DevicePool,
    pickup_date: datetime.date,
    quantity: int = 1,
    now: datetime.datetime | None = None,
) -> Reservation:
    """Reserve ``quantity`` devices of a residents' pool for pick-up on ``pickup_date`` and
    the pool's loan period. For today, the reservation starts now."""
    ensure_can_book(by, pool)
    ensure_lends(pool)
    now = as_utc(now or timezone.now())
    if quantity < 1:
        raise InvalidBooking(_("Reserve at least one device."))
    calendar = _check_pickup(pool, pickup_date, timezone.localtime(now).date())
    ensure_not_blocked(by, now=now)
    agreement = needs_agreement(by, pool.organization)
    if agreement is not None:
        raise agreement_required(agreement)
    start, end = loan_span(pool, pickup_date, calendar)
    start = max(start, now)
    with transaction.atomic():
        pool = locked(pool)
        in_service = pool.capacity()
        if quantity > in_service:
            raise LimitExceeded(
                ngettext(
                    "%(pool)s has only %(count)d device in service.",
                    "%(pool)s has only %(count)d devices in service.",
                    in_service,
                )
                % {"pool": pool.name, "count": in_service}
            )
        if pool.per_person_limit:
            mine = availability.peak_reserved(
                pool.pk, start, end, user=by, statuses=ACTIVE_STATUSES
            )
            error = per_person_error(pool, mine=mine, quantity=quantity)
            if error is not None:
                raise error
        capacity.hold(pool=pool, start=start, end=end, quantity=quantity, now=now)
        reservation = Reservation.objects.create(
            pool=pool,
            user=by,
            quantity=quantity,
            start=start,
            end=end,
            status=Reservation.Status.CONFIRMED,
            created_at=now,
        )
        log_action(
            by,
            "booking.loan_reserved",
            reservation,
            organization_id=pool.organization_id,
            pool=pool.pk,
            quantity=quantity,
        )
    transaction.on_commit(partial(send_lending_email.enqueue, "reserved", reservation.pk))
    return reservation


def cancel_loan_reservation(
    *, by: User, reservation: Reservation, now: datetime.datetime | None = None
) -> Reservation:
    """The resident cancels a reservation of a residents' pool that has not been picked up,
    also on the pick-up day itself (when it has begun: a booking of a school can no longer be
    cancelled then). A device held for them from the waiting list: they leave the list. The
    devices go to the waiting list at once."""
    if reservation.user_id is None or reservation.user_id != by.pk:
        raise PermissionDenied
    ensure_lends(reservation.pool)
    now = as_utc(now or timezone.now())
    with transaction.atomic():
        pool = locked(reservation.pool)
        reservation = for_update(Reservation.objects.filter(pk=reservation.pk)).get()
        if not reservation.is_active or reservation.end <= now:
            raise NotCancellable(_("This reservation is no longer active."))
        if reservation.loans.exists():
            raise NotCancellable(
                _("The device has been picked up; please bring it back to %(organization)s.")
                % {"organization": pool.organization.name}
            )
        reservation.status = Reservation.Status.CANCELLED
        reservation.cancelled_at = now
        reservation.shortfall = False
        reservation.save(update_fields=["status", "cancelled_at", "shortfall"])
        WaitlistEntry.objects.filter(
            reservation=reservation, status=WaitlistEntry.Status.OFFERED
        ).update(status=WaitlistEntry.Status.LEFT, closed_at=now)
        log_action(by, "booking.cancelled", reservation, organization_id=pool.organization_id)
    offer_freed_devices(pool)
    return reservation


# --- what is free -----------------------------------------------------------------------


@dataclass(frozen=True)
class PoolOutlook:
    pool_id: int
    capacity: int
    free_today: int
    next_free: datetime.date | None
    waiting: int
    # The first days a pick-up may be proposed on, within how far ahead the pool may be
    # reserved (only when asked for: the pool page's field).
    pickup_days: tuple[datetime.date, ...] = ()


def _devices_in_service() -> Coalesce:
    """How many devices of the outer pool are in service, as a subquery."""
    devices = Device.objects.filter(pool_id=OuterRef("pk"), status=Device.Status.IN_SERVICE)
    counted = devices.order_by().values("pool_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), Value(0))


def _overdue_by_pool(ids: list[int], now: datetime.datetime) -> dict[int, int]:
    """How many devices in service of each pool are out past their due date, in one query
    from the open loan items (``overdue_items``: one per device out, by the partial unique
    index), so it grows with the loans open, not with the pools' devices: the ``Exists`` of
    ``overdue_filter`` probed every device of every pool (8–16 ms at scale 1, this 2)."""
    return dict(
        overdue_items(now)
        .filter(device__pool_id__in=ids, device__status=Device.Status.IN_SERVICE)
        .order_by()
        .values_list("device__pool_id")
        .annotate(count=Count("pk"))
    )


def _first_free_pickup(
    pool: DevicePool,
    days,
    steps: list[availability.Interval],
    lendable: int,
    now: datetime.datetime,
    calendar: OpeningCalendar,
) -> datetime.date | None:
    """The first of ``days`` (ascending) on which a device is free for a whole loan picked
    up that day: no stretch of the step function with every lendable device reserved
    overlaps the loan. One pass: the loans of later days start later and end no earlier, so
    a full stretch that ends before one loan starts is behind every later one too, and one
    that a loan runs into is in the way of every loan picked up before it ends."""
    if lendable < 1:
        return None
    full = [interval for interval in steps if interval.reserved >= lendable]
    index = 0
    blocked_before: datetime.date | None = None
    for day in days:
        if blocked_before is not None and day < blocked_before:
            continue
        start, end = loan_span(pool, day, calendar)
        start = max(start, now)
        while index < len(full) and full[index].end <= start:
            index += 1
        if index == len(full) or full[index].start >= end:
            return day
        # The first pick-up day whose loan starts (at midnight) when this stretch is over.
        over = timezone.localtime(full[index].end)
        blocked_before = over.date() + datetime.timedelta(days=over.time() != datetime.time())
    return None


def lending_outlook(
    pools, *, today: datetime.date | None = None, with_pickup_days: bool = False
) -> dict[int, PoolOutlook]:
    """For each pool: devices in service, how many are free for a loan picked up now (0 when
    the organization is not open today: "free now" means one can pick it up), the first
    pick-up day (within how far ahead the pool may be reserved, on a day the organization is
    open) with a device free for a whole loan, and how many people wait; with
    ``with_pickup_days`` the first days a pick-up may be proposed on (the pool page's field).
    Eight queries, however many pools."""
    ids = [pool.pk for pool in pools]
    if not ids:
        return {}
    now = timezone.now()
    if today is None:
        today = timezone.localtime(now).date()
    elif today != timezone.localtime(now).date():
        now = as_utc(end_of_day(today - datetime.timedelta(days=1)))
    loaded = list(
        DevicePool.objects.filter(pk__in=ids)
        .select_related("organization")
        .annotate(in_service=_devices_in_service())
    )
    overdue = _overdue_by_pool(ids, now)
    horizon = {pool.pk: min(pool.max_days_ahead, OUTLOOK_MAX_DAYS) for pool in loaded}
    last_day = max(
        today + datetime.timedelta(days=horizon[pool.pk] + pool.loan_period_days) for pool in loaded
    )
    intervals = availability.reserved_intervals_by_pool(ids, now, as_utc(end_of_day(last_day)))
    organizations = {pool.organization_id: pool.organization for pool in loaded}
    calendars = calendars_for(
        organizations.values(), today, last_day + datetime.timedelta(days=DUE_SLACK_DAYS)
    )
    waiting = dict(
        WaitlistEntry.objects.filter(pool_id__in=ids, status=WaitlistEntry.Status.WAITING)
        .values_list("pool_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    outlook = {}
    for pool in loaded:
        lendable = pool.in_service - overdue.get(pool.pk, 0)
        steps = intervals.get(pool.pk, [])
        calendar = calendars[pool.organization_id]

        def pickup_days(pool=pool, calendar=calendar):
            # Lazily: the search for the next free day mostly stops at the first one.
            for day in calendar.open_days(
                today + datetime.timedelta(days=notice_days(pool)),
                today + datetime.timedelta(days=horizon[pool.pk]),
            ):
                if is_pickup_day(calendar, day):
                    yield day

        free_today = 0
        if is_pickup_day(calendar, today):
            start, end = loan_span(pool, today, calendar)
            free_today = max(lendable - availability.peak_in(steps, max(start, now), end), 0)
        outlook[pool.pk] = PoolOutlook(
            pool_id=pool.pk,
            capacity=pool.in_service,
            free_today=free_today,
            next_free=_first_free_pickup(pool, pickup_days(), steps, lendable, now, calendar),
            waiting=waiting.get(pool.pk, 0),
            pickup_days=(
                tuple(itertools.islice(pickup_days(), LISTED_PICKUP_DAYS))
                if with_pickup_days
                else ()
            ),
        )
    return outlook


def outlook_changes_at(pool_ids, now: datetime.datetime) -> datetime.datetime | None:
    """When the outlook of these pools (and the pool page's next return) changes by time
    alone, besides the day changing: a reservation of theirs starts or ends (what is free
    now), or an open loan falls due (it counts as overdue just after its due time, and stops
    being the next return)."""
    reservations = Reservation.objects.filter(pool_id__in=pool_ids, end__gt=now).aggregate(
        start=Min("start", filter=Q(start__gt=now)), end=Min("end")
    )
    due = (
        Loan.objects.open()
        .filter(pool_id__in=pool_ids, due_at__gte=now)
        .aggregate(first=Min("due_at"))["first"]
    )
    moments = [reservations["start"], reservations["end"]]
    if due is not None:
        moments.append(due + datetime.timedelta(microseconds=1))
    return min((moment for moment in moments if moment is not None), default=None)


# --- renewing ---------------------------------------------------------------------------


def _renewed_due(loan: Loan) -> datetime.datetime:
    """The due time one loan period after the current due date, moved to the next day the
    organization is open, on the same local wall-clock time."""
    local = timezone.localtime(loan.due_at)
    current = last_day(loan.due_at)
    period = loan.pool.loan_period_days
    calendar = lending_calendar(
        loan.pool.organization, current, current + datetime.timedelta(days=period)
    )
    shift = due_day(period, current, calendar) - current
    moved = local.replace(tzinfo=None) + shift
    return as_utc(timezone.make_aware(moved, local.tzinfo))


def renew(*, by: User, loan: Loan, now: datetime.datetime | None = None) -> Loan:
    """Extend the borrower's loan by the pool's loan period, from the current due date.
    Refused, saying why, when it is returned, renewed as often as allowed, overdue (this or
    any other loan), when someone waits for the pool, or when the devices are reserved."""
    if loan.borrower_id is None or loan.borrower_id != by.pk:
        raise PermissionDenied
    now = as_utc(now or timezone.now())
    with transaction.atomic():
        pool = locked(loan.pool)
        loan = for_update(Loan.objects.filter(pk=loan.pk)).get()
        loan.pool = pool
        if loan.closed_at is not None:
            raise RenewalRefused(_("This loan has been returned already."))
        if pool.booking_scope != DevicePool.Scope.RESIDENTS:
            raise RenewalRefused(_("Only loans to residents can be renewed."))
        if pool.max_renewals == 0:
            raise RenewalRefused(_("Loans of %(pool)s cannot be renewed.") % {"pool": pool.name})
        if loan.renewals >= pool.max_renewals:
            raise RenewalRefused(
                ngettext(
                    "You have renewed this loan %(count)d time, the most %(pool)s allows.",
                    "You have renewed this loan %(count)d times, the most %(pool)s allows.",
                    loan.renewals,
                )
                % {"count": loan.renewals, "pool": pool.name}
            )
        overdue = _overdue_with_devices(by, now)
        if overdue:
            raise RenewalRefused(blocked_message(overdue))
        due = {"date": _day(last_day(loan.due_at)), "pool": pool.name}
        # Someone with a device held for them waits no more: the capacity check below keeps
        # their device theirs.
        if WaitlistEntry.objects.filter(pool=pool, status=WaitlistEntry.Status.WAITING).exists():
            raise RenewalRefused(
                _(
                    "Someone is waiting for %(pool)s, so this loan cannot be renewed. Please "
                    "return it by %(date)s."
                )
                % due
            )
        new_due = _renewed_due(loan)
        out = LoanItem.objects.filter(loan=loan, returned_at__isnull=True).count()
        exclude = (loan.reservation_id,) if loan.reservation_id else ()
        try:
            capacity.hold(
                pool=pool, start=loan.due_at, end=new_due, quantity=out, now=now, exclude=exclude
            )
        except PoolExhausted:
            raise RenewalRefused(
                _(
                    "The devices of %(pool)s are reserved for others after your due date, so "
                    "this loan cannot be renewed. Please return it by %(date)s."
                )
                % due
            ) from None
        previous = loan.due_at
        loan.due_at = new_due
        loan.renewals += 1
        loan.save(update_fields=["due_at", "renewals"])
        if loan.reservation_id:
            Reservation.objects.filter(pk=loan.reservation_id, end__lt=new_due).update(end=new_due)
        # The reminder before the new due date is a new one.
        OverdueNotice.objects.filter(loan=loan, kind=OverdueNotice.Kind.REMINDER).delete()
        log_action(
            by,
            "booking.renewed",
            loan,
            organization_id=pool.organization_id,
            previous_due=previous.isoformat(),
            due=new_due.isoformat(),
        )
    return loan


# --- the desk ---------------------------------------------------------------------------


def set_library_card(
    *, by: User, organization: Organization, user: User, number: str
) -> LibraryCard | None:
    """Store (or, with an empty number, delete) a resident's library card number with the
    organization, so that the desk finds them by it. Returns None when deleted. A card is
    added only for a person the library already knows (``organizations.people``); a
    newcomer gets one with their first loan (``lend_at_desk(card_number=...)``)."""
    if not Organization.objects.managed_by(by).filter(pk=organization.pk).exists():
        raise PermissionDenied
    number = _clean_card_number(number)
    if number and not people.is_known(organization, user):
        raise DomainError(
            _(
                "A library card is added for someone who already borrows or reserves here. "
                "Enter the card number with their first loan."
            )
        )
    return _store_library_card(by=by, organization=organization, user=user, number=number)


def _clean_card_number(number: str) -> str:
    number = number.strip().upper()
    if "\x00" in number:
        raise DomainError(_("The card number contains a character that is not allowed."))
    if len(number) > CARD_NUMBER_MAX_LENGTH:
        raise DomainError(
            _("Please keep the card number under %(max)d characters.")
            % {"max": CARD_NUMBER_MAX_LENGTH}
        )
    return number


def _store_library_card(
    *, by: User, organization: Organization, user: User, number: str
) -> LibraryCard | None:
    if not organization.lends_to_residents:
        raise DomainError(_("Only libraries keep library cards."))
    taken = CardNumberTaken(
        _("The library card number %(number)s belongs to another person.") % {"number": number}
    )
    with transaction.atomic():
        if not number:
            LibraryCard.objects.filter(organization=organization, user=user).delete()
            log_action(
                by,
                "booking.library_card_removed",
                None,
                organization_id=organization.pk,
                user=user.pk,
            )
            return None
        if (
            LibraryCard.objects.filter(organization=organization, number=number)
            .exclude(user=user)
            .exists()
        ):
            raise taken
        try:
            with transaction.atomic():
                card, _created = LibraryCard.objects.update_or_create(
                    organization=organization, user=user, defaults={"number": number}
                )
        except IntegrityError as error:  # stored for someone else just now
            raise taken from error
        log_action(
            by, "booking.library_card_set", card, organization_id=organization.pk, user=user.pk
        )
    return card


def lend_at_desk(
    *,
    by: User,
    pool: DevicePool,
    borrower: User,
    devices: list[Device],
    due_at: datetime.datetime | None = None,
    agreement_signed: bool = False,
    card_number: str = "",
    now: datetime.datetime | None = None,
) -> Loan:
    """Staff lend free devices of a residents' pool to a person without a reservation: a
    confirmed reservation from now until the loan is due, and the loan. With
    ``agreement_signed`` staff record that the person signed the agreement at the desk;
    with ``card_number`` the person's library card is saved in the same step (the one way
    a newcomer gets a card)."""
    ensure_manages_pool(by, pool)
    ensure_lends(pool)
    card_number = _clean_card_number(card_number)
    now = as_utc(now or timezone.now())
    if not devices:
        raise HandOutError(_("Choose or scan at least one device."))
    device_ids = sorted({device.pk for device in devices})
    due = checked_due_at(pool, due_at, now) if due_at else as_utc(loan_due_at(pool, now))
    ensure_not_blocked(borrower, now=now)
    agreement = needs_agreement(borrower, pool.organization)
    if agreement is not None and not agreement_signed:
        raise agreement_required(agreement)
    with transaction.atomic():
        pool = locked(pool)
        if agreement is not None:
            accept_agreement(by=by, agreement=agreement, user=borrower)
        if pool.per_person_limit:
            mine = availability.peak_reserved(
                pool.pk, now, due, user=borrower, statuses=ACTIVE_STATUSES
            )
            error = per_person_error(pool, mine=mine, quantity=len(device_ids))
            if error is not None:
                raise error
        locked_devices(device_ids, pool.pk)
        capacity.hold(pool=pool, start=now, end=due, quantity=len(device_ids), now=now)
        reservation = Reservation.objects.create(
            pool=pool,
            user=borrower,
            quantity=len(device_ids),
            start=now,
            end=due,
            status=Reservation.Status.CONFIRMED,
            created_at=now,
        )
        loan = Loan.objects.create(
            pool=pool,
            reservation=reservation,
            borrower=borrower,
            handed_out_by=by,
            handed_out_at=now,
            due_at=due,
        )
        create_items(loan, device_ids)
        if card_number:
            _store_library_card(
                by=by, organization=pool.organization, user=borrower, number=card_number
            )
        log_action(
            by,
            "booking.lent_at_desk",
            loan,
            organization_id=pool.organization_id,
            reservation=reservation.pk,
            devices=device_ids,
            borrower=borrower.pk,
        )
    return loan


def _clean_code(code: str) -> str:
    return code.replace("\x00", "").strip()[:60]


def _devices_by_code(by: User, code: str) -> QuerySet[Device]:
    return Device.objects.managed_by(by).filter(
        Q(asset_tag__iexact=code) | Q(label_code=code.upper())
    )


def find_open_item(*, by: User, code: str) -> LoanItem | None:
    """The open loan item of the device with this asset tag (any case) or label code, among
    the devices of the organizations ``by`` manages; None when none is out."""
    code = _clean_code(code)
    if not code:
        return None
    return (
        LoanItem.objects.filter(device__in=_devices_by_code(by, code), returned_at__isnull=True)
        .select_related("device", "loan__pool", "loan__borrower")
        .first()
    )


def return_by_code(
    *,
    by: User,
    code: str,
    condition: str = LoanItem.Condition.COMPLETE,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Loan:
    """Take one device back by its scanned or typed tag. Nothing changes when no device has
    the tag or it is not on loan."""
    code = _clean_code(code)
    item = find_open_item(by=by, code=code) if code else None
    if item is None:
        if code and _devices_by_code(by, code).exists():
            raise ReturnError(_("“%(code)s” is not on loan.") % {"code": code})
        raise ReturnError(_("No device with the tag or code “%(code)s” here.") % {"code": code})
    return _return_items(
        by=by,
        loan=item.loan,
        returns=[ItemReturn(item_id=item.pk, condition=condition, note=note)],
        now=now,
    )
