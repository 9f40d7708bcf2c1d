"""The scoping helpers every later app copies: nobody reaches an organization without a role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from organizations.models import Membership, Organization, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_an_outsider_sees_nothing_of_an_organization(organization, outsider):
    assert organization not in Organization.objects.for_user(outsider)
    assert organization not in Organization.objects.managed_by(outsider)
    assert organization not in Organization.objects.administered_by(outsider)
    assert not Membership.objects.for_user(outsider).filter(organization=organization).exists()


def test_an_anonymous_visitor_is_scoped_to_nothing(organization):
    anonymous = AnonymousUser()
    assert not Organization.objects.for_user(anonymous).exists()
    assert not Organization.objects.managed_by(anonymous).exists()
    assert not Membership.objects.for_user(anonymous).exists()


def test_a_teacher_belongs_but_does_not_manage(organization, teacher):
    assert list(Organization.objects.for_user(teacher)) == [organization]
    assert not Organization.objects.managed_by(teacher).exists()
    assert not Organization.objects.administered_by(teacher).exists()


def test_staff_manage_but_do_not_administer(organization, staff):
    assert list(Organization.objects.managed_by(staff)) == [organization]
    assert not Organization.objects.administered_by(staff).exists()


def test_an_org_admin_sees_the_members_of_their_organization_only(
    organization, org_admin, teacher, outsider
):
    visible = Membership.objects.for_user(org_admin)
    assert {m.user for m in visible} == {org_admin, teacher}
    assert list(Organization.objects.administered_by(org_admin)) == [organization]


def test_a_teacher_sees_only_their_own_memberships(organization, teacher, staff):
    assert [m.user for m in Membership.objects.for_user(teacher)] == [teacher]


def test_a_person_with_roles_in_two_organizations_gets_each_scope_right(
    organization, other_organization, teacher
):
    MembershipFactory(user=teacher, organization=other_organization, role=Role.STAFF)
    assert set(Organization.objects.for_user(teacher)) == {organization, other_organization}
    assert list(Organization.objects.managed_by(teacher)) == [other_organization]


def test_two_roles_in_one_organization_list_it_once(organization, teacher):
    MembershipFactory(user=teacher, organization=organization, role=Role.STAFF)
    assert Organization.objects.for_user(teacher).count() == 1
    assert Organization.objects.managed_by(teacher).count() == 1


def test_a_region_admin_sees_every_organization(organization, other_organization, region_admin):
    assert Organization.objects.for_user(region_admin).count() == 2
    assert Organization.objects.administered_by(region_admin).count() == 2
