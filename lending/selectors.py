"""What the library desk reads: residents found by name, email or card, and everything a
resident has with one library; and the places pools are lent in (the lending list's
filter). Read-only; every write goes through ``lending.services``.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from accounts.models import User
from booking.models import Loan, LoanItem, Reservation
from booking.services import last_day
from devices.models import DevicePool
from organizations.models import Organization
from organizations.people import reachable_at_desk

from .models import AgreementAcceptance, LibraryCard, WaitlistEntry


@dataclass(frozen=True)
class LendingPlaces:
    """Where pools are lent: the districts (slug, name) and the towns of their organizations,
    by name, as the lending list's place filter offers them."""

    districts: list[tuple[str, str]]
    towns: list[str]


def _by_name(text: str) -> str:
    # "Östringen" between "Obernburg" and "Pflaumheim", not after "Z" as code points sort it.
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def lending_places(pools: QuerySet[DevicePool]) -> LendingPlaces:
    """The districts and towns of the organizations that lend ``pools``: one query, one row
    per district and town with a pool (a few dozen in the region, however many pools)."""
    rows = (
        pools.order_by()
        .values_list(
            "organization__district__slug", "organization__district__name", "organization__city"
        )
        .distinct()
    )
    districts, towns = {}, set()
    for slug, name, town in rows:
        districts[slug] = name
        if town:
            towns.add(town)
    return LendingPlaces(
        districts=sorted(districts.items(), key=lambda item: _by_name(item[1]).casefold()),
        towns=sorted(towns, key=lambda town: _by_name(town).casefold()),
    )


def residents_pools(organization: Organization) -> QuerySet[DevicePool]:
    """The organization's active pools lent to residents, by name (with the organization,
    whose opening days a pool's default due date follows)."""
    return (
        DevicePool.objects.filter(
            organization=organization, booking_scope=DevicePool.Scope.RESIDENTS, is_active=True
        )
        .select_related("organization")
        .order_by("name")
    )


def library_card(organization: Organization, person: User) -> LibraryCard | None:
    return LibraryCard.objects.filter(organization=organization, user=person).first()


def has_library_card(organization: Organization, person: User) -> bool:
    return LibraryCard.objects.filter(organization=organization, user=person).exists()


def _with_card_and_overdue(people, organization: Organization, now: datetime.datetime):
    cards = LibraryCard.objects.filter(organization=organization, user=OuterRef("pk"))
    overdue = Loan.objects.overdue(now).filter(borrower=OuterRef("pk"))
    return people.annotate(
        card_number=Subquery(cards.values("number")[:1]),
        has_overdue=Exists(overdue.filter(pool__organization=organization)),
    )


def find_residents(
    organization: Organization, query: str, *, now: datetime.datetime, limit: int
) -> list[User]:
    """Up to ``limit`` people the desk may see whose name, email or card number matches
    ``query`` (and the walk-in with exactly that email), each with ``card_number`` and
    ``has_overdue`` (here), by name."""
    card = LibraryCard.objects.filter(organization=organization, number__iexact=query)
    match = Q(name__icontains=query) | Q(email__icontains=query) | Q(pk__in=card.values("user_id"))
    # The walk-in with exactly this address matches ``email__icontains`` too.
    people = reachable_at_desk(organization, query).filter(match)
    return list(_with_card_and_overdue(people, organization, now).order_by("name", "email")[:limit])


def _waitlist_place():
    """A subquery: the entry's place among those still waiting for its pool."""
    ahead = (
        WaitlistEntry.objects.waiting()
        .filter(pool=OuterRef("pool"))
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("pool")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Subquery(ahead, output_field=IntegerField())


@dataclass
class ResidentAtDesk:
    """What a resident has with one library, for its desk."""

    loans: list[Loan] = field(default_factory=list)  # open, each with ``out`` and ``due_day``
    overdue: list[Loan] = field(default_factory=list)
    overdue_elsewhere: bool = False
    to_pick_up: list[Reservation] = field(default_factory=list)
    waitlist: list[WaitlistEntry] = field(default_factory=list)  # with ``place``, ``pickup_by``
    accepted: AgreementAcceptance | None = None


def open_loans(organization: Organization, person: User) -> list[Loan]:
    """The person's open loans here, earliest due first, each with the devices still ``out``
    and its ``due_day``."""
    out = LoanItem.objects.filter(returned_at__isnull=True).select_related("device__device_type")
    loans = list(
        Loan.objects.open()
        .filter(borrower=person, pool__organization=organization)
        .select_related("pool")
        .prefetch_related(Prefetch("items", out, to_attr="out"))
        .order_by("due_at", "pk")
    )
    for loan in loans:
        loan.due_day = last_day(loan.due_at)
    return loans


def to_pick_up(organization: Organization, person: User, now: datetime.datetime):
    """The person's confirmed reservations here not yet (fully) handed out, soonest first."""
    return list(
        Reservation.objects.awaiting_hand_out(now)
        .filter(user=person, pool__organization=organization)
        .select_related("pool")
        .order_by("start", "pk")
    )


def waiting(organization: Organization, person: User) -> list[WaitlistEntry]:
    """The person's active waiting-list entries here, each with its ``place`` and, when a
    device is held, the last day to pick it up (``pickup_by``)."""
    entries = list(
        WaitlistEntry.objects.active()
        .filter(user=person, pool__organization=organization)
        .annotate(place=_waitlist_place())
        .select_related("pool")
        .order_by("created_at", "pk")
    )
    for entry in entries:
        entry.pickup_by = last_day(entry.hold_until) if entry.hold_until else None
    return entries


def overdue_elsewhere(organization: Organization, person: User, now: datetime.datetime) -> bool:
    """Whether the person has an overdue device of another organization."""
    return (
        Loan.objects.overdue(now)
        .filter(borrower=person)
        .exclude(pool__organization=organization)
        .exists()
    )


def latest_acceptance(organization: Organization, person: User) -> AgreementAcceptance | None:
    """The newest version of this library's agreement the person accepted."""
    return (
        AgreementAcceptance.objects.filter(user=person, agreement__organization=organization)
        .select_related("agreement")
        .order_by("-agreement__version", "-accepted_at")
        .first()
    )


def next_return(pool: DevicePool, *, now: datetime.datetime | None = None) -> datetime.date | None:
    """The day the next device of the pool is expected back: the earliest due day of its
    open loans still to come (an overdue loan says nothing about when it comes back), or
    None when no loan is open."""
    now = now or timezone.now()
    due = (
        Loan.objects.open()
        .filter(pool=pool, due_at__gte=now)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    return last_day(due) if due is not None else None
