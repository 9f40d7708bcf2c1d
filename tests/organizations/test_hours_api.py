"""``GET /api/v1/organizations/{slug}`` tells when the organization is open."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from organizations.models import Closure

from ..factories import (
    LIBRARY_WEEK,
    ClosureFactory,
    OrganizationFactory,
    give_hours,
    give_special_hours,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 12, 15, 12, tzinfo=BERLIN), tick=False):
        yield


@pytest.fixture
def library():
    library = OrganizationFactory(kind="library", slug="stadtbibliothek", opening_hours="Klingeln")
    give_hours(library, LIBRARY_WEEK)
    give_hours(
        library,
        {1: "10-13"},
        valid_from=datetime.date(2027, 8, 2),
        valid_until=datetime.date(2027, 9, 13),
        name="Sommer",
    )
    give_hours(
        library,
        {1: "8-9"},
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 1, 31),
        name="Vorbei",
    )
    give_special_hours(library, datetime.date(2026, 12, 24), "10-12", note="Heiligabend")
    ClosureFactory(
        organization=None,
        kind=Closure.Kind.PUBLIC_HOLIDAY,
        name="1. Weihnachtsfeiertag",
        start=datetime.date(2026, 12, 25),
        end=datetime.date(2026, 12, 26),
    )
    return library


def test_the_api_gives_weekly_hours_special_hours_and_closed_days(client, library):
    data = client.get("/api/v1/organizations/stadtbibliothek").json()
    assert data["opening_hours"] == "Klingeln"
    assert data["opening_hours_known"] is True
    regular, summer = data["weekly_hours"]
    assert regular["valid_from"] is None and regular["valid_until"] is None
    assert regular["intervals"][:2] == [
        {
            "weekday": 1,
            "day_of_week": "https://schema.org/Tuesday",
            "opens": "10:00",
            "closes": "13:00",
        },
        {
            "weekday": 1,
            "day_of_week": "https://schema.org/Tuesday",
            "opens": "14:00",
            "closes": "18:00",
        },
    ]
    assert summer["name"] == "Sommer" and summer["valid_until"] == "2027-09-13"
    assert data["special_hours"] == [
        {"day": "2026-12-24", "opens": "10:00", "closes": "12:00", "note": "Heiligabend"}
    ]
    assert {"day": "2026-12-25", "reason": "1. Weihnachtsfeiertag"} in data["closed_days"]


def test_an_organization_without_hours_says_they_are_not_known(client):
    OrganizationFactory(slug="ohne")
    data = client.get("/api/v1/organizations/ohne").json()
    assert data["opening_hours_known"] is False
    assert data["weekly_hours"] == [] and data["special_hours"] == []


def test_the_schema_declares_the_hours(client):
    schema = client.get("/api/v1/openapi.json").json()
    detail = schema["components"]["schemas"]["OrganizationDetailOut"]["properties"]
    assert {"weekly_hours", "special_hours", "closed_days", "opening_hours_known"} <= set(detail)


def test_the_api_runs_a_constant_number_of_queries(client, library, django_assert_max_num_queries):
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/organizations/stadtbibliothek")
    for n in range(20):
        give_special_hours(library, datetime.date(2027, 1, 10) + datetime.timedelta(n), "9-10")
        give_hours(
            library,
            {n % 7: "8-9"},
            valid_from=datetime.date(2027, 2, 1),
            valid_until=datetime.date(2027, 2, 2 + n),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/api/v1/organizations/stadtbibliothek")
