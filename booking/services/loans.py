"""Hand devices out against a reservation and take them back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import log_action
from accounts.models import User
from devices import services as device_services
from devices.models import Device

from ..models import Loan, LoanItem, Reservation
from .rules import HandOutError, ReturnError, _lock, ensure_manages_pool

NOTE_MAX_LENGTH = LoanItem._meta.get_field("note").max_length


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
        # Devices handed out days early would still count as free for the bookings in
        # between: they go out on the booking's day.
        first_day = timezone.localtime(reservation.start).date()
        if timezone.localtime(now).date() < first_day:
            raise HandOutError(
                _("This booking starts on %(day)s; please hand it out on that day.")
                % {"day": date_format(first_day, "SHORT_DATE_FORMAT")}
            )
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
