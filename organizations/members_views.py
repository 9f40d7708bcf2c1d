"""Members and roles of an organization, for its admins and region admins.

Every change needs a recent re-authentication (allauth's ``reauthentication_required``). The
scope is checked first, so that someone without the right gets 404, not a password prompt.
When the login is older than the timeout, allauth keeps the POST in the session, asks for the
password and then runs the same POST again: the change is made and the person lands on the
members page. Should the POST be lost on the way (the session changed meanwhile), the browser
comes back with a GET, and that leads to the members page with a note to do it again.
"""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.errors import DomainError

from . import services
from .access import administered_organization
from .forms import AddMemberForm, RoleForm
from .models import Membership, Organization, Role

PAGE_SIZE = 50


def members_url(organization: Organization) -> str:
    return f"{reverse('members:index')}?{urlencode({'organization': organization.slug})}"


def _members_page(
    request: HttpRequest,
    organization: Organization,
    administered: list[Organization],
    *,
    add_form: AddMemberForm | None = None,
    failed: Membership | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    memberships = (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__name", "user__email", "role", "pk")
    )
    page = Paginator(memberships, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "organizations/members.html",
        {
            "organization": organization,
            "organizations": administered,
            "page": page,
            "roles": Role.choices,
            "add_form": add_form or AddMemberForm(),
            "failed": failed,
            "error": error,
        },
        status=status,
    )


def _done(request: HttpRequest, organization: Organization, message: str) -> HttpResponse:
    messages.success(request, message)
    if Organization.objects.administered_by(request.user).filter(pk=organization.pk).exists():
        return redirect(members_url(organization))
    return redirect("home")  # they gave up their own admin role


def _ask_again(request: HttpRequest, organization: Organization) -> HttpResponse:
    """A GET to an action's address: the POST got lost on the way through re-authentication."""
    messages.warning(request, _("Nothing was changed yet. Please make the change again."))
    return redirect(members_url(organization))


def _membership_or_404(request: HttpRequest, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.filter(
            organization__in=Organization.objects.administered_by(request.user)
        ).select_related("organization", "user"),
        pk=pk,
    )


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    organization, administered = administered_organization(request)
    return _members_page(request, organization, administered)


@require_http_methods(["GET", "POST"])
@login_required
def add(request: HttpRequest) -> HttpResponse:
    organization, administered = administered_organization(request)
    if request.method != "POST":
        return _ask_again(request, organization)
    if not request.POST.get("organization"):  # never add to whichever organization comes first
        form = AddMemberForm(request.POST)
        form.add_error(None, _("Please say which organization the person should join."))
        return _members_page(request, organization, administered, add_form=form, status=400)
    return _add(request, organization, administered)


@reauthentication_required
def _add(request: HttpRequest, organization: Organization, administered) -> HttpResponse:
    form = AddMemberForm(request.POST)
    if form.is_valid():
        try:
            membership = services.add_member(
                by=request.user, organization=organization, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error("email" if isinstance(error, services.NoAccount) else None, error)
        else:
            return _done(
                request,
                organization,
                _("%(person)s is now %(role)s.")
                % {"person": membership.user, "role": membership.get_role_display()},
            )
    return _members_page(request, organization, administered, add_form=form, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def change_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    if request.method != "POST":
        return _ask_again(request, membership.organization)
    return _change_role(request, membership)


@reauthentication_required
def _change_role(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            membership = services.change_role(
                by=request.user, membership=membership, role=form.cleaned_data["role"]
            )
        except DomainError as error:
            return _refused(request, membership, str(error))
        return _done(
            request,
            membership.organization,
            _("%(person)s is now %(role)s.")
            % {"person": membership.user, "role": membership.get_role_display()},
        )
    return _refused(request, membership, _("Please choose one of the roles."))


@require_http_methods(["GET", "POST"])
@login_required
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership_or_404(request, pk)
    if request.method != "POST":
        return _ask_again(request, membership.organization)
    return _remove(request, membership)


@reauthentication_required
def _remove(request: HttpRequest, membership: Membership) -> HttpResponse:
    try:
        services.remove_member(by=request.user, membership=membership)
    except DomainError as error:
        return _refused(request, membership, str(error))
    return _done(
        request,
        membership.organization,
        _("%(person)s no longer has the role %(role)s.")
        % {"person": membership.user, "role": membership.get_role_display()},
    )


def _refused(request: HttpRequest, membership: Membership, error: str) -> HttpResponse:
    organization = membership.organization
    administered = list(Organization.objects.administered_by(request.user).order_by("name"))
    return _members_page(
        request, organization, administered, failed=membership, error=error, status=400
    )
