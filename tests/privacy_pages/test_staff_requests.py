"""Staff answering a person's request: find them among the people their organization knows,
download their data on their behalf, erase them. Role holders only by a region admin;
people of other organizations are a 404; everything is logged with staff as the actor."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.utils.http import urlencode

from accounts.models import AuditLog, User
from tests.factories import LibraryCardFactory, ReservationFactory, UserFactory

from .conftest import after_the_grace_period, asked, lend, reauthenticated

pytestmark = pytest.mark.django_db

INDEX = "/manage/privacy/"


def url(path: str, organization=None, **query) -> str:
    if organization is not None:
        query = {"organization": organization.slug, **query}
    return f"{path}?{urlencode(query)}" if query else path


def person_url(person, suffix: str = "") -> str:
    return f"{INDEX}people/{person.pk}/{suffix}"


@pytest.fixture
def known(erika, library):
    """Erika has a library card at the library: the library knows her."""
    LibraryCardFactory(user=erika, organization=library, number="SB00012345")
    return erika


@pytest.fixture
def stranger(other_organization):
    """Known to another organization only."""
    person = UserFactory(name="Fritz Fremd", email="fritz.fremd@example.org")
    LibraryCardFactory(user=person, organization=other_organization)
    return person


# --- finding the person --------------------------------------------------------------------


@pytest.mark.parametrize("query", ["musterm", "ERIKA.MUSTERMANN@example"])
def test_staff_find_a_known_person_by_part_of_name_or_email(
    client, librarian, library, known, query
):
    client.force_login(librarian)
    response = client.get(url(INDEX, library, q=query))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Erika Mustermann" in html and person_url(known) in html


def test_people_the_organization_does_not_know_are_not_found(
    client, librarian, library, known, stranger
):
    client.force_login(librarian)
    html = client.get(url(INDEX, library, q="example.org")).content.decode()
    assert known.email in html
    assert stranger.email not in html and "Fritz Fremd" not in html


def test_a_region_admin_finds_every_account(client, region_admin, stranger):
    lonely = UserFactory(name="Lotte Allein")
    client.force_login(region_admin)
    html = client.get(url(INDEX, q="Allein")).content.decode()
    assert "Lotte Allein" in html and person_url(lonely) in html


@pytest.mark.parametrize("query", ["", "   ", "x" * 151])
def test_a_bad_search_is_a_400_with_a_message(client, librarian, library, known, query):
    client.force_login(librarian)
    response = client.get(url(INDEX, library, q=query))
    assert response.status_code == 400
    assert 'class="kern-error"' in response.content.decode()


def test_the_page_without_a_search_shows_the_field(client, librarian, library):
    client.force_login(librarian)
    response = client.get(url(INDEX, library))
    assert response.status_code == 200 and 'name="q"' in response.content.decode()


@pytest.mark.parametrize("who", ["resident", "teacher"])
def test_people_who_manage_nothing_get_404(client, request, who, known):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(INDEX, q="Erika")).status_code == 404
    assert client.get(person_url(known)).status_code == 404


def test_an_organization_one_does_not_manage_is_a_404(client, librarian, other_organization):
    client.force_login(librarian)
    assert client.get(url(INDEX, other_organization)).status_code == 404


def test_logged_out_people_are_sent_to_log_in(client, known):
    for path in (INDEX, person_url(known), person_url(known, "data.json")):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- a person's page and their data ----------------------------------------------------------


def test_the_persons_page_shows_what_is_stored(client, librarian, library, known):
    client.force_login(librarian)
    response = client.get(url(person_url(known), library))
    assert response.status_code == 200
    html = response.content.decode()
    assert known.email in html
    # The summary lists only sections that hold something: her one library card is there.
    assert re.search(r'<th scope="row"[^>]*>Library cards</th>\s*<td[^>]*>1</td>', html), html
    assert url(person_url(known, "data.json"), library) in html
    assert url(person_url(known, "erase/"), library) in html


@pytest.mark.parametrize("suffix", ["", "data.json", "erase/"])
def test_a_person_of_another_organization_is_a_404(client, librarian, library, stranger, suffix):
    client.force_login(librarian)
    assert client.get(url(person_url(stranger, suffix), library)).status_code == 404
    assert not AuditLog.objects.filter(action="accounts.exported").exists()


@pytest.mark.parametrize("path", ["people/abc/", "people/-1/", "people/99999999999999999999/"])
def test_bad_ids_are_a_404(client, librarian, library, path):
    client.force_login(librarian)
    assert client.get(url(INDEX + path, library)).status_code == 404


def test_staff_download_the_persons_data_and_it_is_logged(client, librarian, library, known):
    client.force_login(librarian)

    response = client.get(url(person_url(known, "data.json"), library))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="lernpool-data-{known.pk}-'
    )
    data = json.loads(response.content)
    sections = {section["key"]: section for section in data["sections"]}
    assert sections["account"]["rows"][0]["email"] == known.email
    assert librarian.email not in response.content.decode()
    entry = AuditLog.objects.get(action="accounts.exported")
    assert (entry.actor, entry.target_id, entry.data) == (
        librarian,
        str(known.pk),
        {"on_behalf": True},
    )


def test_the_wrong_method_gets_405(client, librarian, library, known):
    client.force_login(librarian)
    assert client.post(url(INDEX, library)).status_code == 405
    assert client.post(url(person_url(known), library)).status_code == 405
    assert client.post(url(person_url(known, "data.json"), library)).status_code == 405


# --- erasing -------------------------------------------------------------------------------


def test_the_erase_page_shows_the_summary_and_the_form(client, librarian, library, known):
    client.force_login(librarian)
    response = client.get(url(person_url(known, "erase/"), library))
    assert response.status_code == 200
    html = response.content.decode()
    assert "What is erased" in html and 'name="confirm"' in html


def test_staff_erase_a_person_on_request(client, librarian, library, known):
    pk, email = known.pk, known.email
    reauthenticated(client, librarian)

    response = client.post(person_url(known, "erase/"), {"organization": library.slug, **asked()})

    assert response.status_code == 302
    assert response["Location"] == url(person_url(known), library)
    assert User.objects.filter(pk=librarian.pk).exists()
    assert "_auth_user_id" in client.session  # staff stay logged in
    after_the_grace_period()
    assert not User.objects.filter(pk=pk).exists()
    message = mail.outbox[-1]
    assert message.to == [email]
    assert library.name in message.body
    entry = AuditLog.objects.get(action="accounts.erased")
    assert (entry.actor, entry.target_id) == (librarian, str(pk))


def test_erasing_without_the_tick_is_a_400_and_changes_nothing(client, librarian, library, known):
    reauthenticated(client, librarian)
    response = client.post(person_url(known, "erase/"), {"organization": library.slug})
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert User.objects.filter(pk=known.pk).exists() and not mail.outbox


def test_erasing_without_a_recent_password_asks_for_it(client, librarian, library, known):
    reauthenticated(client, librarian, seconds_ago=3600)
    response = client.post(
        person_url(known, "erase/"), {"organization": library.slug, "confirm": "on"}
    )
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/reauthenticate/"
    )
    assert User.objects.filter(pk=known.pk).exists()


def test_an_open_loan_blocks_the_erasure(client, librarian, library, known, lending_pool):
    lend(lending_pool, known, asset_tag="SB-LAP-042")
    reauthenticated(client, librarian)
    response = client.post(person_url(known, "erase/"), {"organization": library.slug, **asked()})
    assert response.status_code == 400
    assert "SB-LAP-042" in response.content.decode()
    assert User.objects.filter(pk=known.pk).exists() and not mail.outbox


def test_a_role_holder_is_erased_only_by_a_region_admin(
    client, librarian, library, library_teacher, region_admin
):
    reauthenticated(client, librarian)
    page = client.get(url(person_url(library_teacher, "erase/"), library))
    post = client.post(
        person_url(library_teacher, "erase/"), {"organization": library.slug, "confirm": "on"}
    )
    assert page.status_code == post.status_code == 403
    assert "Only a region administrator may delete it." in post.content.decode()
    assert User.objects.filter(pk=library_teacher.pk).exists()

    reauthenticated(client, region_admin)
    response = client.post(person_url(library_teacher, "erase/"), asked())
    assert response.status_code == 302
    after_the_grace_period()
    assert not User.objects.filter(pk=library_teacher.pk).exists()
    entry = AuditLog.objects.get(action="accounts.erased")
    assert entry.actor == region_admin


@pytest.mark.parametrize("flag", ["is_staff", "is_region_admin"])
def test_staff_cannot_erase_site_staff_or_region_admins(client, librarian, library, known, flag):
    setattr(known, flag, True)
    known.save()
    reauthenticated(client, librarian)
    response = client.post(
        person_url(known, "erase/"), {"organization": library.slug, "confirm": "on"}
    )
    assert response.status_code == 403
    assert User.objects.filter(pk=known.pk).exists()


def test_nobody_erases_themselves_here(client, region_admin):
    reauthenticated(client, region_admin)
    response = client.post(person_url(region_admin, "erase/"), {"confirm": "on"})
    assert response.status_code == 403
    assert User.objects.filter(pk=region_admin.pk).exists()


# --- queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 25])  # the search shows 30 at most
def test_the_pages_run_a_constant_number_of_queries(
    client, librarian, library, known, lending_pool, count, django_assert_max_num_queries
):
    from accounts import privacy

    for number in range(count):
        person = UserFactory(name=f"Erika Nummer {number}")
        ReservationFactory(user=person, pool=lending_pool)
        ReservationFactory(user=known, pool=lending_pool)
    client.force_login(librarian)
    budget = 2 * len(privacy.sections()) + 12
    with django_assert_max_num_queries(budget):
        response = client.get(url(INDEX, library, q="Erika"))
    assert response.content.decode().count(f"{INDEX}people/") == count + 1
    for path in (person_url(known), person_url(known, "erase/"), person_url(known, "data.json")):
        with django_assert_max_num_queries(3 * len(privacy.sections()) + 12):
            assert client.get(url(path, library)).status_code == 200
