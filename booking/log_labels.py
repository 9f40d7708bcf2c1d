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
            "booking.restored": _("Cancellation undone"),
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
                "booking.restored",
                "booking.series_cancelled",
                "booking.approved",
                "booking.declined",
                "booking.calendar_token_reset",
            )
        },
        target_urls={"booking.reservation": "booking:reservation_detail"},
    )
    # Hand-outs and returns of concrete devices (the lending app adds the residents' actions
    # to the same group)
    register_log_labels(
        {
            "booking.handed_out": _("Devices handed out"),
            "booking.returned": _("Devices returned"),
        },
        groups={"lending": (20, pgettext_lazy("log group", "Lending"))},
        group_actions={"lending": ("booking.handed_out", "booking.returned")},
        target_urls={"booking.loan": "booking:loan_return"},
    )
    register_log_labels(
        {
            "booking.retention_applied": _("Old bookings and loans made anonymous"),
        },
        group_actions={"privacy": ("booking.retention_applied",)},
        system=("booking.retention_applied",),
    )
