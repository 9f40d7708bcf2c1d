"""What lending holds about a person: export, erase (registered with accounts.privacy).

Erasure leaves the person's waiting lists (a device held for them goes to the next person)
and cancels their pick-ups that nothing was handed out for, through the services, by the
person themselves so that they are sent nothing. Entries stay as anonymous rows for the
statistics. Library cards and accepted agreements go with the account.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.privacy import PersonalData, register
from booking import personal_data as booking_data
from booking.personal_data import choice_label
from devices.models import DevicePool

from . import services
from .models import AgreementAcceptance, LibraryCard, OverdueNotice, WaitlistEntry

# --- what the person recorded at the desk (staff): booking's section, with the signatures ---


def export_desk_work(user: User) -> list[dict[str, Any]]:
    """Booking's hand-outs and returns, and the desk signatures the person recorded."""
    signed = AgreementAcceptance.objects.filter(recorded_by=user).values_list(
        "agreement_id", "accepted_at"
    )
    rows = [
        *booking_data.export_desk_work(user),
        *(
            {"kind": gettext("Signature for the agreement"), "agreement": pk, "time": at}
            for pk, at in signed
        ),
    ]
    return sorted(rows, key=lambda row: row["time"])


# Same key: the section keeps its place and columns, and now covers the signatures too.
register(
    dataclasses.replace(
        booking_data.DESK_WORK,
        covers=(*booking_data.DESK_WORK.covers, "lending.AgreementAcceptance.recorded_by"),
        export=export_desk_work,
    )
)


def _cancel_open(user: User) -> None:
    """Leave every waiting list (a device held for the person goes to the next one), then
    cancel the pick-ups that nothing was handed out for (on their day too)."""
    now = timezone.now()
    pools = DevicePool.objects.filter(
        waitlist__user=user, waitlist__status__in=WaitlistEntry.ACTIVE
    ).distinct()
    for pool in pools:
        services.leave_waitlist(by=user, pool=pool, now=now)
    for reservation in booking_data.open_reservations(user, now).filter(
        pool__booking_scope=DevicePool.Scope.RESIDENTS
    ):
        services.cancel_loan_reservation(by=user, reservation=reservation, now=now)


# --- library cards -------------------------------------------------------------------------


def export_library_cards(user: User) -> list[dict[str, Any]]:
    return [
        {
            "organization": row["organization__name"],
            "number": row["number"],
            "since": row["created_at"],
        }
        for row in LibraryCard.objects.filter(user=user)
        .order_by("organization__name")
        .values("organization__name", "number", "created_at")
    ]


def card_holders(organization_ids: Iterable[int]) -> Iterable[int]:
    return LibraryCard.objects.filter(organization_id__in=organization_ids).values_list(
        "user_id", flat=True
    )


register(
    PersonalData(
        key="library_cards",
        label=_("Library cards"),
        covers=("lending.LibraryCard.user",),
        export=export_library_cards,
        columns=(
            ("organization", _("Organization")),
            ("number", _("Card number")),
            ("since", _("Since")),
        ),
        people=card_holders,
    )
)


# --- borrowing agreements ------------------------------------------------------------------


def export_agreements(user: User) -> list[dict[str, Any]]:
    # Whether staff recorded it at the desk, not who.
    return [
        {
            "organization": row["agreement__organization__name"],
            "agreement": row["agreement__title"],
            "version": row["agreement__version"],
            "accepted": row["accepted_at"],
            "at_the_desk": row["recorded_by_id"] is not None,
        }
        for row in AgreementAcceptance.objects.filter(user=user)
        .order_by("accepted_at", "pk")
        .values(
            "agreement__organization__name",
            "agreement__title",
            "agreement__version",
            "accepted_at",
            "recorded_by_id",
        )
    ]


def accepted_with(organization_ids: Iterable[int]) -> Iterable[int]:
    return (
        AgreementAcceptance.objects.filter(
            agreement__organization_id__in=organization_ids, user__isnull=False
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


register(
    PersonalData(
        key="agreements",
        label=_("Accepted borrowing agreements"),
        covers=("lending.AgreementAcceptance.user",),
        export=export_agreements,
        columns=(
            ("organization", _("Organization")),
            ("agreement", _("Agreement")),
            ("version", _("Version")),
            ("accepted", _("Accepted")),
            ("at_the_desk", _("Signed at the desk")),
        ),
        people=accepted_with,
    )
)


# --- waiting lists -------------------------------------------------------------------------


def export_waitlist(user: User) -> list[dict[str, Any]]:
    positions = services.waitlist_positions(user)
    return [
        {
            "pool": row["pool__name"],
            "organization": row["pool__organization__name"],
            "devices": row["quantity"],
            "status": choice_label(WaitlistEntry.Status.choices, row["status"]),
            "position": positions.get(row["pk"]) or None,
            "joined": row["created_at"],
            # A hold runs to the end of a day (hold_until is the midnight after it): the day.
            "held_until": services.last_day(row["hold_until"]) if row["hold_until"] else None,
            "closed": row["closed_at"],
        }
        for row in WaitlistEntry.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values(
            "pk",
            "pool__name",
            "pool__organization__name",
            "quantity",
            "status",
            "created_at",
            "hold_until",
            "closed_at",
        )
    ]


def waiting_with(organization_ids: Iterable[int]) -> Iterable[int]:
    return (
        WaitlistEntry.objects.filter(pool__organization_id__in=organization_ids, user__isnull=False)
        .values_list("user_id", flat=True)
        .distinct()
    )


register(
    PersonalData(
        key="waitlist",
        label=_("Waiting lists for devices"),
        covers=("lending.WaitlistEntry.user",),
        export=export_waitlist,
        erase=_cancel_open,
        columns=(
            ("pool", _("Pool")),
            ("organization", _("Organization")),
            ("devices", _("Devices")),
            ("status", _("Status")),
            ("position", _("Place")),
            ("joined", _("Joined")),
            ("held_until", _("Held until")),
            ("closed", _("Ended")),
        ),
        people=waiting_with,
    )
)


# --- reminders and overdue notices ---------------------------------------------------------


def export_notices(user: User) -> list[dict[str, Any]]:
    return [
        {
            "kind": choice_label(OverdueNotice.Kind.choices, row["kind"]),
            "days": row["days"],
            "pool": row["loan__pool__name"],
            "sent": row["sent_at"],
        }
        for row in OverdueNotice.objects.filter(loan__borrower=user)
        .order_by("sent_at", "pk")
        .values("kind", "days", "loan__pool__name", "sent_at")
    ]


register(
    PersonalData(
        key="loan_notices",
        label=_("Reminders and overdue notices sent to you"),
        covers=(),
        export=export_notices,
        columns=(
            ("kind", _("Kind")),
            ("days", _("Days")),
            ("pool", _("Pool")),
            ("sent", _("Sent")),
        ),
    )
)
