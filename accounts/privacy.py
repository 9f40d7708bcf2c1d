"""What Lernpool holds about a person, and what happens to it: shown, exported, erased, forgotten.

Personal data is the one concern that spans every app. ``accounts`` sits at the bottom and
imports no app above it, so each app *registers* what it holds when it loads
(``AppConfig.ready``): a ``PersonalData`` section (export, erase, what blocks erasure) and a
``Retention`` rule (what the daily job forgets, and the line for the privacy notice). This
module calls whatever is registered, so a new app cannot be forgotten: a test walks every
model that references the user and fails for one that no section covers.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from core import public_cache
from core.errors import DomainError

from .audit import log_action
from .models import User

EXPORT_FORMAT = "lernpool-export/1"


@dataclass(frozen=True)
class PersonalData:
    """One section of what an app holds about a person.

    ``covers`` names every ``"app_label.Model.field"`` pointing at the user that this section
    answers for (exported, and erased or unlinked), e.g. ``"booking.Loan.borrower"``.
    ``export(user)`` returns rows: dicts of plain values (str, int, bool, None, date,
    datetime; DjangoJSONEncoder writes them), never another person's name or email.
    ``columns`` gives, in order, each row key with its label for the page (every key a row
    may hold appears here).
    ``erase(user)`` runs inside the erasure's transaction just before the account is deleted:
    it clears free text about the person and ends what is still open; the foreign keys then
    become NULL (``SET_NULL``) or go with the account (``CASCADE``).
    ``blockers(user)`` returns messages saying what must happen before the account can go
    (a device to bring back); ``people(organization_ids)`` returns the ids of the people an
    organization knows through this section (for staff answering a request).
    """

    key: str
    label: str | Promise
    covers: tuple[str, ...]
    export: Callable[[User], list[dict[str, Any]]]
    columns: tuple[tuple[str, str | Promise], ...] = ()
    erase: Callable[[User], None] | None = None
    blockers: Callable[[User], list[str]] | None = None
    people: Callable[[Iterable[int]], Iterable[int]] | None = None


@dataclass(frozen=True)
class Retention:
    """One rule of the daily retention job, and its line in the privacy notice.

    ``apply(now)`` unlinks or deletes what is past its period and returns how many rows it
    changed; run twice, the second run changes nothing. ``purpose`` / ``stored`` / ``kept``
    are the privacy notice's columns; ``kept`` is a callable so the text is built from the
    same settings ``apply`` reads.
    """

    key: str
    purpose: str | Promise
    stored: str | Promise
    kept: Callable[[], str]
    apply: Callable[[datetime.datetime], int] | None = None
    order: int = 100


_sections: dict[str, PersonalData] = {}
_retention: dict[str, Retention] = {}


def register(section: PersonalData) -> None:
    _sections[section.key] = section


def register_retention(rule: Retention) -> None:
    _retention[rule.key] = rule


def sections() -> list[PersonalData]:
    return list(_sections.values())


def retention_rules() -> list[Retention]:
    return sorted(_retention.values(), key=lambda rule: (rule.order, rule.key))


def retention_setting(name: str) -> int:
    return int(settings.LERNPOOL_RETENTION[name])


class ErasureBlocked(DomainError):
    """Something still open (a device on loan) must be settled before the account can go."""


# --- Export --------------------------------------------------------------------------------


def export_data(user: User) -> dict[str, Any]:
    """Everything Lernpool holds about ``user``, as one JSON-ready document."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "sections": [
            {
                "key": section.key,
                "label": str(section.label),
                "columns": [(key, str(label)) for key, label in section.columns],
                "rows": section.export(user),
            }
            for section in sections()
        ],
    }


def export_for(user: User, *, by: User, organization_id: int | None = None) -> dict[str, Any]:
    """The export, asked for by the person or by staff on their behalf (logged either way;
    with the organization whose staff answered, so it shows in that organization's log)."""
    data = export_data(user)
    log_action(
        by, "accounts.exported", user, organization_id=organization_id, on_behalf=by.pk != user.pk
    )
    return data


# --- Erasure -------------------------------------------------------------------------------


def erasure_blockers(user: User) -> list[str]:
    """Why the account cannot be deleted now, in words the person can act on; [] if it can."""
    return [
        message
        for section in sections()
        if section.blockers is not None
        for message in section.blockers(user)
    ]


def erase_person(
    user: User, *, by: User | None, reason: str = "request", organization_id: int | None = None
) -> None:
    """Erase ``user``: every section clears what it holds, then the account is deleted.

    Reservations, loans, enrolments and attendance stay as anonymous rows, so every figure in
    the reports stays the same. The log keeps an entry with ids only. Raises ErasureBlocked
    (and changes nothing) while something is still open.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        blockers = erasure_blockers(user)
        if blockers:
            raise ErasureBlocked(" ".join(blockers))
        for section in sections():
            if section.erase is not None:
                section.erase(user)
        # The sections write in bulk, which sends no signal: the person's own pages go.
        public_cache.bump_people([user.pk])
        actor = by if by is not None and by.pk != user.pk else None
        log_action(
            actor,
            "accounts.erased",
            user,
            organization_id=organization_id,
            reason=reason,
            by_self=actor is None and reason == "request",
        )
        user.delete()


# --- Retention -----------------------------------------------------------------------------


def apply_retention(now: datetime.datetime | None = None) -> dict[str, int]:
    """Run every registered retention rule once; returns how many rows each one changed."""
    now = now or timezone.now()
    return {rule.key: rule.apply(now) for rule in retention_rules() if rule.apply is not None}


def _knows(people: Iterable[int]) -> Q | Exists:
    """A section's people (a one-column values list of user ids) as a condition on the user.

    ``EXISTS`` correlated with the user, not ``pk IN (…)``: PostgreSQL hashes an ``IN`` under
    ``OR`` whole, so opening one person at a desk read every reservation, loan and enrolment
    the organization ever had (and every course meeting of the region); for an ``EXISTS`` it
    picks per plan between the same hash (many people) and a probe of the person's own rows
    through their index (one person). bench/README.md, "Scale 3 against scale 1"."""
    if isinstance(people, QuerySet) and len(people.query.values_select) == 1:
        (column,) = people.query.values_select
        return Exists(people.filter(**{column: OuterRef("pk")}))
    return Q(pk__in=people)


def knows(organization_ids: Iterable[int]) -> Q:
    """The condition on a user that the organizations know them (members, bookings, loans,
    courses, cards): each section's ids are a subquery, so nothing grows in Python with the
    data. For a filter on users beside others (``organizations.people.reachable_at_desk``)."""
    ids = list(organization_ids)
    known = Q(pk__in=[])
    for section in sections():
        if section.people is not None:
            known |= _knows(section.people(ids))
    return known


def known_people(organization_ids: Iterable[int]):
    """The accounts the organizations know (see ``knows``), as one query."""
    return User.objects.filter(knows(organization_ids))


def people_known_to(organization_ids: Iterable[int]) -> set[int]:
    """Ids of the people the organizations know (see ``known_people``)."""
    return set(known_people(organization_ids).values_list("pk", flat=True))


def erasure_summary(user: User) -> list[tuple[str, int]]:
    """(section label, number of rows) for each section that holds something about ``user``."""
    return [
        (str(section.label), len(rows)) for section in sections() if (rows := section.export(user))
    ]
