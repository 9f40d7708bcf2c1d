"""The access matrix's "known person" cases (issue #15): an organization reaches a person only
when the person did something there (a reservation, loan, enrolment, waiting place, accepted
agreement) or holds a membership there. Typing an exact email address at a library's desk
finds a resident who comes in person, and nobody else: no staff or teacher of another
organization, and nothing at a school. A library card is added only for someone the library
already knows, or in the same step as a first loan at its desk. Every door asks the same
rule: the desk's search and pages, the desk's API, and the privacy pages."""

from __future__ import annotations

import pytest
from django.utils.http import urlencode

from accounts.models import User
from accounts.services import create_api_token
from booking.models import Loan
from lending.models import LibraryCard
from organizations.models import Organization, Role
from organizations.people import known_people
from tests.factories import (
    DeviceFactory,
    LendingPoolFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


@pytest.fixture
def library(db):
    return OrganizationFactory(name="Stadtbibliothek", slug="sb", kind=Organization.Kind.LIBRARY)


@pytest.fixture
def school(db):
    return OrganizationFactory(name="Kronberg-Gymnasium", slug="krg")


@pytest.fixture
def librarian(library):
    return MembershipFactory(organization=library, role=Role.STAFF).user


@pytest.fixture
def school_staff(school):
    return MembershipFactory(organization=school, role=Role.STAFF).user


@pytest.fixture
def pool(library):
    return LendingPoolFactory(organization=library, name="Leih-Laptops")


@pytest.fixture
def laptop(pool):
    return DeviceFactory(pool=pool, asset_tag="SB-LAP-001")


@pytest.fixture
def newcomer(db):
    """A resident with nothing anywhere yet."""
    return UserFactory(name="Nora Neu", email="nora.neu@example.org")


@pytest.fixture
def foreign_teacher(db):
    """A teacher of another school, with nothing at the library."""
    user = UserFactory(name="Theo Fremdlehrer", email="theo@example.org")
    MembershipFactory(user=user, role=Role.TEACHER)
    return user


def desk(path: str, organization, **query) -> str:
    return f"{path}?{urlencode({'organization': organization.slug, **query})}"


# --- the one rule --------------------------------------------------------------------------


def test_known_people_are_those_who_did_something_there_or_are_members(
    library, school, librarian, newcomer, foreign_teacher, pool
):
    booker = ReservationFactory(pool=pool).user
    assert set(known_people(library)) == {librarian, booker}
    assert set(known_people(school)) == set()


# --- the desk's search by exact email ------------------------------------------------------


def test_a_library_finds_a_new_resident_by_exact_email(client, librarian, library, newcomer):
    client.force_login(librarian)
    html = client.get(desk("/desk/residents/", library, q="nora.neu@example.org")).content.decode()
    assert "Nora Neu" in html


def test_exact_email_does_not_reveal_a_teacher_of_another_organization(
    client, librarian, library, foreign_teacher
):
    client.force_login(librarian)
    response = client.get(desk("/desk/residents/", library, q="theo@example.org"))
    html = response.content.decode()
    assert "Theo" not in html and f"/desk/residents/{foreign_teacher.pk}/" not in html
    page = desk(f"/desk/residents/{foreign_teacher.pk}/", library, email="theo@example.org")
    assert client.get(page).status_code == 404


@pytest.mark.parametrize("who", ["region_admin", "site_staff"])
def test_exact_email_does_not_reveal_who_runs_the_site(client, librarian, library, who):
    person = UserFactory(
        name="Ada Admin",
        email="ada@example.org",
        is_region_admin=who == "region_admin",
        is_staff=who == "site_staff",
    )
    client.force_login(librarian)
    html = client.get(desk("/desk/residents/", library, q="ada@example.org")).content.decode()
    assert "Ada Admin" not in html and f"/desk/residents/{person.pk}/" not in html


def test_school_staff_never_find_residents(client, school_staff, school, newcomer, pool):
    ReservationFactory(pool=pool, user=newcomer)  # known to the library, not to the school
    client.force_login(school_staff)
    response = client.get(desk("/desk/residents/", school, q="nora.neu@example.org"))
    assert response.status_code == 404 or "Nora Neu" not in response.content.decode()
    page = desk(f"/desk/residents/{newcomer.pk}/", school, email="nora.neu@example.org")
    assert client.get(page).status_code == 404


# --- library cards -------------------------------------------------------------------------


def test_a_card_is_not_added_for_someone_the_library_does_not_know(
    client, librarian, library, newcomer
):
    client.force_login(librarian)
    response = client.post(
        f"/desk/residents/{newcomer.pk}/card/",
        {"organization": library.slug, "number": "SB-1", "email": newcomer.email},
    )
    assert response.status_code in (400, 404)
    assert not LibraryCard.objects.exists()
    assert newcomer not in known_people(library)


def test_a_card_is_created_in_the_same_step_as_a_first_loan(
    client, librarian, library, newcomer, pool, laptop
):
    client.force_login(librarian)
    response = client.post(
        f"/desk/residents/{newcomer.pk}/lend/",
        {
            "organization": library.slug,
            "email": newcomer.email,
            "pool": pool.pk,
            "scan": "SB-LAP-001",
            "card_number": " sb-77 ",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert LibraryCard.objects.get(user=newcomer, organization=library).number == "SB-77"
    assert Loan.objects.filter(borrower=newcomer).count() == 1


def test_a_card_of_a_known_person_is_still_set_and_changed(
    client, librarian, library, newcomer, pool
):
    ReservationFactory(pool=pool, user=newcomer)
    client.force_login(librarian)
    url = f"/desk/residents/{newcomer.pk}/card/"
    assert client.post(url, {"organization": library.slug, "number": "SB-1"}).status_code == 302
    assert LibraryCard.objects.get(user=newcomer).number == "SB-1"


# --- the desk's API ------------------------------------------------------------------------


def test_the_desk_api_lends_only_to_people_the_library_knows(
    client, librarian, library, newcomer, foreign_teacher, pool, laptop
):
    token = create_api_token(by=librarian, name="desk")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for person in (newcomer, foreign_teacher):
        response = client.post(
            "/api/v1/loans",
            {"pool_id": pool.pk, "borrower_id": person.pk, "devices": ["SB-LAP-001"]},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 404
    assert not Loan.objects.exists()


# --- the privacy pages ---------------------------------------------------------------------


def test_a_card_typed_by_another_organization_does_not_open_the_privacy_pages(
    client, librarian, library, school, school_staff, newcomer
):
    """Whatever staff of a school try at the desk, the person stays unknown to the school."""
    client.force_login(school_staff)
    client.post(
        f"/desk/residents/{newcomer.pk}/card/",
        {"organization": school.slug, "number": "X-1", "email": newcomer.email},
    )
    assert not LibraryCard.objects.exists()
    for suffix in ("", "data.json", "erase/"):
        page = f"/manage/privacy/people/{newcomer.pk}/{suffix}?organization={school.slug}"
        assert client.get(page).status_code == 404, suffix


def test_the_privacy_pages_reach_exactly_the_known_people(
    client, librarian, library, newcomer, foreign_teacher, pool
):
    known = ReservationFactory(pool=pool).user
    client.force_login(librarian)
    for person, status in ((known, 200), (newcomer, 404), (foreign_teacher, 404)):
        page = f"/manage/privacy/people/{person.pk}/?organization={library.slug}"
        assert client.get(page).status_code == status, person
    assert User.objects.filter(pk=newcomer.pk).exists()
