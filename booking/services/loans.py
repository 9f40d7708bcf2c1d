"""Hand devices out against a reservation and take them back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import log_action
from accounts.models import User
from core import public_cache
from core.dates import in_sensible_years
from core.locking import for_update, lock
from core.locking import locked as locked_row
from devices import services as device_services
from devices.models import Device, DevicePool

from .. import capacity
from ..models import Loan, LoanItem, Reservation
from ..selectors import available_devices
from ..signals import handed_out, loan_closed
from .dates import due_day, last_day, lending_calendar
from .policy import (
    HandOutError,
    ReturnError,
    as_utc,
    end_of_day,
    ensure_manages_pool,
)
from .reservations import offer_freed_devices

NOTE_MAX_LENGTH = LoanItem._meta.get_field("note").max_length


def devices_out(reservation: Reservation) -> int:
    return LoanItem.objects.filter(loan__reservation=reservation, returned_at__isnull=True).count()


def locked_devices(device_ids: list[int], pool_id: int) -> list[Device]:
    """Lock the devices (in id order, so two desks never deadlock) and check that each one
    belongs to the pool, is in service and is not out on another loan."""
    locked = lock(Device.objects.filter(pk__in=device_ids))
    if len(locked) != len(device_ids):
        raise HandOutError(_("One of these devices does not exist (any more)."))
    for device in locked:
        if device.pool_id != pool_id:
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
    return locked


def overdue_loans(user: User, *, now: datetime.datetime | None = None) -> QuerySet[Loan]:
    """The person's open loans (of any pool) that are past their due time."""
    now = now or timezone.now()
    return Loan.objects.overdue(now).filter(borrower_id=user.pk)


def _ensure_nothing_overdue(borrower: User, now: datetime.datetime) -> None:
    """A resident with an overdue device gets no other until it is back (the desk is told
    which one, so that it can take it back at the same visit)."""
    overdue = LoanItem.objects.filter(
        loan__in=Loan.objects.overdue(now).filter(borrower_id=borrower.pk), returned_at__isnull=True
    ).select_related("device")
    names = ", ".join(f"{item.device.asset_tag} {item.device.display_name}" for item in overdue)
    if names:
        raise HandOutError(
            _(
                "%(person)s still has an overdue device (%(devices)s). Please take it back "
                "before handing out another."
            )
            % {"person": borrower.get_full_name() or borrower.email, "devices": names}
        )


def create_items(loan: Loan, device_ids: list[int]) -> None:
    public_cache.bump("lending")  # bulk_create sends no signal
    try:
        with transaction.atomic():
            LoanItem.objects.bulk_create(
                [LoanItem(loan=loan, device_id=device_id) for device_id in device_ids]
            )
    except IntegrityError as error:  # another desk handed one of them out meanwhile
        raise HandOutError(
            _("One of these devices was handed out at another desk just now.")
        ) from error


def loan_due_at(pool: DevicePool, now: datetime.datetime) -> datetime.datetime:
    """When a loan to a resident that starts now is due: the end of the day that is the
    loan period after today (local), moved to the next day the organization is open."""
    today = timezone.localtime(now).date()
    due = today + datetime.timedelta(days=pool.loan_period_days)
    calendar = lending_calendar(pool.organization, today, due)
    return end_of_day(due_day(pool.loan_period_days, today, calendar))


def checked_due_at(
    pool: DevicePool, due_at: datetime.datetime, now: datetime.datetime
) -> datetime.datetime:
    """A due date that staff chose: after now and not later than the pool's loan period
    allows (the end of the day loan_period_days after today)."""
    if timezone.is_naive(due_at):
        raise HandOutError(_("Times need a time zone."))
    if not in_sensible_years(due_at):
        raise HandOutError(_("Please choose a due date within the loan period."))
    due_at = as_utc(due_at)
    if due_at <= now:
        raise HandOutError(_("The due date must be in the future."))
    # A day staff chose on which the organization is closed moves to its next open day,
    # like the pool's own due date (which is the latest).
    chosen = last_day(due_at)
    calendar = lending_calendar(pool.organization, chosen, chosen)
    if not calendar.is_open(chosen):
        due_at = as_utc(end_of_day(calendar.roll_forward(chosen)))
    latest = loan_due_at(pool, now)
    if due_at > latest:
        raise HandOutError(
            ngettext(
                "A loan from this pool lasts at most %(days)d day, so it is due by %(latest)s "
                "at the latest.",
                "A loan from this pool lasts at most %(days)d days, so it is due by %(latest)s "
                "at the latest.",
                pool.loan_period_days,
            )
            % {
                "days": pool.loan_period_days,
                "latest": date_format(
                    timezone.localtime(latest - datetime.timedelta(microseconds=1)).date(),
                    "SHORT_DATE_FORMAT",
                ),
            }
        )
    return due_at


