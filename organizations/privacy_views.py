"""Staff answering a person's request about their data: find them, download their data on
their behalf, record their request to erase their account (the person is emailed at once;
the daily job erases it after the grace period unless they object).

Staff and org admins see only the people their organization knows (``people.known_people``,
the rule the desk and its API ask too);
region admins see every account. Who may erase whom (``refusal``): nobody erases a superuser
here, nor themselves (they use "Delete my account"); only a superuser erases a region admin
or site staff (``is_staff``); an account that holds a role in an organization is erased only
by a region admin or a superuser, since its erasure changes who runs an organization. Every
export and erasure is logged with the staff member as the actor.
"""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts import erasure_requests, privacy
from accounts.forms import PersonSearchForm, StaffErasureForm, erasure_confirmed
from accounts.models import User
from accounts.views import export_response
from core.errors import DomainError

from .access import managed_organization
from .models import Organization
from .people import known_people

RESULTS_SHOWN = 30
MAX_ID = 2**63 - 1


def _scope(request: HttpRequest) -> tuple[Organization | None, list[Organization]]:
    """The organization whose people the page is about; None for a region admin, who answers
    for everyone. Anyone who manages no organization gets 404."""
    if request.user.is_region_admin:
        return None, []
    return managed_organization(request)


def _people(organization: Organization | None):
    if organization is None:
        return User.objects.all()
    return known_people(organization)


def _person_or_404(organization: Organization | None, pk: int) -> User:
    if pk > MAX_ID:  # the database cannot even compare it
        raise Http404
    person = _people(organization).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def _url(name: str, organization: Organization | None, **kwargs) -> str:
    url = reverse(f"privacy_requests:{name}", kwargs=kwargs)
    return f"{url}?{urlencode({'organization': organization.slug})}" if organization else url


def refusal(by: User, person: User) -> str | None:
    """Why ``by`` may not erase ``person`` here, or None if they may."""
    if person.pk == by.pk:
        return _("To delete your own account, use “Delete my account” on your account page.")
    if person.is_superuser:
        return _("A superuser account cannot be deleted here.")
    if (person.is_region_admin or person.is_staff) and not by.is_superuser:
        return _(
            "This account is a region administrator or site staff. Only a superuser may delete it."
        )
    if person.role_names() and not (by.is_region_admin or by.is_superuser):
        return _(
            "This account holds a role (member, staff or administrator of an organization). "
            "Only a region administrator may delete it."
        )
    return None


def export_refusal(by: User, person: User) -> str | None:
    """Why ``by`` may not download ``person``'s data here, or None if they may. An account
    with a role is exported by a region administrator only: otherwise an org admin could add
    anyone as a member and so read everything about them."""
    if person.pk != by.pk and (by.is_region_admin or by.is_superuser):
        return None
    if person.pk != by.pk and (
        person.is_superuser or person.is_region_admin or person.is_staff or person.role_names()
    ):
        return _(
            "This account holds a role. Only a region administrator may download its data; "
            "the person can download it themselves under “My data”."
        )
    return None


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """One search field: part of the name or email address of the person who asked."""
    organization, managed = _scope(request)
    form = PersonSearchForm(request.GET if "q" in request.GET else None)
    found: list[User] = []
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"]
        match = Q(name__icontains=query) | Q(email__icontains=query)
        found = list(
            _people(organization).filter(match).order_by("name", "email")[: RESULTS_SHOWN + 1]
        )
        for person in found:
            person.url = _url("person", organization, pk=person.pk)
    context = {
        "form": form,
        "organization": organization,
        "organizations": managed,
        "searched": form.is_bound and not form.errors,
        "found": found[:RESULTS_SHOWN],
        "more": len(found) > RESULTS_SHOWN,
    }
    return render(
        request, "organizations/privacy_index.html", context, status=400 if form.errors else 200
    )


@require_safe
@login_required
@never_cache
def person(request: HttpRequest, pk: int) -> HttpResponse:
    organization, _managed = _scope(request)
    found = _person_or_404(organization, pk)
    context = {
        "organization": organization,
        "person": found,
        "summary": privacy.erasure_summary(found),
        "refusal": refusal(request.user, found),
        "export_refusal": export_refusal(request.user, found),
        "data_url": _url("person_data", organization, pk=found.pk),
        "erase_url": _url("person_erase", organization, pk=found.pk),
        "index_url": _url("index", organization),
    }
    return render(request, "organizations/privacy_person.html", context)


@require_safe
@login_required
@never_cache
def person_data(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's data as one JSON file, downloaded by staff on their behalf (logged)."""
    organization, _managed = _scope(request)
    found = _person_or_404(organization, pk)
    reason = export_refusal(request.user, found)
    if reason:
        return _refused(request, organization, found, reason)
    data = privacy.export_for(
        found, by=request.user, organization_id=organization.pk if organization else None
    )
    return export_response(data, f"lernpool-data-{found.pk}-{timezone.localdate():%Y-%m-%d}.json")


@require_http_methods(["GET", "POST"])
@login_required
@reauthentication_required(enabled=erasure_confirmed)
@never_cache
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """The summary and what blocks it; with the person's request recorded (reason, day),
    ticked and re-authenticated, the person is emailed and the daily job erases the account
    after the grace period unless they object (``accounts.erasure_requests``)."""
    organization, _managed = _scope(request)
    found = _person_or_404(organization, pk)
    reason = refusal(request.user, found)
    if reason is not None:
        return _refused(request, organization, found, reason)
    form = StaffErasureForm(request.POST if request.method == "POST" else None)
    blockers = privacy.erasure_blockers(found)
    waiting = erasure_requests.pending(found)
    if request.method == "POST" and not blockers and waiting is None and form.is_valid():
        try:
            erasure = erasure_requests.request_erasure(
                found,
                by=request.user,
                reason=form.cleaned_data["reason"],
                requested_on=form.cleaned_data["requested_on"],
                organization_id=organization.pk if organization else None,
                organization_name=organization.name if organization else "",
            )
        except privacy.ErasureBlocked:
            blockers = privacy.erasure_blockers(found)
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "The request is recorded and the person has been emailed. The account "
                    "will be deleted on %(day)s unless they object."
                )
                % {"day": date_format(timezone.localdate(erasure.erase_after), "DATE_FORMAT")},
            )
            return redirect(_url("person", organization, pk=found.pk))
    context = {
        "organization": organization,
        "person": found,
        "form": form,
        "blockers": blockers,
        "waiting": waiting,
        "grace_days": erasure_requests.grace_days(),
        "summary": privacy.erasure_summary(found),
        # No query string: the organization travels in the form, so that a POST suspended for
        # re-authentication resumes at exactly this path (allauth compares paths).
        "action_url": reverse("privacy_requests:person_erase", kwargs={"pk": found.pk}),
        "person_url": _url("person", organization, pk=found.pk),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "organizations/privacy_erase.html", context, status=status)


def _refused(
    request: HttpRequest, organization: Organization | None, found: User, reason: str
) -> HttpResponse:
    context = {
        "organization": organization,
        "person": found,
        "reason": reason,
        "person_url": _url("person", organization, pk=found.pk),
    }
    return render(request, "organizations/privacy_refused.html", context, status=403)
