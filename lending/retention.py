"""What lending forgets by itself, and its privacy-notice lines (see accounts/privacy.py).

Closed waiting-list entries lose their person with the organization's bookings period, in
booking's round (``booking.retention.register_unlinker``): one rule, one log entry. Library
cards and accepted agreements are kept as long as the account.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy

from accounts.privacy import Retention, register_retention
from accounts.retention import unlink_rows
from booking.retention import as_long_as_the_account, in_organizations, register_unlinker

from .models import WaitlistEntry

CLOSED_WAITLIST = (
    WaitlistEntry.Status.FULFILLED,
    WaitlistEntry.Status.EXPIRED,
    WaitlistEntry.Status.LEFT,
)


def unlink_waitlist(cutoff: datetime.datetime, organizations: Q) -> int:
    return unlink_rows(
        WaitlistEntry.objects.filter(in_organizations("pool__organization", organizations))
        .filter(status__in=CLOSED_WAITLIST, user__isnull=False)
        .filter(Q(closed_at__lte=cutoff) | Q(closed_at__isnull=True, created_at__lte=cutoff)),
        "user",
        user=None,
    )


register_unlinker(unlink_waitlist)

register_retention(
    Retention(
        key="booking.cards",
        purpose=gettext_lazy("Finding you at a library's lending desk"),
        stored=gettext_lazy("Your library card number with each library that recorded it."),
        kept=as_long_as_the_account,
        order=21,
    )
)

register_retention(
    Retention(
        key="booking.agreements",
        purpose=gettext_lazy("Proof that you accepted a library's borrowing agreement"),
        stored=gettext_lazy(
            "Which version of the agreement you accepted, when, and whether at the desk."
        ),
        kept=as_long_as_the_account,
        order=22,
    )
)
