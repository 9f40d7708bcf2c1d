"""GET /api/v1/statistics: the open-data statistics as JSON, with the licence (public)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reports import opendata

from . import test_opendata
from .test_opendata import FEBRUARY, _organizations_with_bookings

# The same small world as the CSV's tests.
school = test_opendata.school
library = test_opendata.library

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_default")]

URL = "/api/v1/statistics"


def test_it_returns_rows_per_organization_and_month_with_the_licence(client, school, library):
    response = client.get(URL, {"period": "2026-02", "scope": "region"})
    assert response.status_code == 200
    body = response.json()
    assert body["license"] == {
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert body["period"] == {
        "key": "2026-02",
        "label": body["period"]["label"],
        "first_day": "2026-02-01",
        "last_day": "2026-02-28",
    }
    assert body["scope"]["key"] == "region"
    by_name = {row["organization"]["name"]: row for row in body["rows"]}
    assert by_name["Kronberg-Gymnasium"] == {
        "organization": {
            "id": school.pk,
            "name": "Kronberg-Gymnasium",
            "kind": "school",
            "district": school.district.name,
        },
        "month": "2026-02",
        "devices_in_service": 3,
        "utilization": by_name["Kronberg-Gymnasium"]["utilization"],
        "bookings": 6,
        "loans": 0,
        "courses": 1,
        "meetings": 1,
        "enrolments": 0,
        "attendance": None,
    }
    assert isinstance(by_name["Kronberg-Gymnasium"]["utilization"], int)
    assert by_name["Stadtbibliothek Miltenberg"]["loans"] == "< 5"
    assert by_name["Stadtbibliothek Miltenberg"]["enrolments"] == 8
    assert by_name["Stadtbibliothek Miltenberg"]["attendance"] is None  # 3 absences: left out


def test_the_csv_has_the_same_rows(client, school, library):
    api_rows = client.get(URL, {"period": "2026-02"}).json()["rows"]
    lines = client.get("/opendata/statistics.csv", {"period": "2026-02"}).content.decode()
    csv_rows = lines.strip().split("\r\n")[1:]
    assert len(csv_rows) == len(api_rows) == 2
    for line, row in zip(csv_rows, api_rows, strict=True):
        assert line.startswith(f"{row['organization']['id']},")
        assert f",{row['month']},{row['devices_in_service']}," in line


def test_a_district_or_an_organization_narrows_it(client, school, library):
    def names(scope):
        response = client.get(URL, {"period": "2026-02", "scope": scope})
        assert response.status_code == 200, response.content
        return [row["organization"]["name"] for row in response.json()["rows"]]

    assert names("district:lk-miltenberg") == ["Stadtbibliothek Miltenberg"]
    assert names(f"org:{school.slug}") == ["Kronberg-Gymnasium"]
    assert sorted(names("region")) == ["Kronberg-Gymnasium", "Stadtbibliothek Miltenberg"]


def test_the_licence_comes_from_the_settings(client, school, settings):
    settings.LERNPOOL_OPEN_DATA_LICENSE = {"name": "DL-DE->Zero-2.0", "url": "https://x.example"}
    body = client.get(URL, {"period": "2026-02"}).json()
    assert body["license"] == {"name": "DL-DE->Zero-2.0", "url": "https://x.example"}


def test_it_names_no_person_and_needs_no_login(client, school, library, outsider):
    people = [e.user for course in library.courses.all() for e in course.enrollments.all()]
    client.force_login(outsider)
    content = client.get(URL, {"period": "2026-02"}).content.decode()
    for person in people:
        assert person.email not in content
        assert person.name not in content


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "2026-13"}, "not a valid period"),
        ({"period": "soon"}, "not a valid period"),
        ({"period": "2024-01-01..2026-01-01"}, "at most 24 months"),
        ({"period": "2026-02", "scope": "org:nowhere"}, "Unknown scope"),
        ({"period": "2026-02", "scope": "galaxy"}, "Unknown scope"),
    ],
)
def test_a_bad_period_or_scope_is_a_422_with_a_message(client, school, query, message):
    response = client.get(URL, query)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_without_a_period_it_is_this_year_and_a_too_long_parameter_is_a_422(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["period"]["key"] == str(timezone.localdate().year)
    assert client.get(URL, {"period": "2" * 41}).status_code == 422
    assert client.get(URL, {"period": "2026-02", "scope": "org:" + "a" * 200}).status_code == 422


def test_it_takes_only_get(client, school):
    assert client.post(URL + "?period=2026-02").status_code == 405
    assert client.delete(URL + "?period=2026-02").status_code == 405


def test_the_schema_says_small_counts_are_a_string_and_declares_422(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/statistics"]["get"]
    assert set(operation["responses"]) == {"200", "400", "414", "422", "429"}
    assert operation.get("security") in (None, [])
    row = schema["components"]["schemas"]["StatisticsRowOut"]["properties"]
    assert {"type": "integer"} in row["bookings"]["anyOf"]
    assert {"const": "< 5", "type": "string"} in row["bookings"]["anyOf"]


@pytest.mark.parametrize("count", [3, 30])
def test_the_queries_stay_the_same_for_3_and_30_organizations(
    client, count, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(opendata, "use_by_org_month", lambda ids, period: ({}, {}))
    _organizations_with_bookings(count)
    with django_assert_max_num_queries(10):
        response = client.get(URL, {"period": "2026-02"})
    assert len(response.json()["rows"]) == count
    assert FEBRUARY.isoformat().startswith(response.json()["rows"][0]["month"])


def test_the_rows_are_cached_but_the_licence_is_read_each_time(
    client, school, settings, django_assert_max_num_queries
):
    first = client.get(URL, {"period": "2026-02"}).json()
    settings.LERNPOOL_OPEN_DATA_LICENSE = {"name": "DL-DE->Zero-2.0", "url": "https://x.example"}
    with django_assert_max_num_queries(3):  # the scope and the session, no figures
        again = client.get(URL, {"period": "2026-02"}).json()
    assert again["rows"] == first["rows"]
    assert again["license"]["name"] == "DL-DE->Zero-2.0"
