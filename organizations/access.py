"""Which organization a staff page is about, for people who run several."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from .models import Organization


def managed_organization(
    request: HttpRequest, *, libraries_only: bool = False
) -> tuple[Organization, list[Organization]]:
    """The organization a staff page shows: ``?organization=<slug>`` (or the same field in a
    POST), else the first one the user manages; with the list of all of them for a picker.
    Anyone who manages none, or names one they do not manage, gets 404."""
    managed = Organization.objects.managed_by(request.user).order_by("name")
    if libraries_only:
        managed = managed.filter(kind=Organization.Kind.LIBRARY)
    managed = list(managed)
    if not managed:
        raise Http404
    slug = request.GET.get("organization") or request.POST.get("organization")
    if slug:
        for organization in managed:
            if organization.slug == slug:
                return organization, managed
        raise Http404
    return managed[0], managed


def library_organization(request: HttpRequest) -> tuple[Organization, list[Organization]]:
    """Like ``managed_organization``, among the libraries the user manages only: the pages of
    the library desk, where residents are found (only libraries lend to residents)."""
    return managed_organization(request, libraries_only=True)


def administered_organization(request: HttpRequest) -> tuple[Organization, list[Organization]]:
    """Like ``managed_organization``, for the pages of organization admins (members, log):
    the organizations the user administers (every one for region admins); 404 for anyone
    else, and for a ``?organization=<slug>`` they do not administer."""
    administered = list(Organization.objects.administered_by(request.user).order_by("name"))
    if not administered:
        raise Http404
    slug = request.GET.get("organization") or request.POST.get("organization")
    if slug:
        for organization in administered:
            if organization.slug == slug:
                return organization, administered
        raise Http404
    return administered[0], administered