def hand_out(
    *,
    by: User,
    reservation: Reservation,
    devices: list[Device],
    now: datetime.datetime | None = None,
    due_at: datetime.datetime | None = None,
) -> Loan:
    """Hand concrete devices of the pool to the person who booked, due at the booking's end.
    Several hand-outs per booking are fine, up to its number of devices.

    For a pool lent to residents the loan is due at the end of the day that is the loan
    period after the hand-out day (or at ``due_at``, within that period), and the reservation
    then ends when the loan is due: the device is promised to others from then on. A
    reservation held for a waiting person is picked up: their waiting-list entry is done."""
    ensure_manages_pool(by, reservation.pool)
    now = as_utc(now or timezone.now())
    if not devices:
        raise HandOutError(_("Choose or scan at least one device."))
    device_ids = sorted({device.pk for device in devices})
    lends = reservation.pool.booking_scope == DevicePool.Scope.RESIDENTS
    if lends and reservation.user is not None:
        _ensure_nothing_overdue(reservation.user, now)
    with transaction.atomic():
        if lends:
            # Moving a reservation's end needs the pool's count to stay true: lock it first,
            # in the same order as every other writer of the pool.
            pool = locked_row(reservation.pool)
        # of=("self",): without it PostgreSQL also locks the joined pool row, and every
        # hand-out of the pool would wait for the others.
        reservation = for_update(
            Reservation.objects.select_related("pool").filter(pk=reservation.pk), of=("self",)
        ).get()
        if reservation.status != Reservation.Status.CONFIRMED:
            raise HandOutError(_("Only confirmed bookings can be handed out."))
        if reservation.end <= now:
            raise HandOutError(_("This booking has ended."))
        # Devices handed out days early would still count as free for the bookings in
        # between: they go out on the booking's day.
        first_day = timezone.localtime(reservation.start).date()
        if timezone.localtime(now).date() < first_day:
            raise HandOutError(
                _("This booking starts on %(day)s; please hand it out on that day.")
                % {"day": date_format(first_day, "SHORT_DATE_FORMAT")}
            )
        if lends:
            due = checked_due_at(pool, due_at, now) if due_at else loan_due_at(pool, now)
        elif due_at:
            due = as_utc(due_at)
            if due <= now or due > reservation.end:
                raise HandOutError(_("The due date must be in the future and within the booking."))
        else:
            due = reservation.end
        locked_devices(device_ids, reservation.pool_id)
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
        if lends and due != reservation.end and not _move_end(pool, reservation, due, now):
            if due_at:
                raise HandOutError(
                    _(
                        "The device is promised to someone else before that date; "
                        "please choose an earlier due date."
                    )
                )
            # Picked up late, and the days after the reservation are taken: the loan is
            # due when the reservation ends.
            due = reservation.end
        loan = Loan.objects.create(
            pool=reservation.pool,
            reservation=reservation,
            borrower_id=reservation.user_id,
            handed_out_by=by,
            handed_out_at=now,
            due_at=due,
        )
        create_items(loan, device_ids)
        if lends:
            # lending closes the waiting-list entry this reservation was held for
            handed_out.send(sender=Loan, loan=loan, reservation=reservation, now=now)
        log_action(
            by,
            "booking.handed_out",
            loan,
            organization_id=reservation.pool.organization_id,
            reservation=reservation.pk,
            devices=device_ids,
        )
    return loan


def hand_out_whole(
    *, by: User, reservation: Reservation, now: datetime.datetime | None = None
) -> Loan:
    """Hand out "the whole booking": any devices of the pool that are here, up to what is
    still to hand out (a case of 30 iPads is not ticked one by one)."""
    handed = LoanItem.objects.filter(loan__reservation=reservation).count()
    devices = list(available_devices(reservation.pool)[: reservation.quantity - handed])
    return hand_out(by=by, reservation=reservation, devices=devices, now=now)


def _move_end(
    pool: DevicePool, reservation: Reservation, end: datetime.datetime, now: datetime.datetime
) -> bool:
    """With the pool locked: let the reservation end at ``end``, if it fits. Shorter always
    fits; longer only if the devices are free for the extra time."""
    if end > reservation.end:
        try:
            capacity.hold(
                pool=pool,
                start=reservation.end,
                end=end,
                quantity=reservation.quantity,
                now=now,
                exclude=(reservation.pk,),
            )
        except capacity.PoolExhausted:
            return False
    reservation.end = end
    reservation.save(update_fields=["end"])
    return True


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
        loan = locked_row(loan)
        items = {
            item.pk: item
            for item in for_update(LoanItem.objects.all())
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
            if loan.pool.booking_scope == DevicePool.Scope.RESIDENTS:
                _end_reservation_early(loan, now)
        log_action(
            by,
            "booking.returned",
            loan,
            organization_id=loan.pool.organization_id,
            items=[entry.item_id for entry in returns],
            conditions=[entry.condition for entry in returns],
        )
    offer_freed_devices(loan.pool)
    if loan.closed_at is not None and loan.borrower_id:
        # Back from an overdue loan, the borrower may borrow again: lending offers devices
        # where they wait.
        loan_closed.send(sender=Loan, loan=loan)
    return loan


def _end_reservation_early(loan: Loan, now: datetime.datetime) -> None:
    """A resident brought everything back before the due date: the reservation ends now, so
    the device is free for the next person at once (a school's booking keeps its time)."""
    if loan.reservation_id is None:
        return
    reservation = Reservation.objects.get(pk=loan.reservation_id)
    if now >= reservation.end or devices_out(reservation):
        return
    if reservation.start < now:
        reservation.end = now
        reservation.save(update_fields=["end"])
    else:  # back the very moment it went out
        reservation.status = Reservation.Status.CANCELLED
        reservation.cancelled_at = now
        reservation.save(update_fields=["status", "cancelled_at"])
