"""Words for the audit log of lending to residents: registered when the app loads (apps.py),
looked up through organizations.log_labels. The actions keep their ``booking.`` names: they
are stored in the log since before lending had its own app."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.audit import register_log_labels


def register() -> None:
    register_log_labels(
        {
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
        group_actions={
            "lending": (
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
    )
