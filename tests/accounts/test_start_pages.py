"""Each person lands on what they do most after logging in (config.start_views), and the
main navigation has at most six top-level items for every role (config.navigation)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from organizations.models import Role
from tests.factories import (
    CourseFactory,
    DevicePoolFactory,
    EnrollmentFactory,
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_pool(organization):
    return DevicePoolFactory(organization=organization, name="iPad-Koffer 1")


@pytest.fixture
def provider(db):
    """Staff of an adult-education centre: courses, no devices."""
    centre = OrganizationFactory(name="vhs Aschaffenburg", kind="adult_education")
    return MembershipFactory(organization=centre, role=Role.STAFF).user


# --- Where the login leads -----------------------------------------------------------------


def _landing(client, response) -> str:
    """Where the login's redirect ends: LOGIN_REDIRECT_URL is the start page, which sends
    each role on to its own page."""
    assert response.url == reverse("start")
    followed = client.get(response.url)
    return followed.url if followed.status_code == 302 else response.url


def test_a_teacher_lands_on_their_bookings_with_the_button_to_book(client, sign_in, teacher):
    landing = _landing(client, sign_in(teacher))

    assert landing == reverse("booking:my_bookings")
    page = client.get(landing).content.decode()
    assert "Gerät buchen" in page


def test_staff_of_a_school_land_on_the_desk(client, sign_in, staff, school_pool):
    assert _landing(client, sign_in(staff)) == reverse("booking:desk")


def test_a_course_provider_lands_on_their_courses(client, sign_in, provider):
    assert _landing(client, sign_in(provider)) == reverse("provide:courses")


def test_a_centre_with_a_course_set_still_sends_its_staff_to_their_courses(
    client, sign_in, provider
):
    centre = provider.memberships.get().organization
    DevicePoolFactory(organization=centre, name="Kurs-Laptops")

    assert _landing(client, sign_in(provider)) == reverse("provide:courses")


def test_an_admin_lands_on_the_overview_with_last_months_report(
    client, sign_in, org_admin, organization
):
    landing = _landing(client, sign_in(org_admin))

    assert landing == reverse("start")
    page = client.get(landing).content.decode()
    assert organization.name in page
    assert "scope=org:kronberg-gymnasium" in page
    assert re.search(r"Bericht für \w+ \d{4}", page)


def test_a_resident_lands_on_loans_courses_and_whats_new(client, sign_in, resident):
    course = CourseFactory(title="Videotelefonie mit der Familie")
    MeetingFactory(course=course)
    EnrollmentFactory(course=course, user=resident)
    fresh = CourseFactory(title="Online-Banking sicher nutzen")
    MeetingFactory(course=fresh)

    landing = _landing(client, sign_in(resident))

    assert landing == reverse("start")
    page = client.get(landing).content.decode()
    assert "Meine Ausleihen" in page
    assert "Videotelefonie mit der Familie" in page
    assert "Online-Banking sicher nutzen" in page


def test_a_next_parameter_still_wins(client, password, teacher):
    response = client.post(
        "/accounts/login/?next=/courses/",
        {"login": teacher.email, "password": password, "next": "/courses/"},
    )
    assert response.status_code == 302
    assert response.url == "/courses/"


def test_the_home_page_stays_the_same_for_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Mitmachen" in response.content.decode()


def test_a_visitor_asking_for_the_start_page_is_asked_to_log_in(client):
    response = client.get(reverse("start"))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_start_page_refuses_a_post(client, resident):
    client.force_login(resident)
    assert client.post(reverse("start")).status_code == 405


@pytest.mark.parametrize("rows", [1, 12])
def test_the_admin_overview_costs_the_same_queries_for_many_organizations(
    client, region_admin, django_assert_max_num_queries, rows
):
    for number in range(rows):
        OrganizationFactory(name=f"Schule {number}")
    client.force_login(region_admin)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("start")).status_code == 200


@pytest.mark.parametrize("rows", [1, 10])
def test_the_resident_start_costs_the_same_queries_for_many_courses(
    client, resident, django_assert_max_num_queries, rows
):
    for _number in range(rows):
        course = CourseFactory()
        MeetingFactory(course=course)
        EnrollmentFactory(course=course, user=resident)
    client.force_login(resident)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("start")).status_code == 200


# --- The navigation ------------------------------------------------------------------------

TOP_LEVEL = re.compile(r'<ul class="site-nav__items">(.*?)</ul>\s*</details>\s*</nav>', re.S)


def _top_level_items(html: str) -> list[str]:
    """The top-level items of the main navigation: the <li> directly in its list."""
    inner = TOP_LEVEL.search(html).group(1)
    items, depth = [], 0
    for tag in re.finditer(r"<(/?)(li|ul)\b[^>]*>", inner):
        closing, name = tag.group(1), tag.group(2)
        if name == "ul":
            depth += -1 if closing else 1
        elif name == "li" and not closing and depth == 0:
            items.append(inner[tag.end() : tag.end() + 200])
    return items


@pytest.mark.parametrize(
    "person", ["visitor", "resident", "teacher", "staff", "org_admin", "region_admin", "both"]
)
def test_no_role_sees_more_than_six_top_level_items(client, request, person, organization):
    if person == "both":
        user = request.getfixturevalue("org_admin")
        MembershipFactory(user=user, organization=organization, role=Role.STAFF)
        MembershipFactory(user=user, organization=organization, role=Role.TEACHER)
        user.is_staff = True
        user.save()
        client.force_login(user)
    elif person != "visitor":
        client.force_login(request.getfixturevalue(person))

    items = _top_level_items(client.get("/organizations/").content.decode())

    assert 3 <= len(items) <= 6, items


def test_management_pages_are_grouped_under_one_item(client, org_admin):
    client.force_login(org_admin)
    page = client.get("/").content.decode()

    group = re.search(r'data-nav-group="manage">(.*?)</details>', page, re.S).group(1)
    for label in ("Inventar", "Mitglieder", "Protokoll", "Berichte", "Datenanfragen"):
        assert f">{label}<" in group, label


def test_the_current_section_is_marked(client, teacher, school_pool):
    reservation = ReservationFactory(pool=school_pool, user=teacher)
    client.force_login(teacher)

    page = client.get(reverse("booking:reservation_detail", args=[reservation.pk])).content
    page = page.decode()

    assert re.search(r'href="/bookings/" aria-current="true">Meine Buchungen<', page)
    assert re.search(r'<summary aria-current="true">', page)
    on_list = client.get(reverse("booking:my_bookings")).content.decode()
    assert re.search(r'href="/bookings/" aria-current="page">Meine Buchungen<', on_list)


def test_a_phone_gets_one_menu_button_that_works_without_javascript(client):
    page = client.get("/").content.decode()
    menu = r'<details class="site-menu[^"]*">\s*<summary class="site-menu__button">'
    assert re.search(menu, page)
