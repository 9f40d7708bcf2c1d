from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from core.htmx import partial_request

from .forms import DirectoryFilterForm
from .models import LessonPeriod, Location, Membership, Organization


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
    if request.user.is_authenticated:
        my_roles = [
            m.get_role_display()
            for m in Membership.objects.filter(user=request.user, organization=organization)
        ]
        if Organization.objects.administered_by(request.user).filter(pk=organization.pk).exists():
            periods = list(LessonPeriod.objects.filter(organization=organization))
    return render(
        request,
        "organizations/organization_detail.html",
        {"organization": organization, "my_roles": my_roles, "periods": periods},
    )
