"""Words for the audit log of booking: registered when the app loads (apps.py), looked up
through organizations.log_labels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.audit import register_log_labels


def register() -> None:
    # Bookings of device sets
    register_log_labels(
        {
            "booking.requested": _("Booking requested"),
            "booking.reserved": _("Booked"),
            "booking.series_reserved": _("Weekly booking made"),
            "booking.cancelled": _("Booking cancelled"),
            "booking.series_cancelled": _("Weekly booking cancelled"),
            "booking.approved": _("Booking request confirmed"),
            "booking.declined": _("Booking request declined"),
            "booking.calendar_token_reset": _("Calendar link renewed"),
        },
        groups={"bookings": (10, pgettext_lazy("log group", "Bookings"))},
        group_actions={
            "bookings": (
                "booking.requested",
                "booking.reserved",
                "booking.series_reserved",
                "booking.cancelled",
                "booking.series_cancelled",
                "booking.approved",
                "booking.declined",
                "booking.calendar_token_reset",
            )
        },
        target_urls={"booking.reservation": "booking:reservation_detail"},
    )
    # Lending: hand-outs, returns, residents (to the lending app at the merge of issue #16)
    register_log_labels(
        {
            "booking.handed_out": _("Devices handed out"),
            "booking.returned": _("Devices returned"),
            "booking.lent_at_desk": _("Devices lent at the desk"),
            "booking.loan_reserved": _("Loan reserved"),
            "booking.renewed": _("Loan renewed"),
            "booking.waitlist_joined": _("Joined the waiting list"),
            "booking.waitlist_left": _("Left the waiting list"),
            "booking.waitlist_offered": _("Devices offered to the next person waiting"),
            "booking.waitlist_hold_ended": _("Offer to the waiting list ran out"),
            "booking.not_picked_up": _("Reserved devices not picked up"),
            "booking.agreement_published": _("Borrowing agreement published"),
            "booking.agreement_accepted": _("Borrowing agreement accepted"),
            "booking.library_card_set": _("Library card number saved"),
            "booking.library_card_removed": _("Library card number removed"),
        },
        groups={"lending": (20, pgettext_lazy("log group", "Lending"))},
        group_actions={
            "lending": (
                "booking.handed_out",
                "booking.returned",
                "booking.lent_at_desk",
                "booking.loan_reserved",
                "booking.renewed",
                "booking.waitlist_joined",
                "booking.waitlist_left",
                "booking.waitlist_offered",
                "booking.waitlist_hold_ended",
                "booking.not_picked_up",
                "booking.agreement_published",
                "booking.agreement_accepted",
                "booking.library_card_set",
                "booking.library_card_removed",
            )
        },
        system=(
            "booking.waitlist_offered",
            "booking.waitlist_hold_ended",
            "booking.not_picked_up",
        ),
        target_urls={"booking.loan": "booking:loan_return"},
    )
    register_log_labels(
        {
            "booking.retention_applied": _("Old bookings and loans made anonymous"),
        },
        group_actions={"privacy": ("booking.retention_applied",)},
        system=("booking.retention_applied",),
    )
