"""Who a report is about: one organization, a district, or the whole region, and who may ask.

Org admins report on the organizations they administer; region admins on any organization,
any district and the whole region; everyone else on nothing (their request is a 404).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from organizations.models import District, Organization

ORGANIZATION = "organization"
DISTRICT = "district"
REGION = "region"

SLUG = re.compile(r"^[-\w]{1,80}$", re.ASCII)  # what a slug in a scope key may be


@dataclass(frozen=True)
class Scope:
    kind: str  # "organization" | "district" | "region"
    organization_id: int | None
    district_id: int | None
    label: str
    slug: str = ""  # the organization's or district's slug, for the key

    @property
    def key(self) -> str:
        """“org:<slug>”, “district:<slug>” or “region”; ``parse_scope`` reads it back."""
        if self.kind == ORGANIZATION:
            return f"org:{self.slug}"
        if self.kind == DISTRICT:
            return f"district:{self.slug}"
        return REGION

    def organizations(self) -> QuerySet[Organization]:
        """The organizations the report counts (inactive ones too: their history counts)."""
        if self.kind == ORGANIZATION:
            return Organization.objects.filter(pk=self.organization_id)
        if self.kind == DISTRICT:
            return Organization.objects.filter(district_id=self.district_id)
        return Organization.objects.all()


def organization_scope(organization: Organization) -> Scope:
    return Scope(
        ORGANIZATION,
        organization.pk,
        organization.district_id,
        organization.name,
        organization.slug,
    )


def district_scope(district: District) -> Scope:
    return Scope(DISTRICT, None, district.pk, district.name, district.slug)


def region_scope() -> Scope:
    return Scope(REGION, None, None, _("Whole region"))


def allowed_scopes(user) -> list[Scope]:
    """Every scope the user may report on, the widest first. Two queries at most."""
    if not user.is_authenticated:
        return []
    if user.is_region_admin:
        return (
            [region_scope()]
            + [district_scope(district) for district in District.objects.order_by("name")]
            + [
                organization_scope(organization)
                for organization in Organization.objects.order_by("name")
            ]
        )
    return [
        organization_scope(organization)
        for organization in Organization.objects.administered_by(user).order_by("name")
    ]


def default_scope(user) -> Scope | None:
    """What a report shows before anything is chosen: the region for region admins, else the
    first organization the user administers; None when they may see no report."""
    if not user.is_authenticated:
        return None
    if user.is_region_admin:
        return region_scope()
    organization = Organization.objects.administered_by(user).order_by("name").first()
    return organization_scope(organization) if organization else None


def parse_scope(value: str, user) -> Scope:
    """The scope named by ``value`` (a ``Scope.key``); Http404 when it is unknown or the user
    may not report on it."""
    if not user.is_authenticated:
        raise Http404
    value = (value or "").strip()
    kind, _separator, slug = value.partition(":")
    if value == REGION and user.is_region_admin:
        return region_scope()
    if not SLUG.match(slug):  # never send garbage (a NUL byte breaks PostgreSQL) to the database
        raise Http404
    if kind == "district" and slug and user.is_region_admin:
        district = District.objects.filter(slug=slug).first()
        if district is not None:
            return district_scope(district)
    if kind == "org" and slug:
        organization = Organization.objects.administered_by(user).filter(slug=slug).first()
        if organization is not None:
            return organization_scope(organization)
    raise Http404
