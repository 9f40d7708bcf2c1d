"""Who an organization may reach: the one rule that the desk pages, the desk's API and the
privacy pages ask.

A person is *known* to an organization only through what they did there (their own
reservations, loans, enrolments, waiting places, accepted agreements, library cards) or a
membership: each app registers which of its rows make a person known
(``accounts.privacy.known_people``). Typing something never makes a person known. The one
exception is a resident who comes to a library's desk in person: staff find them by their
exact email address (``walk_in``) to lend to them for the first time, and the loan then makes
them known. That address finds nobody at a school, and nobody who holds a role anywhere or
runs the site, so it reveals no staff or teacher of another organization.
"""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value

from accounts import privacy
from accounts.models import User

from .models import Membership, Organization


def known_people(organization: Organization) -> QuerySet[User]:
    """The people the organization knows (see the module's docstring), as one query."""
    return privacy.known_people([organization.pk])


def is_known(organization: Organization, person: User) -> bool:
    return known_people(organization).filter(pk=person.pk).exists()


def walk_in(organization: Organization, email: str) -> QuerySet[User]:
    """The resident with exactly this email address, when ``organization`` is a library:
    someone who comes to its desk in person. Never anyone with a role in any organization,
    a region admin, site staff or a superuser."""
    email = (email or "").strip()
    if not email or "\x00" in email or not organization.lends_to_residents:
        return User.objects.none()
    return User.objects.filter(
        email__iexact=email,
        is_active=True,
        is_region_admin=False,
        is_staff=False,
        is_superuser=False,
    ).exclude(pk__in=Membership.objects.values("user_id"))


def reachable_at_desk(organization: Organization, email: str = "") -> QuerySet[User]:
    """Whom a library's desk may open: the active people it knows, and the walk-in resident
    with the exact ``email`` staff typed (if any), each with ``known`` (True unless found by
    the address alone). Nobody at all for other organizations' desks: only libraries lend to
    residents."""
    if not organization.lends_to_residents:
        return User.objects.none()
    known = privacy.knows([organization.pk])
    people = User.objects.filter(is_active=True)
    if not email:
        # Everyone in scope is known: the condition once, in the WHERE (building, compiling
        # and planning its seven subqueries twice was half of the desk's person page).
        return people.filter(known).annotate(known=Value(True))
    walk_in_ids = walk_in(organization, email).values("pk")
    return people.filter(known | Q(pk__in=walk_in_ids)).annotate(
        known=ExpressionWrapper(known, output_field=BooleanField())
    )
