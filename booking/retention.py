"""What booking forgets by itself, and its privacy-notice lines (see accounts/privacy.py).

After an organization's period (``Organization.effective_retention_days``: its own choice
within the region's limits, else the region's default) the people are unlinked from ended
reservations, returned loans, closed waiting-list entries and finished series, and from the
log entries about those rows (``accounts.retention.unlink_rows``). The rows stay, anonymous,
so every figure in the reports stays the same. The updates are set-based: one round per
distinct period (a handful), never one query per row or per organization.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.audit import log_action
from accounts.privacy import Retention, register_retention, retention_setting
from accounts.retention import unlink_rows
from organizations.models import Organization, bookings_retention_days

from .models import Loan, LoanItem, Reservation, Series

# Apps above booking (lending's waiting lists) unlink their rows in the same round, under the
# same organization's period and in the same log entry: (cutoff, organizations) → rows changed.
_unlinkers: list[Callable[[datetime.datetime, Q], int]] = []


def register_unlinker(unlink: Callable[[datetime.datetime, Q], int]) -> None:
    """Called from an app's ready(): ``unlink`` runs in every round of ``unlink_people``."""
    if unlink not in _unlinkers:
        _unlinkers.append(unlink)


def periods() -> dict[int, Q]:
    """Effective period in days → a filter on ``organization`` matching the organizations
    that keep bookings that long (one query over the distinct chosen values)."""
    chosen = Organization.objects.order_by().values_list("retention_days", flat=True).distinct()
    values: dict[int, list[int | None]] = defaultdict(list)
    for value in chosen:
        values[bookings_retention_days(value)].append(value)
    filters = {}
    for days, group in values.items():
        condition = Q(retention_days__in=[value for value in group if value is not None])
        if None in group:
            condition |= Q(retention_days__isnull=True)
        filters[days] = condition
    return filters


def in_organizations(prefix: str, condition: Q) -> Q:
    """``condition`` (on Organization) seen from a model ``prefix`` away from it."""
    return Q(**{f"{prefix}__in": Organization.objects.filter(condition).values("pk")})


def unlink_people(now: datetime.datetime) -> int:
    """Remove the people (and the staff who acted) from what ended more than the
    organization's period ago, and the people from the log entries about it. Returns how
    many rows changed (log entries not counted)."""
    changed = 0
    with transaction.atomic():
        for days, organizations in periods().items():
            cutoff = now - datetime.timedelta(days=days)
            changed += _unlink_before(cutoff, organizations)
        if changed:
            log_action(None, "booking.retention_applied", changed=changed)
    return changed


def _unlink_before(cutoff: datetime.datetime, organizations: Q) -> int:
    open_loans = Loan.objects.filter(closed_at__isnull=True, reservation__isnull=False)
    reservations = unlink_rows(
        Reservation.objects.filter(in_organizations("pool__organization", organizations))
        .filter(end__lte=cutoff)
        .filter(Q(user__isnull=False) | Q(decided_by__isnull=False))
        .exclude(pk__in=open_loans.values("reservation_id")),
        "user",
        user=None,
        decided_by=None,
    )
    loans = unlink_rows(
        Loan.objects.filter(in_organizations("pool__organization", organizations))
        .filter(closed_at__lte=cutoff)
        .filter(Q(borrower__isnull=False) | Q(handed_out_by__isnull=False)),
        "borrower",
        borrower=None,
        handed_out_by=None,
    )
    # Only staff took devices back: no person to remove from the log here.
    items = (
        LoanItem.objects.filter(in_organizations("loan__pool__organization", organizations))
        .filter(loan__closed_at__lte=cutoff, returned_to__isnull=False)
        .update(returned_to=None)
    )
    still_linked = Reservation.objects.filter(series=OuterRef("pk"), user__isnull=False)
    series = unlink_rows(
        Series.objects.filter(in_organizations("pool__organization", organizations))
        .filter(user__isnull=False, until__lt=timezone.localdate(cutoff))
        .exclude(Exists(still_linked)),
        "user",
        user=None,
    )
    others = sum(unlink(cutoff, organizations) for unlink in _unlinkers)
    return reservations + loans + items + series + others


def _kept() -> str:
    days = bookings_retention_days()
    low = retention_setting("bookings_min_days")
    high = retention_setting("bookings_max_days")
    kept = ngettext(
        "%(days)d day after the reservation ends or the devices are returned",
        "%(days)d days after the reservation ends or the devices are returned",
        days,
    ) % {"days": days}
    choice = _("organizations may choose %(min)d to %(max)d days") % {"min": low, "max": high}
    return f"{kept} ({choice})"


register_retention(
    Retention(
        key="booking.bookings",
        purpose=gettext_lazy("Booking and borrowing devices"),
        stored=gettext_lazy(
            "Your reservations and series (devices, time, purpose), your loans (which device, "
            "when handed out, due and returned, its condition) and your places on waiting "
            "lists; for staff, who approved, handed out or took back."
        ),
        kept=_kept,
        apply=unlink_people,
        order=20,
    )
)


def as_long_as_the_account() -> str:
    return _("As long as your account exists")


register_retention(
    Retention(
        key="booking.calendar",
        purpose=gettext_lazy("Your bookings in your own calendar app"),
        stored=gettext_lazy("The secret address of your calendar subscription."),
        kept=lambda: _(
            "As long as your account exists; a new address makes the old one stop working"
        ),
        order=23,
    )
)
