"""Reserve, cancel, approve and decline; the shortfall check; calendar tokens."""

from __future__ import annotations

import datetime
import re
import secrets
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import AuditLog, User
from core import public_cache
from core.errors import DomainError
from core.locking import for_update, locked, locked_first_prepared
from core.prepared import PreparedQuery
from devices.models import DevicePool

from .. import availability, capacity
from ..models import CalendarToken, Reservation, Series
from ..signals import announce_freed_devices
from ..tasks import check_shortfall, send_reservation_email, tell_staff_of_request
from .dates import ensure_open
from .policy import (
    DECISION_REASON_MAX_LENGTH,
    UNDO_CANCEL_WINDOW,
    InvalidBooking,
    NotCancellable,
    NotRestorable,
    PoolExhausted,
    as_utc,
    check_booking,
    clean_purpose,
    ensure_manages_pool,
    ensure_not_lent_to_residents,
    needs_approval,
)


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
    now: datetime.datetime | None = None,
) -> Reservation:
    """Hold the devices (booking.capacity), then write. Requests are checked too (a request
    that cannot fit now would only be declined), but only confirmation holds devices."""
    pool = capacity.hold(pool=pool, start=start, end=end, quantity=quantity, now=now)
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


# The pool as reserve() reads it under its lock, built and compiled once per shape
# (core.prepared): whether the person is a region admin changes the scope's SQL.
_POOL_TO_BOOK = PreparedQuery(
    lambda user_id, pool_id, region_admin: for_update(
        DevicePool.objects.bookable_by(User(pk=user_id, is_region_admin=region_admin))
        .select_related("organization")
        .with_capacity()
        .with_membership_of(User(pk=user_id))
        .filter(pk=pool_id),
        of=("self",),
    )[:1],
    shape=("region_admin",),
)


def _locked_to_book(by: User, pool: DevicePool) -> DevicePool:
    """The pool read again under its row lock if ``by`` may book it (``ensure_can_book``'s
    rule: PermissionDenied otherwise), with its organization, its devices in service and
    whether ``by`` is a member of its organization, which reserve() checks next: one query
    instead of five. The lock is marked (``core.locking.locked_first_prepared``), so that
    ``capacity.hold`` takes no second one."""
    if not by.is_authenticated:
        raise PermissionDenied
    pool = locked_first_prepared(
        _POOL_TO_BOOK, user_id=by.pk, pool_id=pool.pk, region_admin=by.is_region_admin
    )
    if pool is None:
        raise PermissionDenied
    return pool


def reserve(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    start: datetime.datetime,
    end: datetime.datetime,
    purpose: str = "",
    now: datetime.datetime | None = None,
    notify: bool = True,
    opening_hours: bool = True,
) -> Reservation:
    """Book ``quantity`` devices of the pool for [start, end). Confirmed at once for members
    of the pool's organization, a request for everyone else. ``notify=False`` sends the
    person no confirmation (a course books every meeting at once and says so itself).
    Refused for a pool lent to residents (the lending service reserves those), on a day
    the pool's organization is closed, as a series skips those days, and for a pick-up or
    return outside its opening hours (``dates.OpeningRule``; ``opening_hours=False`` for a
    course whose provider confirmed that it meets outside them)."""
    with transaction.atomic():
        pool = _locked_to_book(by, pool)
        ensure_not_lent_to_residents(pool)
        purpose = clean_purpose(purpose)
        check_booking(by=by, pool=pool, quantity=quantity, start=start, end=end, now=now)
        ensure_open(pool.organization, start, end, hours=opening_hours)
        # In UTC, like a reservation read back from the database: lengths computed from the
        # returned object are then real time even across a daylight-saving change.
        start, end = as_utc(start), as_utc(end)
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
            now=now,
        )
        log_action(
            by,
            "booking.requested" if status == Reservation.Status.REQUESTED else "booking.reserved",
            reservation,
            organization_id=pool.organization_id,
            pool=pool.pk,
            quantity=quantity,
        )
    if notify:
        _notify(
            reservation,
            "confirmed" if reservation.status == Reservation.Status.CONFIRMED else "requested",
        )
    if reservation.status == Reservation.Status.REQUESTED:
        transaction.on_commit(partial(tell_staff_of_request.enqueue, reservation.pk))
    return reservation


def _notify(reservation: Reservation, kind: str) -> None:

    transaction.on_commit(partial(send_reservation_email.enqueue, reservation.pk, kind))


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
        reservation = locked(reservation)
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
        was = reservation.status  # what an undo brings back (``restore``)
        reservation.status = Reservation.Status.CANCELLED
        reservation.cancelled_at = now
        reservation.shortfall = False
        reservation.save(update_fields=["status", "cancelled_at", "shortfall"])
        log_action(
            by,
            "booking.cancelled",
            reservation,
            organization_id=reservation.pool.organization_id,
            was=was,
        )
    if by.pk != reservation.user_id and reservation.user_id:
        _notify(reservation, "cancelled")
    _recheck_shortfalls(reservation.pool_id)
    offer_freed_devices(reservation.pool)
    return reservation


