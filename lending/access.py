"""Which residents a library's desk may see: the one rule for the desk pages and the desk's
API (``organizations.people`` says whom an organization knows).

A person is visible to a library only when it knows them (something they did there, or a
membership), or when staff typed the exact email address of a resident who came in person:
a new resident is found that way, never a staff member or teacher of another organization,
and nobody can page through everyone.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from accounts.models import User
from organizations.models import Organization
from organizations.people import known_people, reachable_at_desk

MAX_ID = 2**63 - 1


def known_to(organization: Organization) -> QuerySet[User]:
    """The active people the organization knows: whom its staff may lend to by id."""
    return known_people(organization).filter(is_active=True)


def email_given(request: HttpRequest) -> str:
    """The exact email address staff typed to find a new resident, carried along in links
    and forms until the resident has something with the organization."""
    email = (request.GET.get("email") or request.POST.get("email") or "").strip()
    return email if "\x00" not in email else ""


def resident_or_404(request: HttpRequest, organization: Organization, pk: int) -> User:
    """The person the desk opens: known to the library, or the walk-in with the typed email."""
    if pk > MAX_ID:  # the database cannot even compare it
        raise Http404
    return get_object_or_404(reachable_at_desk(organization, email_given(request)), pk=pk)
