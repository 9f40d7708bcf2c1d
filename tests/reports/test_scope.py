"""Who may report on what: org admins on their organizations, region admins on anything."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from organizations.models import Organization, Role
from reports.scope import allowed_scopes, default_scope, parse_scope
from tests.factories import DistrictFactory, MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


@pytest.mark.parametrize("person", ["teacher", "staff", "resident"])
def test_people_without_admin_role_get_no_scope_and_404(request, organization, person):
    user = request.getfixturevalue(person)

    assert allowed_scopes(user) == []
    assert default_scope(user) is None
    for key in ("org:kronberg-gymnasium", "region", f"district:{organization.district.slug}"):
        with pytest.raises(Http404):
            parse_scope(key, user)


def test_anonymous_gets_nothing(organization):
    assert allowed_scopes(AnonymousUser()) == []
    with pytest.raises(Http404):
        parse_scope("org:kronberg-gymnasium", AnonymousUser())


def test_org_admin_reports_on_their_organization_only(org_admin, organization, other_organization):
    scopes = allowed_scopes(org_admin)

    assert [(scope.key, scope.label) for scope in scopes] == [
        ("org:kronberg-gymnasium", "Kronberg-Gymnasium")
    ]
    scope = parse_scope("org:kronberg-gymnasium", org_admin)
    assert scope == scopes[0] == default_scope(org_admin)
    assert list(scope.organizations()) == [organization]
    for key in (
        "org:stadtbuecherei-miltenberg",
        "region",
        f"district:{organization.district.slug}",
    ):
        with pytest.raises(Http404):
            parse_scope(key, org_admin)


def test_admin_of_another_organization_gets_404(outsider, organization):
    with pytest.raises(Http404):
        parse_scope("org:kronberg-gymnasium", outsider)
    assert [scope.key for scope in allowed_scopes(outsider)] == ["org:stadtbuecherei-miltenberg"]


def test_an_admin_of_two_sees_both(org_admin, other_organization):
    MembershipFactory(user=org_admin, organization=other_organization, role=Role.ORG_ADMIN)

    assert [scope.key for scope in allowed_scopes(org_admin)] == [
        "org:kronberg-gymnasium",
        "org:stadtbuecherei-miltenberg",
    ]


def test_region_admin_sees_region_districts_and_organizations(
    region_admin, organization, other_organization, django_assert_max_num_queries
):
    district = DistrictFactory(name="Landkreis Miltenberg", slug="miltenberg")
    OrganizationFactory(name="Grundschule Amorbach", slug="gs-amorbach", district=district)
    OrganizationFactory(name="Mittelschule Amorbach", slug="ms-amorbach", district=district)

    with django_assert_max_num_queries(2):
        scopes = allowed_scopes(region_admin)

    keys = [scope.key for scope in scopes]
    assert keys[0] == "region"
    assert scopes[0].label == "Whole region"
    assert "district:miltenberg" in keys
    assert {"org:kronberg-gymnasium", "org:stadtbuecherei-miltenberg", "org:gs-amorbach"} <= set(
        keys
    )
    assert len(keys) == 1 + 3 + 4
    assert default_scope(region_admin).key == "region"
    for scope in scopes:
        assert parse_scope(scope.key, region_admin) == scope

    amorbach = parse_scope("district:miltenberg", region_admin)
    assert sorted(amorbach.organizations().values_list("slug", flat=True)) == [
        "gs-amorbach",
        "ms-amorbach",
    ]
    assert (
        parse_scope("region", region_admin).organizations().count() == Organization.objects.count()
    )


@pytest.mark.parametrize(
    "key",
    [
        "",
        "org:",
        "org:nowhere",
        "district:nowhere",
        "everything",
        "org:kronberg-gymnasium:x",
        "org:\x00\xff",
        "district:\x00",
        "org:" + "x" * 500,
    ],
)
def test_unknown_scopes_are_404(region_admin, organization, key, django_assert_max_num_queries):
    with django_assert_max_num_queries(1), pytest.raises(Http404):
        parse_scope(key, region_admin)
