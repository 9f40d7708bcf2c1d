"""The waiting list of a pool lent to residents: first come, first served.

When a device comes free (a return, a cancelled reservation, a device back in service) the
next waiting person is offered it: a confirmed reservation from now until the end of the hold
plus a loan period, held until the end of the hold's last day. Unclaimed, the hold expires
and the next person is offered it. The entry's status is the record of what happened, so
nobody is emailed twice for the same offer.
"""

from __future__ import annotations

import datetime
from functools import partial

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import log_action
from accounts.models import User
from booking import capacity
from booking.models import Loan, Reservation
from booking.services.dates import due_day, lending_calendar
from booking.services.policy import (
    PoolExhausted,
    as_utc,
    end_of_day,
    ensure_can_book,
    free_count,
)
from booking.tasks import send_reservation_email
from core import public_cache
from core.locking import for_update, locked
from devices.models import Device, DevicePool
from organizations.hours import OpeningCalendar, calendars_for

from ..models import BorrowingAgreement, LendingPolicy, WaitlistEntry
from ..tasks import send_waitlist_email
from .errors import WaitlistError
from .loans import (
    accept_agreement,
    agreement_required,
    ensure_lends,
    ensure_not_blocked,
    needs_agreement,
)


def last_hold_day(
    calendar: OpeningCalendar, first_day: datetime.date, hold_days: int
) -> datetime.date:
    """The last day to pick up something held from ``first_day`` on: the hold counts the
    days the organization is open after ``first_day`` only, so it never runs out over a
    closed weekend or on a closed day."""
    return calendar.add_open_days(first_day, hold_days)


