from __future__ import annotations

import datetime
import re
from typing import Annotated

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.timezone import localdate
from ninja import Field, Path, Query, Router, Schema

from core.api import Error, ValidationErrors

from .hours_display import published_hours
from .models import Organization, Weekday

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
    opening_hours: str = Field(
        ..., description="Notes on opening hours: what the opening hours data cannot say."
    )


class IntervalOut(Schema):
    weekday: int = Field(..., ge=0, le=6, description="0 = Monday … 6 = Sunday")
    day_of_week: str = Field(..., description="schema.org day, e.g. https://schema.org/Tuesday")
    opens: str = Field(..., examples=["10:00"])
    closes: str = Field(..., examples=["13:00"])


class WeeklyHoursOut(Schema):
    name: str
    valid_from: datetime.date | None = Field(None, description="Empty: since ever")
    valid_until: datetime.date | None = Field(None, description="The last day; empty: open end")
    intervals: list[IntervalOut] = Field(
        ..., description="A weekday without intervals is closed (when these hours apply)."
    )


class SpecialHoursOut(Schema):
    day: datetime.date
    opens: str
    closes: str
    note: str


class ClosedDayOut(Schema):
    day: datetime.date
    reason: str


class OrganizationDetailOut(OrganizationOut):
    opening_hours_known: bool = Field(
        ..., description="False: no opening hours on record, every day not closed counts open."
    )
    weekly_hours: list[WeeklyHoursOut] = Field(
        ...,
        description="Weekly hours that have not ended; on a day the narrowest range holding "
        "it applies (summer hours over the all-year hours).",
    )
    special_hours: list[SpecialHoursOut] = Field(
        ...,
        alias="published_special_hours",
        description="One-off hours from today on; they replace everything else that day.",
    )
    closed_days: list[ClosedDayOut] = Field(
        ..., description="Holidays and closure days of the next four weeks."
    )


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
    response={200: OrganizationDetailOut, 404: Error, 422: ValidationErrors},
    auth=None,
)
def get_organization(request: HttpRequest, slug: Path[Annotated[str, Field(max_length=80)]]):
    """One organization with its opening hours (weekly, special, closed days)."""
    if not re.fullmatch(SLUG, slug) or len(slug) > 80:
        raise Http404
    organization = get_object_or_404(
        Organization.objects.public().select_related("district"), slug=slug
    )
    hours = published_hours(organization, localdate())
    organization.opening_hours_known = hours.known
    organization.weekly_hours = [
        {
            "name": schedule.name,
            "valid_from": schedule.valid_from,
            "valid_until": schedule.valid_until,
            "intervals": [
                {
                    "weekday": interval.weekday,
                    "day_of_week": f"https://schema.org/{Weekday(interval.weekday).name.title()}",
                    "opens": f"{interval.opens:%H:%M}",
                    "closes": f"{interval.closes:%H:%M}",
                }
                for interval in schedule.intervals.all()
            ],
        }
        for schedule in hours.schedules
    ]
    organization.published_special_hours = [
        {"day": s.day, "opens": f"{s.opens:%H:%M}", "closes": f"{s.closes:%H:%M}", "note": s.note}
        for s in hours.special
    ]
    organization.closed_days = [{"day": day, "reason": reason} for day, reason in hours.closed]
    return organization
