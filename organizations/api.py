from __future__ import annotations

import re
from typing import Annotated

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from core.api import Error, ValidationErrors

from .models import Organization

router = Router(tags=["organizations"])


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    district: str = Field(..., alias="district.name")
    street: str
    postal_code: str
    city: str
    email: str
    phone: str
    website: str
    opening_hours: str


SLUG = r"^[-a-zA-Z0-9_]+$"


class OrganizationFilter(Schema):
    kind: Organization.Kind | None = None
    district: str | None = Field(
        None, max_length=50, pattern=SLUG, description="District short name, e.g. lk-miltenberg"
    )


@router.get(
    "/organizations", response={200: list[OrganizationOut], 422: ValidationErrors}, auth=None
)
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilter]):
    """Every active organization of the region (open data, no personal data)."""
    organizations = Organization.objects.public().select_related("district")
    if filters.kind:
        organizations = organizations.filter(kind=filters.kind)
    if filters.district:
        organizations = organizations.filter(district__slug=filters.district)
    return organizations


@router.get(
    "/organizations/{slug}",
    response={200: OrganizationOut, 404: Error, 422: ValidationErrors},
    auth=None,
)
def get_organization(request: HttpRequest, slug: Path[Annotated[str, Field(max_length=80)]]):
    if not re.fullmatch(SLUG, slug) or len(slug) > 80:
        raise Http404
    return get_object_or_404(Organization.objects.public().select_related("district"), slug=slug)
