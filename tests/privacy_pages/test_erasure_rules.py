"""Who may erase whom on the data-request pages: nobody erases a superuser there; only a
superuser erases a region admin or site staff. The last admin of an organization is erased
by nobody, themselves included, until someone else is named admin."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import AuditLog, User
from organizations.models import Role
from tests.factories import MembershipFactory, UserFactory

from .conftest import after_the_grace_period, asked, reauthenticated

pytestmark = pytest.mark.django_db


def erase_url(person) -> str:
    return f"/manage/privacy/people/{person.pk}/erase/"


def person_url(person) -> str:
    return f"/manage/privacy/people/{person.pk}/"


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True, is_region_admin=True)


@pytest.mark.parametrize(
    "target",
    [
        {"is_superuser": True, "is_staff": True},
        {"is_region_admin": True},
        {"is_staff": True},
    ],
    ids=["superuser", "region_admin", "site_staff"],
)
def test_a_region_admin_cannot_erase_superusers_region_admins_or_site_staff(
    client, region_admin, target
):
    person = UserFactory(**target)
    reauthenticated(client, region_admin)

    page = client.get(person_url(person)).content.decode()
    form = client.get(erase_url(person))
    response = client.post(erase_url(person), {"confirm": "on"})

    assert form.status_code == response.status_code == 403
    html = response.content.decode()
    assert "superuser" in html and erase_url(person) not in page
    assert User.objects.filter(pk=person.pk).exists()
    assert not AuditLog.objects.filter(action="accounts.erased").exists() and not mail.outbox


def test_a_superuser_erases_a_region_admin_but_no_superuser(client, superuser):
    region_admin = UserFactory(is_region_admin=True)
    other_superuser = UserFactory(is_superuser=True)
    reauthenticated(client, superuser)

    refused = client.post(erase_url(other_superuser), {"confirm": "on"})
    assert refused.status_code == 403
    assert "A superuser account cannot be deleted here." in refused.content.decode()
    assert User.objects.filter(pk=other_superuser.pk).exists()

    assert erase_url(region_admin) in client.get(person_url(region_admin)).content.decode()
    response = client.post(erase_url(region_admin), asked())
    assert response.status_code == 302
    after_the_grace_period()
    assert not User.objects.filter(pk=region_admin.pk).exists()
    assert AuditLog.objects.get(action="accounts.erased").actor == superuser


def test_the_last_admin_is_not_erased_by_a_region_admin(client, region_admin, organization):
    last_admin = MembershipFactory(organization=organization, role=Role.ORG_ADMIN).user
    reauthenticated(client, region_admin)

    response = client.post(erase_url(last_admin), asked())

    assert response.status_code == 400
    html = response.content.decode()
    assert "only administrator of Kronberg-Gymnasium" in html
    assert "make another member an administrator" in html
    assert User.objects.filter(pk=last_admin.pk).exists() and not mail.outbox

    MembershipFactory(organization=organization, role=Role.ORG_ADMIN)
    assert client.post(erase_url(last_admin), asked()).status_code == 302
    after_the_grace_period()
    assert not User.objects.filter(pk=last_admin.pk).exists()


def test_the_last_admin_cannot_delete_their_own_account(client, organization, org_admin):
    reauthenticated(client, org_admin)

    page = client.get("/account/delete/").content.decode()
    response = client.post("/account/delete/", {"confirm": "on"})

    assert "only administrator of Kronberg-Gymnasium" in page
    assert response.status_code == 400
    assert "only administrator of Kronberg-Gymnasium" in response.content.decode()
    assert User.objects.filter(pk=org_admin.pk).exists() and not mail.outbox


def test_an_org_admin_cannot_read_an_account_by_making_it_a_member(client, org_admin, organization):
    """Adding anyone by email makes them 'known': their data must still stay closed to the
    org admin (only a region admin exports an account with a role)."""
    from organizations.models import Membership, Role
    from tests.factories import UserFactory

    stranger = UserFactory()
    Membership.objects.create(user=stranger, organization=organization, role=Role.TEACHER)
    client.cookies["django_language"] = "en"
    client.force_login(org_admin)
    url = f"/manage/privacy/people/{stranger.pk}/data.json?organization={organization.slug}"
    response = client.get(url)
    assert response.status_code == 403
    assert "Only a region administrator may download" in response.content.decode()
    assert stranger.email not in response.content.decode()


def test_a_region_admin_downloads_the_data_of_an_account_with_a_role(client, region_admin, teacher):
    client.force_login(region_admin)
    response = client.get(f"/manage/privacy/people/{teacher.pk}/data.json")
    assert response.status_code == 200
    assert teacher.email in response.content.decode()