def undo_cancel_until(reservation: Reservation) -> datetime.datetime | None:
    """Until when the cancellation of ``reservation`` may be undone (None if it is not
    cancelled)."""
    if reservation.cancelled_at is None:
        return None
    return reservation.cancelled_at + UNDO_CANCEL_WINDOW


def restore(
    *, by: User, reservation: Reservation, now: datetime.datetime | None = None
) -> Reservation:
    """Undo the cancellation of one booking: only the person whose booking it is, only if
    they cancelled it themselves, within ``UNDO_CANCEL_WINDOW``, before it begins, and only
    if its devices are still free (``capacity.hold``). It comes back as it was (confirmed,
    or a request still waiting)."""
    now = now or timezone.now()
    if reservation.user_id != by.pk:
        raise PermissionDenied
    # A resident's reservation comes back only through lending's rules (limits, the
    # waiting list's order): the person reserves again there.
    ensure_not_lent_to_residents(reservation.pool)
    with transaction.atomic():
        reservation = locked(reservation)
        if reservation.status != Reservation.Status.CANCELLED:
            raise NotRestorable(_("This booking is not cancelled."))
        cancelled = _last_cancellation(reservation)
        if cancelled is None or cancelled.actor_id != by.pk:
            raise NotRestorable(
                _("This booking was cancelled by the staff of the pool; please book again.")
            )
        until = undo_cancel_until(reservation)
        if until is None or now > until:
            raise NotRestorable(
                _(
                    "The %(minutes)d minutes to undo the cancellation have passed; "
                    "please book again."
                )
                % {"minutes": UNDO_CANCEL_WINDOW.seconds // 60}
            )
        if reservation.start <= now:
            raise NotRestorable(_("This booking has begun meanwhile; please book again."))
        try:
            _ensure_still_open(reservation)
        except InvalidBooking as error:
            raise NotRestorable(
                _("The booking cannot be restored: the opening times have changed since. %(why)s")
                % {"why": error}
            ) from error
        try:
            pool = capacity.hold(
                pool=reservation.pool,
                start=reservation.start,
                end=reservation.end,
                quantity=reservation.quantity,
                now=now,
            )
        except PoolExhausted as error:
            raise NotRestorable(
                _(
                    "The booking cannot be restored: not enough devices are free for it any "
                    "more. %(why)s"
                )
                % {"why": error}
            ) from error
        was = (cancelled.data or {}).get("was")
        if was not in (Reservation.Status.REQUESTED, Reservation.Status.CONFIRMED):
            was = (
                Reservation.Status.REQUESTED
                if needs_approval(by, pool)
                else Reservation.Status.CONFIRMED
            )
        reservation.status = was
        reservation.cancelled_at = None
        reservation.save(update_fields=["status", "cancelled_at"])
        log_action(by, "booking.restored", reservation, organization_id=pool.organization_id)
    return reservation


def _ensure_still_open(reservation: Reservation) -> None:
    """Raise InvalidBooking when the organization is no longer open for ``reservation``: its
    hours or closures may have changed since it was made (``dates.OpeningRule``, as
    ``reserve`` checks it; closed days only for a course meeting, whose provider confirmed
    its times)."""
    ensure_open(
        reservation.pool.organization,
        reservation.start,
        reservation.end,
        hours=not Reservation.objects.filter(
            pk=reservation.pk, course_meeting__isnull=False
        ).exists(),
    )


def _last_cancellation(reservation: Reservation) -> AuditLog | None:
    """The log entry of the reservation's cancellation: who cancelled, and what it was."""
    return (
        AuditLog.objects.filter(
            organization_id=reservation.pool.organization_id,
            action="booking.cancelled",
            target_type=ContentType.objects.get_for_model(Reservation),
            target_id=str(reservation.pk),
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def offer_freed_devices(pool: DevicePool) -> None:
    """Devices of a pool lent to residents came free: once committed, the waiting list gets
    them first (lending listens to ``booking.signals.devices_freed``)."""
    if pool.booking_scope != DevicePool.Scope.RESIDENTS:
        return
    announce_freed_devices(pool.pk)


def _recheck_shortfalls(pool_id: int) -> None:
    """Freed devices may end a shortfall of other bookings: check again after commit, but
    only when the pool has any (one cheap query otherwise)."""
    if Reservation.objects.filter(pool_id=pool_id, shortfall=True).exists():
        transaction.on_commit(partial(check_shortfall.enqueue, pool_id))


def rest_of_series(reservation: Reservation, *, now: datetime.datetime) -> QuerySet[Reservation]:
    """This date and every later one of its series that can still be cancelled: what
    ``cancel_rest_of_series`` cancels (and what its confirmation page lists)."""
    return Reservation.objects.filter(
        series_id=reservation.series_id,
        start__gte=max(reservation.start, now),
        status__in=(Reservation.Status.REQUESTED, Reservation.Status.CONFIRMED),
    ).exclude(loans__isnull=False)


def cancel_rest_of_series(
    *, by: User, reservation: Reservation, now: datetime.datetime | None = None
) -> int:
    """Cancel this occurrence and every later one of its series that has not begun."""
    _ensure_owner_or_manager(by, reservation)
    if reservation.series_id is None:
        raise NotCancellable(_("This booking is not part of a series."))
    now = now or timezone.now()
    with transaction.atomic():
        rest = for_update(rest_of_series(reservation, now=now))
        ids = list(rest.values_list("pk", flat=True))
        if not ids:
            raise NotCancellable(_("No later dates of this series are left to cancel."))
        Reservation.objects.filter(pk__in=ids).update(
            status=Reservation.Status.CANCELLED, cancelled_at=now, shortfall=False
        )
        public_cache.bump("lending")  # one UPDATE, no signal
        public_cache.bump_people([reservation.user_id])
        log_action(
            by,
            "booking.series_cancelled",
            reservation.series,
            organization_id=reservation.pool.organization_id,
            count=len(ids),
        )
    if by.pk != reservation.user_id and reservation.user_id:
        first = Reservation.objects.filter(pk__in=ids).order_by("start").first()
        _notify(first, "series_cancelled")
    _recheck_shortfalls(reservation.pool_id)
    return len(ids)


def approve(
    *, by: User, reservation: Reservation, now: datetime.datetime | None = None
) -> Reservation:
    """Staff of the pool's organization confirm a request, if the devices are still free and
    the organization is still open then: its hours may have changed since the request
    (``dates.OpeningRule``, as ``reserve`` checks it; closed days only for a course meeting,
    whose provider confirmed its times)."""
    ensure_manages_pool(by, reservation.pool)
    now = now or timezone.now()
    with transaction.atomic():
        reservation = locked(reservation)
        if reservation.status != Reservation.Status.REQUESTED:
            raise DomainError(_("This request has been answered already."))
        if reservation.start <= now:
            raise DomainError(_("This request is for a time that has begun; please decline it."))
        _ensure_still_open(reservation)
        pool = capacity.hold(
            pool=reservation.pool,
            start=reservation.start,
            end=reservation.end,
            quantity=reservation.quantity,
            now=now,
        )
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
        reservation = locked(reservation)
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


def update_shortfalls(*, pool_id: int, now: datetime.datetime | None = None) -> list[int]:
    """Mark the pool's upcoming confirmed reservations that overlap a time when more devices
    are booked than are in service, clear the mark where that is no longer so, and return
    the ids newly marked (whose people are to be told)."""
    now = now or timezone.now()
    with transaction.atomic():
        pool = locked(DevicePool(pk=pool_id))
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
        marking = dict(upcoming.filter(pk__in=short, shortfall=False).values_list("pk", "user_id"))
        clearing = upcoming.exclude(pk__in=short).filter(shortfall=True)
        # Two UPDATEs, no signal: their people's "Meine Buchungen" show the warning or lose it.
        public_cache.bump_people([*marking.values(), *clearing.values_list("user_id", flat=True)])
        newly = set(marking)
        upcoming.filter(pk__in=newly).update(shortfall=True)
        clearing.update(shortfall=False)
    for reservation_id in sorted(newly):
        transaction.on_commit(partial(send_reservation_email.enqueue, reservation_id, "shortfall"))
    return sorted(newly)


def calendar_token(*, user: User) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


def pool_feed_key(*, user: User, pool: DevicePool) -> str:
    """The secret part of the address of ``pool``'s feed for ``user``: it opens that one
    pool's feed and nothing else. Derived from the person's calendar token (so a new token
    ends every old feed address too), but it never contains it: the personal token opens
    the personal feed only."""
    token = calendar_token(user=user)
    return f"{user.pk}-{_pool_feed_mac(token.token, pool.pk)}"


def pool_feed_owner(*, key: str, pool_id: int) -> User | None:
    """The active person whose ``pool_feed_key`` for the pool ``key`` is; None otherwise.
    Whether they still keep the pool is for the caller to check."""
    match = POOL_FEED_KEY.fullmatch(key)
    if match is None:
        return None
    token = (
        CalendarToken.objects.select_related("user")
        .filter(user_id=int(match["user"]), user__is_active=True)
        .first()
    )
    if token is None or not constant_time_compare(
        match["mac"], _pool_feed_mac(token.token, pool_id)
    ):
        return None
    return token.user


POOL_FEED_KEY = re.compile(r"(?P<user>[1-9][0-9]{0,17})-(?P<mac>[0-9a-f]{64})")


def _pool_feed_mac(token: str, pool_id: int) -> str:
    return salted_hmac("booking.pool_feed", f"{token}:{pool_id}", algorithm="sha256").hexdigest()


def reset_calendar_token(*, by: User) -> CalendarToken:
    """A new secret for the subscription URL; the old URL, and every pool feed address made
    from it (``pool_feed_key``), stop working at once."""
    with transaction.atomic():
        token, _created = CalendarToken.objects.get_or_create(user=by)
        token.token = secrets.token_urlsafe()
        token.created_at = timezone.now()
        token.save(update_fields=["token", "created_at"])
        log_action(by, "booking.calendar_token_reset", None)
    return token
