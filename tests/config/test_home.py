from __future__ import annotations

import pytest

from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_home_counts_the_organizations_by_kind(client):
    OrganizationFactory.create_batch(2, kind="library")
    OrganizationFactory(kind="school")
    html = client.get("/").content.decode()
    assert "Registrieren" in html
    assert html.count('class="kern-number') == 4


def test_home_greets_a_member_with_their_roles(client, teacher, organization):
    client.force_login(teacher)
    html = client.get("/").content.decode()
    assert f"Hallo, {teacher.name}" in html
    assert "Lehrkraft" in html and organization.name in html


@pytest.mark.parametrize("roles", [3, 30])
def test_home_runs_a_constant_number_of_queries(
    client, teacher, roles, django_assert_max_num_queries
):
    for _ in range(roles):
        MembershipFactory(user=teacher)
    client.force_login(teacher)
    with django_assert_max_num_queries(8):
        assert client.get("/").status_code == 200


def test_home_rejects_post(client):
    assert client.post("/").status_code == 405


def test_home_counts_use_the_plural_in_german(client):
    OrganizationFactory.create_batch(2, kind="library")
    OrganizationFactory(kind="school")
    client.cookies["django_language"] = "de"
    html = client.get("/").content.decode()
    assert '>2</p><p class="kern-body">Bibliotheken<' in html
    assert '>1</p><p class="kern-body">Schule<' in html
    assert '>0</p><p class="kern-body">Volkshochschulen<' in html


def test_home_counts_use_the_plural_in_english(client):
    OrganizationFactory.create_batch(2, kind="library")
    OrganizationFactory(kind="school")
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert '>2</p><p class="kern-body">Libraries<' in html
    assert '>1</p><p class="kern-body">School<' in html
    assert '>0</p><p class="kern-body">Other providers<' in html
