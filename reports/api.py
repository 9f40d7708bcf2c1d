"""Open data: anonymised statistics per organization and month (``reports.opendata``)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from core.api import ValidationErrors
from core.throttling import open_data_throttles

from . import opendata

router = Router(tags=["statistics"])

# A count of people's actions from 1 to 4 is published as this string.
PublicCount = int | Literal["< 5"]


class LicenseOut(Schema):
    name: str
    url: str


class PeriodOut(Schema):
    key: str = Field(..., description="As given in ?period=, e.g. 2026-11, 2026, sy2025.")
    label: str
    first_day: str = Field(..., description="ISO 8601 date.")
    last_day: str = Field(..., description="ISO 8601 date.")


class ScopeOut(Schema):
    key: str = Field(..., description="region, district:<short name> or org:<short name>")
    label: str


class OrganizationRef(Schema):
    id: int
    name: str
    kind: str = Field(..., description="school, library, adult_education or other")
    district: str


class StatisticsRowOut(Schema):
    organization: OrganizationRef
    month: str = Field(..., description="YYYY-MM, a calendar month in Europe/Berlin.")
    devices_in_service: int = Field(..., description="Devices owned and in service.")
    utilization: int | None = Field(
        ...,
        description="Reserved ÷ available device-hours in whole per cent; null when no "
        "device-hours were available.",
    )
    bookings: PublicCount = Field(
        ..., description="Confirmed bookings by teachers and staff starting in the month."
    )
    loans: PublicCount = Field(..., description="Devices lent to residents, handed out.")
    courses: int = Field(..., description="Courses (published or cancelled) meeting in the month.")
    meetings: int = Field(..., description="Meetings held of published courses.")
    enrolments: PublicCount = Field(
        ..., description="Confirmed enrolments in the courses meeting in the month."
    )
    attendance: int | None = Field(
        ...,
        description="Present ÷ expected at the meetings held, in whole per cent; null when "
        "none were held or fewer than 5 people were enrolled.",
    )


class StatisticsOut(Schema):
    license: LicenseOut
    period: PeriodOut
    scope: ScopeOut
    rows: list[StatisticsRowOut]


class StatisticsQuery(Schema):
    period: str = Field(
        opendata.DEFAULT_PERIOD,
        max_length=40,
        description="2026-11 (month), 2026 (year), sy2025 (school year), term2025-1 (term) or "
        "2026-01-01..2026-03-31 (widened to whole months); at most 24 months. Without it: "
        "the current year.",
    )
    scope: str = Field(
        "region", max_length=120, description="region, district:<short name> or org:<short name>"
    )


def statistics_out(statistics: opendata.Statistics) -> dict:
    period, scope = statistics.period, statistics.scope
    return {
        "license": statistics.license,
        "period": {
            "key": period.key,
            "label": period.label,
            "first_day": period.start.isoformat(),
            "last_day": period.last_day.isoformat(),
        },
        "scope": {"key": scope.key, "label": scope.label},
        "rows": [
            {
                "organization": {
                    "id": row.organization_id,
                    "name": row.organization,
                    "kind": row.organization_kind,
                    "district": row.district,
                },
                "month": row.month_key,
                "devices_in_service": row.devices_in_service,
                "utilization": row.utilization,
                "bookings": row.bookings,
                "loans": row.loans,
                "courses": row.courses,
                "meetings": row.meetings,
                "enrolments": row.enrolments,
                "attendance": row.attendance,
            }
            for row in statistics.rows
        ],
    }


@router.get(
    "/statistics",
    response={200: StatisticsOut, 422: ValidationErrors},
    auth=None,
    throttle=open_data_throttles(),
)
def statistics(request: HttpRequest, query: Query[StatisticsQuery]):
    """Anonymised usage statistics per organization and month (open data, no personal data).

    Counts of bookings, loans and enrolments from 1 to 4 are given as "< 5", so that nobody
    can be singled out; devices, utilization, courses and meetings are exact. The licence is
    in the response."""
    try:
        period = opendata.public_period(query.period)
        scope = opendata.public_scope(query.scope)
    except ValueError as error:
        return Status(422, {"detail": str(error)})
    return Status(200, statistics_out(opendata.cached_statistics(scope=scope, period=period)))