def _hold_span(
    pool: DevicePool, policy: LendingPolicy, now: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """Until when a device offered now is held, and until when it is then reserved: the
    hold's last day (counted in open days) plus a whole loan period (its due day moved
    to an open day)."""
    today = timezone.localtime(now).date()
    calendar = lending_calendar(
        pool.organization,
        today,
        today + datetime.timedelta(days=2 * policy.hold_days + pool.loan_period_days + 14),
    )
    last = last_hold_day(calendar, today, policy.hold_days)
    until = due_day(pool.loan_period_days, last, calendar)
    return as_utc(end_of_day(last)), as_utc(end_of_day(until))


def _email(entry_id: int, kind: str) -> None:
    transaction.on_commit(partial(send_waitlist_email.enqueue, entry_id, kind))


def join_waitlist(
    *, by: User, pool: DevicePool, quantity: int = 1, now: datetime.datetime | None = None
) -> WaitlistEntry:
    """Put the person at the end of the pool's waiting list."""
    ensure_can_book(by, pool)
    ensure_lends(pool)
    if quantity < 1:
        raise WaitlistError(_("Wait for at least one device."))
    now = as_utc(now or timezone.now())
    ensure_not_blocked(by, now=now)
    agreement = needs_agreement(by, pool.organization)
    if agreement is not None:
        raise agreement_required(agreement)
    policy = LendingPolicy.for_organization(pool.organization)
    with transaction.atomic():
        pool = locked(pool)
        # Devices in repair come back; lost and retired ones do not.
        devices = pool.devices.filter(
            status__in=[Device.Status.IN_SERVICE, Device.Status.IN_REPAIR]
        )
        if quantity > devices.count():
            raise WaitlistError(
                _("%(pool)s does not have that many devices.") % {"pool": pool.name}
            )
        # The hold will be a reservation: no more than one person may have at a time.
        if pool.per_person_limit and quantity > pool.per_person_limit:
            raise WaitlistError(
                ngettext(
                    "You may have at most %(limit)d device of %(pool)s at a time.",
                    "You may have at most %(limit)d devices of %(pool)s at a time.",
                    pool.per_person_limit,
                )
                % {"limit": pool.per_person_limit, "pool": pool.name}
            )
        active = WaitlistEntry.objects.filter(pool=pool, status__in=WaitlistEntry.ACTIVE)
        if active.filter(user=by).exists():
            raise WaitlistError(
                _("You are already on the waiting list for %(pool)s.") % {"pool": pool.name}
            )
        # Only people still waiting go before a newcomer: beside a device that is free and
        # held for nobody, a new entry would wait for a return that need not come.
        if not active.filter(status=WaitlistEntry.Status.WAITING).exists():
            _hold_until, until = _hold_span(pool, policy, now)
            if quantity <= free_count(pool, now, until, now=now):
                raise WaitlistError(_("A device is free: please reserve it instead."))
        entry = WaitlistEntry.objects.create(pool=pool, user=by, quantity=quantity, created_at=now)
        log_action(
            by,
            "booking.waitlist_joined",
            entry,
            organization_id=pool.organization_id,
            pool=pool.pk,
            quantity=quantity,
        )
    return entry


def accept_and_join_waitlist(
    *, by: User, pool: DevicePool, agreement: BorrowingAgreement, quantity: int = 1
) -> WaitlistEntry:
    """Accept the agreement and join the waiting list in one step, all or nothing: when the
    join is refused (already on the list, a device is free, blocked, the agreement is no
    longer the current one) the acceptance is not kept either, so the person finds the page
    as they left it, with the reason. ``join_waitlist`` still decides whether an
    acceptance is needed."""
    with transaction.atomic():
        accept_agreement(by=by, agreement=agreement)
        return join_waitlist(by=by, pool=pool, quantity=quantity)


def _release(entry: WaitlistEntry, now: datetime.datetime) -> None:
    """Cancel the reservation that held a device for the entry, unless it was picked up."""
    if entry.reservation_id is None:
        return
    public_cache.bump("lending")  # one UPDATE, no signal
    Reservation.objects.filter(
        pk=entry.reservation_id, status=Reservation.Status.CONFIRMED, loans__isnull=True
    ).update(status=Reservation.Status.CANCELLED, cancelled_at=now)


def leave_waitlist(
    *, by: User, pool: DevicePool, now: datetime.datetime | None = None
) -> WaitlistEntry:
    """Leave the pool's waiting list. A device held for the person goes to the next one."""
    now = as_utc(now or timezone.now())
    with transaction.atomic():
        pool = locked(pool)
        entry = (
            for_update(
                WaitlistEntry.objects.filter(pool=pool, user=by, status__in=WaitlistEntry.ACTIVE)
            )
            .order_by("pk")
            .first()
        )
        if entry is None:
            raise WaitlistError(
                _("You are not on the waiting list for %(pool)s.") % {"pool": pool.name}
            )
        was_offered = entry.status == WaitlistEntry.Status.OFFERED
        if was_offered:
            _release(entry, now)
        entry.status = WaitlistEntry.Status.LEFT
        entry.closed_at = now
        entry.save(update_fields=["status", "closed_at"])
        log_action(
            by,
            "booking.waitlist_left",
            entry,
            organization_id=pool.organization_id,
            pool=pool.pk,
            was_offered=was_offered,
        )
    if was_offered:
        offer_next(pool=pool, now=now)
    return entry


def waitlist_position(entry: WaitlistEntry) -> int:
    """1 for the next person to be offered a device, and so on; 0 while a device is held for
    them (or once they are off the list)."""
    if entry.status != WaitlistEntry.Status.WAITING:
        return 0
    ahead = (
        WaitlistEntry.objects.waiting()
        .filter(pool_id=entry.pool_id)
        .filter(
            Q(created_at__lt=entry.created_at) | Q(created_at=entry.created_at, pk__lt=entry.pk)
        )
        .count()
    )
    return ahead + 1


def waitlist_positions(user: User) -> dict[int, int]:
    """The person's places on every waiting list they are on (entry id → position, 0 while a
    device is held for them). One query."""
    ahead = (
        WaitlistEntry.objects.waiting()
        .filter(pool_id=OuterRef("pool_id"))
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("pool_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    rows = (
        WaitlistEntry.objects.active()
        .filter(user_id=user.pk)
        .annotate(ahead=Coalesce(Subquery(ahead), Value(0)))
        .values_list("pk", "status", "ahead")
    )
    return {
        pk: 0 if status == WaitlistEntry.Status.OFFERED else ahead + 1 for pk, status, ahead in rows
    }


def offer_next(*, pool: DevicePool, now: datetime.datetime | None = None) -> list[WaitlistEntry]:
    """Offer free devices to the people waiting, in order, while the next one's number of
    devices is free: reserve them for the hold and a loan period, and email them once."""
    now = as_utc(now or timezone.now())
    offered: list[WaitlistEntry] = []
    with transaction.atomic():
        pool = locked(pool)
        if not pool.is_active or pool.booking_scope != DevicePool.Scope.RESIDENTS:
            return offered
        policy = LendingPolicy.for_organization(pool.organization)
        hold_until, until = _hold_span(pool, policy, now)
        # The pool's lock covers its waiting list: no row lock needed (and none can be taken
        # across the outer join to a deleted person).
        waiting = list(
            WaitlistEntry.objects.waiting().filter(pool=pool).in_order().select_related("user")
        )
        # A person with an overdue device may not borrow: nothing is held for them, but they
        # keep their place until it is back.
        blocked = set(
            Loan.objects.overdue(now)
            .filter(borrower_id__in=[entry.user_id for entry in waiting])
            .values_list("borrower_id", flat=True)
        )
        for entry in waiting:
            if entry.user is None or not entry.user.is_active:
                entry.status = WaitlistEntry.Status.LEFT
                entry.closed_at = now
                entry.save(update_fields=["status", "closed_at"])
                continue
            if entry.user_id in blocked:
                continue
            try:
                capacity.hold(pool=pool, start=now, end=until, quantity=entry.quantity, now=now)
            except PoolExhausted:
                break
            entry.reservation = Reservation.objects.create(
                pool=pool,
                user=entry.user,
                quantity=entry.quantity,
                start=now,
                end=until,
                status=Reservation.Status.CONFIRMED,
                created_at=now,
            )
            entry.status = WaitlistEntry.Status.OFFERED
            entry.offered_at = now
            entry.hold_until = hold_until
            entry.save(update_fields=["reservation", "status", "offered_at", "hold_until"])
            log_action(
                None,
                "booking.waitlist_offered",
                entry,
                organization_id=pool.organization_id,
                pool=pool.pk,
                reservation=entry.reservation.pk,
            )
            _email(entry.pk, "offered")
            offered.append(entry)
    return offered


def expire_holds(*, now: datetime.datetime | None = None) -> int:
    """End the holds whose time ran out: the reservation is cancelled, the person told once,
    and the device offered to the next one. Returns how many expired."""
    now = as_utc(now or timezone.now())
    pool_ids = sorted(
        set(
            WaitlistEntry.objects.filter(
                status=WaitlistEntry.Status.OFFERED, hold_until__lte=now
            ).values_list("pool_id", flat=True)
        )
    )
    expired = 0
    for pool_id in pool_ids:
        with transaction.atomic():
            pool = locked(DevicePool(pk=pool_id))
            entries = list(
                for_update(
                    WaitlistEntry.objects.filter(
                        pool_id=pool_id, status=WaitlistEntry.Status.OFFERED, hold_until__lte=now
                    )
                ).order_by("pk")
            )
            for entry in entries:
                picked_up = (
                    entry.reservation_id is not None
                    and Reservation.objects.filter(
                        pk=entry.reservation_id, loans__isnull=False
                    ).exists()
                )
                entry.closed_at = now
                if picked_up:
                    entry.status = WaitlistEntry.Status.FULFILLED
                else:
                    _release(entry, now)
                    entry.status = WaitlistEntry.Status.EXPIRED
                    expired += 1
                    _email(entry.pk, "expired")
                entry.save(update_fields=["status", "closed_at"])
                log_action(
                    None,
                    "booking.waitlist_hold_ended",
                    entry,
                    organization_id=pool.organization_id,
                    status=entry.status,
                )
        offer_next(pool=pool, now=now)
    return expired


def release_no_shows(*, now: datetime.datetime | None = None) -> int:
    """Release residents' reservations that nobody picked up: a reservation whose pick-up day
    lies more than the organization's hold days back (counted in days it is open, so the
    last day to come is an open day) and that has no loan is cancelled, the person told
    once, and the device offered to the waiting list. Holds for waiting people end by their
    own ``hold_until`` (``expire_holds``). Returns how many were released."""
    now = as_utc(now or timezone.now())
    today = timezone.localtime(now).date()
    candidates = Reservation.objects.filter(
        pool__booking_scope=DevicePool.Scope.RESIDENTS,
        status=Reservation.Status.CONFIRMED,
        loans__isnull=True,
        waitlist_entry__isnull=True,
        start__lt=now,
    ).select_related("pool__organization__lending_policy")
    candidates = list(candidates)
    organizations = {r.pool.organization_id: r.pool.organization for r in candidates}
    first = min((timezone.localtime(r.start).date() for r in candidates), default=today)
    calendars = calendars_for(organizations.values(), first, today)
    late: dict[int, list[int]] = {}
    for reservation in candidates:
        policy = LendingPolicy.for_organization(reservation.pool.organization)
        pick_up_day = timezone.localtime(reservation.start).date()
        calendar = calendars[reservation.pool.organization_id]
        if today > last_hold_day(calendar, pick_up_day, policy.hold_days):
            late.setdefault(reservation.pool_id, []).append(reservation.pk)
    released = 0
    for pool_id, reservation_ids in sorted(late.items()):
        with transaction.atomic():
            pool = locked(DevicePool(pk=pool_id))
            ids = list(
                # Exists, not loans__isnull: PostgreSQL cannot lock across an outer join.
                for_update(
                    Reservation.objects.filter(
                        ~Exists(Loan.objects.filter(reservation=OuterRef("pk"))),
                        pk__in=reservation_ids,
                        status=Reservation.Status.CONFIRMED,
                    )
                ).values_list("pk", flat=True)
            )
            Reservation.objects.filter(pk__in=ids).update(
                status=Reservation.Status.CANCELLED, cancelled_at=now
            )
            public_cache.bump("lending")  # one UPDATE, no signal
            for reservation_id in ids:
                log_action(
                    None,
                    "booking.not_picked_up",
                    Reservation(pk=reservation_id),
                    organization_id=pool.organization_id,
                )
                transaction.on_commit(
                    partial(send_reservation_email.enqueue, reservation_id, "not_picked_up")
                )
            released += len(ids)
        offer_next(pool=pool, now=now)
    return released
