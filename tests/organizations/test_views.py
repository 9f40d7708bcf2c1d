from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import (
    CourseFactory,
    LessonPeriodFactory,
    LocationFactory,
    MeetingFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


def test_the_directory_lists_active_organizations_for_anyone(client):
    OrganizationFactory(name="Stadtbibliothek Aschaffenburg", kind="library")
    OrganizationFactory(name="Geschlossene Schule", is_active=False)
    response = client.get("/organizations/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Stadtbibliothek Aschaffenburg" in html
    assert "Geschlossene Schule" not in html


def test_the_directory_filters_by_kind_district_and_text(client):
    library = OrganizationFactory(
        name="Stadtbücherei Miltenberg", kind="library", city="Miltenberg"
    )
    OrganizationFactory(name="Grundschule Damm", kind="school")
    html = client.get("/organizations/", {"kind": "library"}).content.decode()
    assert "Stadtbücherei Miltenberg" in html and "Grundschule Damm" not in html
    html = client.get("/organizations/", {"district": library.district.slug}).content.decode()
    assert "Stadtbücherei Miltenberg" in html and "Grundschule Damm" not in html
    html = client.get("/organizations/", {"q": "miltenb"}).content.decode()
    assert "Stadtbücherei Miltenberg" in html and "Grundschule Damm" not in html


def test_htmx_gets_only_the_results(client):
    OrganizationFactory(name="Grundschule Damm")
    response = client.get("/organizations/", {"q": "Damm"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="results"' in html
    assert "<html" not in html
    assert "Grundschule Damm" in html


def test_a_bad_filter_value_still_shows_the_page_with_an_error(client):
    OrganizationFactory(name="Grundschule Damm")
    response = client.get("/organizations/", {"kind": "castle"})
    assert response.status_code == 200
    assert "Grundschule Damm" in response.content.decode()
    assert "castle" in response.content.decode()  # named in the field's error message


def test_the_directory_paginates(client):
    OrganizationFactory.create_batch(30)
    html = client.get("/organizations/").content.decode()
    assert "Seite 1 von 2" in html
    assert client.get("/organizations/", {"page": 2}).status_code == 200


def test_the_directory_needs_a_safe_method(client):
    assert client.post("/organizations/").status_code == 405


@pytest.mark.parametrize("rows", [3, 300])
def test_the_directory_runs_a_constant_number_of_queries(
    client, rows, django_assert_max_num_queries
):
    OrganizationFactory.create_batch(rows)
    with django_assert_max_num_queries(5):
        assert client.get("/organizations/").status_code == 200


def test_an_organization_page_shows_contact_and_locations(client):
    organization = OrganizationFactory(phone="06021 330-0", email="info@example.org")
    LocationFactory(organization=organization, name="Medienraum", step_free=True)
    html = client.get(organization.get_absolute_url()).content.decode()
    assert "06021 330-0" in html and "Medienraum" in html and "stufenlos" in html


def test_an_unknown_or_inactive_organization_is_404(client):
    hidden = OrganizationFactory(is_active=False)
    assert client.get("/organizations/nowhere/").status_code == 404
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_only_admins_see_the_lesson_periods(client, organization, org_admin, teacher, outsider):
    LessonPeriodFactory(organization=organization, name="3. Stunde")
    for user, sees in [(org_admin, True), (teacher, False), (outsider, False)]:
        client.force_login(user)
        assert ("3. Stunde" in client.get(organization.get_absolute_url()).content.decode()) is sees


def test_a_member_sees_their_role(client, organization, teacher):
    client.force_login(teacher)
    html = client.get(organization.get_absolute_url()).content.decode()
    assert "Ihre Rolle hier: Lehrkraft" in html


@pytest.mark.parametrize("rows", [3, 300])
def test_an_organization_page_runs_a_constant_number_of_queries(
    client, organization, org_admin, rows, django_assert_max_num_queries
):
    for number in range(rows):
        LocationFactory(organization=organization)
    LessonPeriodFactory.create_batch(8, organization=organization)
    client.force_login(org_admin)
    # 10, and 6 for the opening hours: whether the person keeps them, the calendar's four
    # queries (weekly hours, their intervals, special hours, closures) and the special hours'
    # notes.
    with django_assert_max_num_queries(16):
        assert client.get(organization.get_absolute_url()).status_code == 200


def test_an_organization_page_links_to_its_courses_in_the_catalog_with_their_number(client):
    provider = OrganizationFactory(kind="adult_education", slug="vhs-aschaffenburg")
    for _number in range(3):
        MeetingFactory(course=CourseFactory(organization=provider))
    over = CourseFactory(organization=provider)
    MeetingFactory(course=over, start=timezone.now() - datetime.timedelta(days=3))
    CourseFactory(organization=provider, status="draft")

    html = client.get(provider.get_absolute_url()).content.decode()

    assert '<a class="kern-link" href="/courses/?organization=vhs-aschaffenburg">3 Kurse' in html
    catalog = client.get("/courses/?organization=vhs-aschaffenburg").content.decode()
    assert "3 Kurse" in catalog


def test_the_course_link_is_translated(client, english_pages):
    provider = OrganizationFactory(kind="adult_education", slug="vhs")
    MeetingFactory(course=CourseFactory(organization=provider))

    html = client.get(provider.get_absolute_url()).content.decode()

    assert 'href="/courses/?organization=vhs">1 course in the catalog</a>' in html


def test_an_organization_without_courses_ahead_has_no_course_link(client):
    school = OrganizationFactory(kind="school")
    over = CourseFactory(organization=school)
    MeetingFactory(course=over, start=timezone.now() - datetime.timedelta(days=3))

    html = client.get(school.get_absolute_url()).content.decode()

    assert "/courses/?organization=" not in html


def test_the_kept_organization_page_counts_a_course_published_since(client):
    provider = OrganizationFactory(kind="adult_education", slug="vhs")
    MeetingFactory(course=CourseFactory(organization=provider))
    assert "1 Kurs im Kursangebot" in client.get(provider.get_absolute_url()).content.decode()

    MeetingFactory(course=CourseFactory(organization=provider))

    assert "2 Kurse im Kursangebot" in client.get(provider.get_absolute_url()).content.decode()
