"""Members and roles (/manage/members/): who may see and change them, re-authentication before
every change, the last admin kept, every change logged with ids only."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from allauth.account import app_settings as allauth_account_settings
from django.core.exceptions import PermissionDenied

from accounts.models import AuditLog
from organizations import services
from organizations.models import Membership, Role
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.usefixtures("english_pages")

URL = "/manage/members/"


def reauthenticated(client, user, *, seconds_ago: float = 0) -> None:
    """What allauth's reauthenticate page leaves in the session (see
    allauth/account/internal/flows/reauthentication.py): a record with the time."""
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time() - seconds_ago, "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


@pytest.fixture
def admin_client(client, org_admin):
    client.force_login(org_admin)
    reauthenticated(client, org_admin)
    return client


@pytest.fixture
def a_teacher(organization):
    return MembershipFactory(organization=organization, role=Role.TEACHER, user__name="Tom Lehrer")


def _role_url(membership) -> str:
    return f"{URL}{membership.pk}/role/"


def _remove_url(membership) -> str:
    return f"{URL}{membership.pk}/remove/"


# --- Who may see and change members ---------------------------------------------------------


def test_an_org_admin_sees_the_members(admin_client, a_teacher, org_admin):
    html = admin_client.get(URL).content.decode()
    assert "Tom Lehrer" in html and a_teacher.user.email in html
    assert f'action="{_role_url(a_teacher)}"' in html


@pytest.mark.parametrize("person", ["teacher", "staff", "resident"])
def test_teachers_staff_and_residents_get_404(client, request, person, a_teacher):
    user = request.getfixturevalue(person)
    client.force_login(user)
    reauthenticated(client, user)
    assert client.get(URL).status_code == 404
    assert client.post(_role_url(a_teacher), {"role": Role.ORG_ADMIN}).status_code == 404
    assert client.post(_remove_url(a_teacher)).status_code == 404
    response = client.post(f"{URL}add/", {"email": user.email, "role": Role.ORG_ADMIN})
    assert response.status_code == 404
    assert Membership.objects.get(pk=a_teacher.pk).role == Role.TEACHER
    assert not Membership.objects.filter(user=user, role=Role.ORG_ADMIN).exists()


def test_the_admin_of_another_organization_gets_404(client, outsider, organization, a_teacher):
    client.force_login(outsider)
    reauthenticated(client, outsider)
    assert client.get(URL, {"organization": organization.slug}).status_code == 404
    assert client.post(_role_url(a_teacher), {"role": Role.STAFF}).status_code == 404
    assert client.post(_remove_url(a_teacher)).status_code == 404
    response = client.post(
        f"{URL}add/",
        {"organization": organization.slug, "email": outsider.email, "role": Role.ORG_ADMIN},
    )
    assert response.status_code == 404
    assert Membership.objects.get(pk=a_teacher.pk).role == Role.TEACHER
    assert not Membership.objects.filter(user=outsider, organization=organization).exists()
    # Their own members page does not list this organization's people.
    assert "Tom Lehrer" not in client.get(URL).content.decode()


def test_an_outsider_is_not_asked_for_a_password_first(client, outsider, a_teacher):
    client.force_login(outsider)  # no recent re-authentication
    assert client.post(_role_url(a_teacher), {"role": Role.STAFF}).status_code == 404


def test_a_region_admin_changes_any_organization(client, region_admin, a_teacher, org_admin):
    client.force_login(region_admin)
    reauthenticated(client, region_admin)
    assert "Tom Lehrer" in client.get(URL, {"organization": "kronberg-gymnasium"}).content.decode()
    response = client.post(_role_url(a_teacher), {"role": Role.STAFF})
    assert response.status_code == 302
    assert Membership.objects.get(pk=a_teacher.pk).role == Role.STAFF


def test_wrong_methods_are_refused(admin_client, a_teacher):
    assert admin_client.post(URL).status_code == 405
    assert admin_client.put(_role_url(a_teacher)).status_code == 405
    assert admin_client.delete(_remove_url(a_teacher)).status_code == 405


# --- Changing a role ------------------------------------------------------------------------


def test_an_org_admin_changes_a_role_and_it_is_logged(admin_client, org_admin, a_teacher):
    response = admin_client.post(_role_url(a_teacher), {"role": Role.STAFF}, follow=True)
    assert response.redirect_chain[-1][0] == f"{URL}?organization=kronberg-gymnasium"
    assert "Tom Lehrer is now Staff." in response.content.decode()
    assert Membership.objects.get(pk=a_teacher.pk).role == Role.STAFF
    entry = AuditLog.objects.get(action="organizations.role_changed")
    assert entry.actor == org_admin
    assert entry.organization_id == a_teacher.organization_id
    assert entry.target_id == str(a_teacher.pk)
    assert entry.data == {"user": a_teacher.user_id, "role": "staff", "old_role": "teacher"}


@pytest.mark.parametrize("role", ["", "boss", "region_admin"])
def test_a_bad_role_is_a_400_and_changes_nothing(admin_client, a_teacher, role):
    response = admin_client.post(_role_url(a_teacher), {"role": role})
    assert response.status_code == 400
    assert "Please choose one of the roles." in response.content.decode()
    assert Membership.objects.get(pk=a_teacher.pk).role == Role.TEACHER
    assert not AuditLog.objects.exists()


def test_the_same_role_again_is_a_400(admin_client, a_teacher):
    response = admin_client.post(_role_url(a_teacher), {"role": Role.TEACHER})
    assert response.status_code == 400
    assert "nothing was changed" in response.content.decode()


def test_a_role_the_person_holds_already_is_a_400(admin_client, organization, a_teacher):
    MembershipFactory(organization=organization, user=a_teacher.user, role=Role.STAFF)
    response = admin_client.post(_role_url(a_teacher), {"role": Role.STAFF})
    assert response.status_code == 400
    assert "holds that role here already" in response.content.decode()
    assert Membership.objects.get(pk=a_teacher.pk).role == Role.TEACHER


def test_the_last_admin_cannot_be_demoted_or_removed(admin_client, org_admin, organization):
    mine = Membership.objects.get(user=org_admin, organization=organization)
    response = admin_client.post(_role_url(mine), {"role": Role.TEACHER})
    assert response.status_code == 400
    assert "only admin" in response.content.decode()
    response = admin_client.post(_remove_url(mine))
    assert response.status_code == 400
    assert "only admin" in response.content.decode()
    assert Membership.objects.get(pk=mine.pk).role == Role.ORG_ADMIN
    assert not AuditLog.objects.exists()


def test_an_admin_who_steps_down_beside_another_admin_lands_on_the_start_page(
    admin_client, org_admin, organization
):
    MembershipFactory(organization=organization, role=Role.ORG_ADMIN)
    mine = Membership.objects.get(user=org_admin, organization=organization)
    response = admin_client.post(_role_url(mine), {"role": Role.TEACHER})
    assert response.status_code == 302 and response["Location"] == "/"
    assert admin_client.get(URL).status_code == 404  # no admin any more


def test_an_unknown_membership_is_404(admin_client):
    assert admin_client.post(f"{URL}999999/role/", {"role": Role.STAFF}).status_code == 404


# --- Adding and removing ---------------------------------------------------------------------


def test_an_org_admin_adds_someone_who_has_signed_up(admin_client, org_admin, organization):
    newcomer = UserFactory(email="neu@example.org")
    response = admin_client.post(
        f"{URL}add/",
        {"organization": organization.slug, "email": "NEU@example.org", "role": Role.TEACHER},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer, organization=organization)
    assert membership.role == Role.TEACHER
    entry = AuditLog.objects.get(action="organizations.member_added")
    assert entry.organization_id == organization.pk
    assert entry.data == {"user": newcomer.pk, "role": "teacher"}


def test_an_address_without_an_account_asks_to_sign_up_first(admin_client, organization):
    response = admin_client.post(
        f"{URL}add/",
        {"organization": organization.slug, "email": "nobody@example.org", "role": Role.STAFF},
    )
    assert response.status_code == 400
    assert "ask the person to sign up" in response.content.decode()
    assert 'value="nobody@example.org"' in response.content.decode()  # nothing lost
    assert not AuditLog.objects.exists()


def test_an_address_nobody_has_confirmed_is_refused(admin_client, organization):
    """Whoever signed up first with a colleague's address must not get the colleague's role."""
    squatter = UserFactory(email="kollegin@example.org", verified=False)
    response = admin_client.post(
        f"{URL}add/",
        {"organization": organization.slug, "email": "kollegin@example.org", "role": Role.STAFF},
    )
    assert response.status_code == 400
    assert "confirm their address" in response.content.decode()
    assert not Membership.objects.filter(user=squatter).exists()


@pytest.mark.parametrize(
    "data",
    [{"email": "not an address", "role": "teacher"}, {"email": "a@example.org", "role": "boss"}],
)
def test_bad_input_when_adding_is_a_400(admin_client, organization, data):
    count = Membership.objects.count()
    response = admin_client.post(f"{URL}add/", {"organization": organization.slug, **data})
    assert response.status_code == 400
    assert "Please correct the following" in response.content.decode()
    assert Membership.objects.count() == count


def test_adding_without_naming_the_organization_is_a_400(client, region_admin, organization):
    newcomer = UserFactory()
    client.force_login(region_admin)
    reauthenticated(client, region_admin)
    response = client.post(f"{URL}add/", {"email": newcomer.email, "role": "teacher"})
    assert response.status_code == 400
    assert "which organization" in response.content.decode()
    assert not Membership.objects.filter(user=newcomer).exists()


def test_adding_a_role_the_person_has_is_a_400(admin_client, organization, a_teacher):
    response = admin_client.post(
        f"{URL}add/",
        {"organization": organization.slug, "email": a_teacher.user.email, "role": "teacher"},
    )
    assert response.status_code == 400
    assert "already has this role" in response.content.decode()


def test_an_org_admin_removes_a_role(admin_client, a_teacher, organization):
    response = admin_client.post(_remove_url(a_teacher))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=a_teacher.pk).exists()
    assert a_teacher.user.__class__.objects.filter(pk=a_teacher.user_id).exists()  # account stays
    entry = AuditLog.objects.get(action="organizations.member_removed")
    assert entry.organization_id == organization.pk
    assert entry.data == {"user": a_teacher.user_id, "role": "teacher"}


def test_the_services_refuse_people_who_do_not_administer(teacher, organization, a_teacher):
    with pytest.raises(PermissionDenied):
        services.change_role(by=teacher, membership=a_teacher, role=Role.ORG_ADMIN)
    with pytest.raises(PermissionDenied):
        services.remove_member(by=teacher, membership=a_teacher)
    with pytest.raises(PermissionDenied):
        services.add_member(
            by=teacher, organization=organization, email=teacher.email, role=Role.ORG_ADMIN
        )


# --- Re-authentication -----------------------------------------------------------------------


@pytest.mark.parametrize("seconds_ago", [None, "timeout"])
def test_a_change_needs_a_recent_password(client, org_admin, a_teacher, seconds_ago):
    client.force_login(org_admin)
    if seconds_ago == "timeout":
        reauthenticated(
            client, org_admin, seconds_ago=allauth_account_settings.REAUTHENTICATION_TIMEOUT + 5
        )
    for url, data in [
        (_role_url(a_teacher), {"role": Role.STAFF}),
        (_remove_url(a_teacher), {}),
        (f"{URL}add/", {"organization": "kronberg-gymnasium", "email": "x@example.org"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == "/accounts/reauthenticate/"
    assert Membership.objects.get(pk=a_teacher.pk).role == Role.TEACHER
    assert not AuditLog.objects.exists()


def test_after_the_password_the_change_is_made_and_the_admin_is_back_on_the_members_page(
    client, org_admin, a_teacher
):
    client.force_login(org_admin)
    response = client.post(_role_url(a_teacher), {"role": Role.STAFF})
    reauthenticate_url = response["Location"]
    assert Membership.objects.get(pk=a_teacher.pk).role == Role.TEACHER
    response = client.post(reauthenticate_url, {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == f"{URL}?organization=kronberg-gymnasium"
    assert "Tom Lehrer is now Staff." in response.content.decode()
    assert Membership.objects.get(pk=a_teacher.pk).role == Role.STAFF
    assert AuditLog.objects.filter(action="organizations.role_changed").count() == 1


def test_a_get_to_an_action_leads_back_to_the_members_page_with_a_note(admin_client, a_teacher):
    response = admin_client.get(_role_url(a_teacher), follow=True)
    assert response.redirect_chain[-1][0] == f"{URL}?organization=kronberg-gymnasium"
    assert "Nothing was changed yet" in response.content.decode()
    assert Membership.objects.get(pk=a_teacher.pk).role == Role.TEACHER


# --- Queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 300])
def test_the_members_page_runs_a_constant_number_of_queries(
    admin_client, organization, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        MembershipFactory(organization=organization, role=Role.TEACHER)
    with django_assert_max_num_queries(11):
        response = admin_client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count('name="role"') == min(rows + 1, 50) + 1
