from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core import public_cache
from core.errors import DomainError
from core.htmx import partial_request
from core.jsonld import script
from core.mail import site_url

from . import jsonld, services
from .forms import DirectoryFilterForm, OpeningHoursForm, SpecialHoursFormSet
from .hours_display import opening_hours, published_calendar, published_hours
from .models import (
    LessonPeriod,
    Location,
    Membership,
    OpeningSchedule,
    Organization,
    SpecialHours,
)
from .offers import offers


@public_cache.public_page("organizations")
@require_safe
def directory(request) -> object:
    """The public directory of every school, library and provider, with live filters."""
    form = DirectoryFilterForm(request.GET or None)
    organizations = form.filter(Organization.objects.public()).select_related("district")
    page = Paginator(organizations.order_by("name"), 24).get_page(request.GET.get("page"))
    template = "organizations/organization_directory.html"
    if partial_request(request):
        template += "#results"
    response = render(request, template, {"form": form, "page": page})
    patch_vary_headers(response, ["HX-Request"])
    return response


@public_cache.public_page("organizations", "courses")
@require_safe
def detail(request, slug: str) -> object:
    """An organization's public page; members also see their role, admins the timetable grid."""
    organization = get_object_or_404(
        Organization.objects.public()
        .select_related("district")
        .prefetch_related(Prefetch("locations", queryset=Location.objects.order_by("name"))),
        slug=slug,
    )
    my_roles = []
    periods = []
    manages = False
    if request.user.is_authenticated:
        my_roles = [
            m.get_role_display()
            for m in Membership.objects.filter(user=request.user, organization=organization)
        ]
        if Organization.objects.administered_by(request.user).filter(pk=organization.pk).exists():
            periods = list(LessonPeriod.objects.filter(organization=organization))
        manages = Organization.objects.managed_by(request.user).filter(pk=organization.pk).exists()
    now = timezone.now()
    today = localdate(now)
    calendar, special = published_calendar(organization, today)
    hours = opening_hours(organization, now, calendar=calendar, special=special)
    # "Open now until 18:00" becomes "Closed now, opens …" when it closes, and back.
    public_cache.changes_at(request, lambda: calendar.open_until(now) or calendar.next_opening(now))
    # Links to what the organization offers (its courses in the catalog), with counts.
    offered = offers(organization, now)
    public_cache.changes_at(
        request, lambda: min((o.until for o in offered if o.until), default=None)
    )
    published = published_hours(organization, today, calendar=calendar, special=special)
    data = jsonld.organization_data(organization, published, absolute=site_url)
    return render(
        request,
        "organizations/organization_detail.html",
        {
            "organization": organization,
            "my_roles": my_roles,
            "periods": periods,
            "hours": hours,
            "manages": manages,
            "offers": offered,
            "jsonld": script(data),
        },
    )


def _hours_forms(request, organization: Organization, today) -> tuple:
    if request.method == "POST":
        return (
            OpeningHoursForm(request.POST, today=today),
            SpecialHoursFormSet(request.POST, prefix="special", form_kwargs={"today": today}),
        )
    schedules = (
        OpeningSchedule.objects.filter(organization=organization)
        .exclude(valid_until__lt=today)
        .prefetch_related("intervals")
        .order_by("valid_from", "pk")
    )
    initial = OpeningHoursForm.initial_from(list(schedules))
    initial["notes"] = organization.opening_hours
    special = SpecialHours.objects.filter(organization=organization, day__gte=today)
    return (
        OpeningHoursForm(initial=initial, today=today),
        SpecialHoursFormSet(
            prefix="special",
            initial=[
                {"day": s.day, "opens": s.opens, "closes": s.closes, "note": s.note}
                for s in special
            ],
            form_kwargs={"today": today},
        ),
    )


def _as_typed_cleanly(form, formset, today) -> tuple:
    """The previewed values again, written as the page writes them ("1800" → "18:00")."""
    values = {name: form.cleaned_data.get(name) for name in form.fields}
    rows = [
        {name: special.cleaned_data.get(name) for name in special.fields}
        for special in formset
        if "hours" in special.cleaned_data
    ]
    return (
        OpeningHoursForm(initial=values, today=today),
        SpecialHoursFormSet(prefix="special", initial=rows, form_kwargs={"today": today}),
    )


def _preview(user, organization: Organization, changes: dict):
    """What the hours would look like: the same service, rolled back."""
    with transaction.atomic():
        changed = services.set_opening_hours(by=user, organization=organization, **changes)
        hours = opening_hours(changed)  # reads everything now, inside the transaction
        transaction.set_rollback(True)
    return hours


@require_http_methods(["GET", "POST"])
@login_required
def hours_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The organization's opening hours, for its staff and admins, with a preview of the
    next four weeks (of what is saved, or of the form's values with "Preview")."""
    organization = get_object_or_404(Organization.objects.managed_by(request.user), slug=slug)
    today = localdate()
    form, formset = _hours_forms(request, organization, today)
    preview = None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        changes = {
            "week": form.cleaned_data["week"],
            "seasonal": form.cleaned_data["seasonal"],
            "special": [f.cleaned_data["hours"] for f in formset if "hours" in f.cleaned_data],
            "notes": form.cleaned_data["notes"],
            "today": today,
        }
        try:
            if "preview" in request.POST:
                preview = _preview(request.user, organization, changes)
                form, formset = _as_typed_cleanly(form, formset, today)
            else:
                services.set_opening_hours(by=request.user, organization=organization, **changes)
                messages.success(request, _("The opening hours are saved."))
                return redirect("organizations:hours", slug=organization.slug)
        except DomainError as error:
            form.add_error(None, error)
    invalid = request.method == "POST" and preview is None
    context = {
        "organization": organization,
        "form": form,
        "formset": formset,
        "preview": preview or opening_hours(organization),
        "previewing": preview is not None,
    }
    return render(request, "organizations/hours_form.html", context, status=400 if invalid else 200)
