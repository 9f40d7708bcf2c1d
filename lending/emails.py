"""The emails of lending to residents. Each loads what it needs by id (they run as tasks)."""

from __future__ import annotations

from django.utils import timezone

from booking.models import Loan, Reservation
from booking.services.dates import last_day
from core.mail import send_to_user

from .models import WaitlistEntry


def _pickup_by(hold_until):
    """The last day of a hold that ends at midnight."""
    return last_day(hold_until)


def send_lending_email(kind: str, reservation_id: int) -> None:
    """A reserved loan: the pick-up day, the due date, where to go and what to bring."""
    if kind != "reserved":
        raise ValueError(kind)
    reservation = (
        Reservation.objects.select_related("pool__organization", "pool__location", "user")
        .filter(pk=reservation_id, status=Reservation.Status.CONFIRMED)
        .first()
    )
    if reservation is None or reservation.user is None:
        return
    send_to_user(
        reservation.user,
        "lending/loan_reserved",
        {
            "reservation": reservation,
            "pool": reservation.pool,
            "organization": reservation.pool.organization,
            "pickup_date": timezone.localtime(reservation.start).date(),
            "due_date": last_day(reservation.end),
        },
    )


WAITLIST_KINDS = {"offered": "offered", "expired": "expired"}


def send_waitlist_email(entry_id: int, kind: str) -> None:
    """Sent only while the entry is in the state the email speaks of: a person who left in
    the meantime hears nothing more."""
    if kind not in WAITLIST_KINDS:
        raise ValueError(kind)
    entry = (
        WaitlistEntry.objects.select_related(
            "pool__organization", "pool__location", "user", "reservation"
        )
        .filter(pk=entry_id, status=WAITLIST_KINDS[kind])
        .first()
    )
    if entry is None or entry.user is None:
        return
    send_to_user(
        entry.user,
        f"lending/waitlist_{kind}",
        {
            "entry": entry,
            "pool": entry.pool,
            "organization": entry.pool.organization,
            "pickup_by": _pickup_by(entry.hold_until) if entry.hold_until else None,
        },
    )


NOTICE_KINDS = {"reminder", "overdue"}


def send_loan_notice(loan_id: int, kind: str, days: int) -> None:
    """A reminder before the due date or a notice after it; nothing for a returned loan."""
    if kind not in NOTICE_KINDS:
        raise ValueError(kind)
    loan = (
        Loan.objects.open()
        .select_related("pool__organization", "pool__location", "borrower")
        .prefetch_related("items__device__device_type")
        .filter(pk=loan_id)
        .first()
    )
    if loan is None or loan.borrower is None:
        return
    send_to_user(
        loan.borrower,
        f"lending/loan_{kind}",
        {
            "loan": loan,
            "days": days,
            "pool": loan.pool,
            "organization": loan.pool.organization,
            "devices": [item.device for item in loan.items.all() if item.returned_at is None],
            "due_date": last_day(loan.due_at),
        },
    )
