"""The booking emails. Each loads what it needs by id (they run as tasks)."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from core.mail import send_to_user
from organizations.models import MANAGING_ROLES

from . import ical
from .models import Loan, Reservation, Series, WaitlistEntry

KINDS = {
    "confirmed",
    "requested",
    "approved",
    "declined",
    "cancelled",
    "series_cancelled",
    "shortfall",
    "not_picked_up",
}


def send_reservation_email(reservation_id: int, kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(kind)
    reservation = (
        Reservation.objects.select_related("pool__organization", "pool__location", "user")
        .filter(pk=reservation_id)
        .first()
    )
    if reservation is None or reservation.user is None:
        return
    attachments = []
    # A cancellation carries the cancelled event (same UID, higher SEQUENCE) that removes the
    # confirmed one from the person's calendar, as course cancellations do.
    if kind in {"confirmed", "approved", "cancelled", "series_cancelled"}:
        attachments.append(
            (
                f"lernpool-{reservation.pk}.ics",
                ical.calendar([reservation], name=reservation.pool.name),
                "text/calendar",
            )
        )
    send_to_user(
        reservation.user,
        "booking/reservation",
        {"reservation": reservation, "kind": kind},
        attachments=attachments,
    )


def send_series_email(series_id: int) -> None:
    series = (
        Series.objects.select_related("pool__organization", "pool__location", "user")
        .filter(pk=series_id)
        .first()
    )
    if series is None or series.user is None:
        return
    reservations = list(
        series.reservations.select_related("pool__organization", "pool__location").order_by("start")
    )
    if not reservations:
        return
    attachments = []
    if reservations[0].status == Reservation.Status.CONFIRMED:
        attachments.append(
            (
                f"lernpool-series-{series.pk}.ics",
                ical.calendar(reservations, name=series.pool.name),
                "text/calendar",
            )
        )
    send_to_user(
        series.user,
        "booking/series",
        {
            "series": series,
            "reservations": reservations,
            "requested": reservations[0].status == Reservation.Status.REQUESTED,
        },
        attachments=attachments,
    )


def send_request_to_staff(reservation_id: int, dates: int = 1) -> None:
    """Each staff member and admin of the pool's organization, in their own language."""

    reservation = (
        Reservation.objects.select_related("pool__organization", "pool__location", "user")
        .filter(pk=reservation_id, status=Reservation.Status.REQUESTED)
        .first()
    )
    if reservation is None:
        return
    staff = User.objects.filter(
        is_active=True,
        memberships__organization_id=reservation.pool.organization_id,
        memberships__role__in=MANAGING_ROLES,
    ).distinct()
    for person in staff:
        send_to_user(
            person,
            "booking/request_for_staff",
            {"reservation": reservation, "dates": dates, "asker": reservation.user},
        )


# --- lending to residents ---------------------------------------------------------------


def _due_day(due_at):
    # The lending service enqueues the tasks that send these emails; its due-day helper is
    # imported when an email is written (lending moves to its own app at the merge).
    from .services.lending import _due_day

    return _due_day(due_at)


def _pickup_by(hold_until):
    """The last day of a hold that ends at midnight."""
    return _due_day(hold_until)


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
        "booking/loan_reserved",
        {
            "reservation": reservation,
            "pool": reservation.pool,
            "organization": reservation.pool.organization,
            "pickup_date": timezone.localtime(reservation.start).date(),
            "due_date": _due_day(reservation.end),
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
        f"booking/waitlist_{kind}",
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
        f"booking/loan_{kind}",
        {
            "loan": loan,
            "days": days,
            "pool": loan.pool,
            "organization": loan.pool.organization,
            "devices": [item.device for item in loan.items.all() if item.returned_at is None],
            "due_date": _due_day(loan.due_at),
        },
    )
