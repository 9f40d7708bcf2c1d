"""The booking emails. Each loads what it needs by id (they run as tasks)."""

from __future__ import annotations

from accounts.models import User
from core.mail import send_to_user
from organizations.models import MANAGING_ROLES

from . import ical
from .models import Reservation, Series

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
