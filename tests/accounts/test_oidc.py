"""Single sign-on against a real OpenID provider (tests/oidc): the whole code flow, with the
Django test client as the browser on Lernpool's side."""

from __future__ import annotations

import re
import urllib.parse

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import AuditLog, User
from accounts.privacy import erase_person, export_data
from organizations.models import Membership

LOGIN = "/accounts/oidc/schule/login/"


def sso(client, provider, login: str, amr: str = "pwd"):
    """Log in through the provider; return Lernpool's answer to the provider's callback."""
    response = client.post(LOGIN, {"process": "login"})
    assert response.status_code == 302, response
    back = provider.log_in(response["Location"], login, amr)
    parts = urllib.parse.urlsplit(back)
    assert parts.path == "/accounts/oidc/schule/login/callback/"
    return client.get(f"{parts.path}?{parts.query}")


def test_first_login_creates_the_account_from_verified_claims(client, school_login, oidc_provider):
    oidc_provider.set_account(
        "anna", email="anna@schule.example", name="Anna Alt", preferred_language="en"
    )
    response = sso(client, oidc_provider, "anna")
    assert response.status_code == 302
    user = User.objects.get(email="anna@schule.example")
    assert (user.name, user.preferred_language) == ("Anna Alt", "en")
    assert EmailAddress.objects.filter(user=user, verified=True).exists()
    assert SocialAccount.objects.get(user=user).uid == "anna"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_an_existing_account_is_linked_only_after_its_password_login(
    client, school_login, oidc_provider, resident, password
):
    oidc_provider.set_account("mallory", email=resident.email, name="Mallory")
    response = sso(client, oidc_provider, "mallory")
    # Not logged in as the resident, nothing linked, no second account: as at a sign-up with
    # a taken address, allauth says "check your email" (nobody learns whether the address has
    # an account) and emails the address's owner that it has one.
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()
    assert User.objects.filter(email__iexact=resident.email).count() == 1
    assert [message.to for message in mail.outbox] == [[resident.email]]

    # The proof: the resident logs in with the password, then links the provider.
    client.post(reverse("account_login"), {"login": resident.email, "password": password})
    assert int(client.session["_auth_user_id"]) == resident.pk
    response = client.post(LOGIN, {"process": "connect"})
    back = urllib.parse.urlsplit(oidc_provider.log_in(response["Location"], "mallory"))
    linked = client.get(f"{back.path}?{back.query}")
    # Linking is a change of how one logs in: allauth asks for the password (again).
    assert linked["Location"] == reverse("account_reauthenticate")
    assert not SocialAccount.objects.exists()
    client.post(linked["Location"], {"password": password})
    assert SocialAccount.objects.get(uid="mallory").user == resident
    client.logout()
    sso(client, oidc_provider, "mallory")
    assert int(client.session["_auth_user_id"]) == resident.pk


def test_an_unverified_email_claim_must_be_confirmed_first(client, school_login, oidc_provider):
    oidc_provider.set_account("ben", email="ben@schule.example", email_verified=False)
    sso(client, oidc_provider, "ben")
    user = User.objects.get(email="ben@schule.example")
    assert not EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in client.session


def test_roles_come_and_go_with_the_claim(client, school_login, oidc_provider, organization):
    oidc_provider.set_account("carl", email="carl@schule.example", groups=["kg-teachers"])
    sso(client, oidc_provider, "carl")
    user = User.objects.get(email="carl@schule.example")
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {"teacher"}
    assert AuditLog.objects.filter(action="organizations.role_claimed").count() == 1

    client.logout()
    oidc_provider.set_account("carl", email="carl@schule.example", groups=[])
    sso(client, oidc_provider, "carl")
    assert not Membership.objects.filter(user=user).exists()
    removed = AuditLog.objects.get(action="organizations.claimed_role_removed")
    assert removed.organization_id == organization.pk and removed.data["provider"] == "schule"


def test_a_role_the_mapping_does_not_cover_stays(client, school_login, oidc_provider, organization):
    oidc_provider.set_account("dora", email="dora@schule.example", groups=[])
    sso(client, oidc_provider, "dora")
    user = User.objects.get(email="dora@schule.example")
    Membership.objects.create(user=user, organization=organization, role="org_admin")
    client.logout()
    sso(client, oidc_provider, "dora")
    assert Membership.objects.filter(user=user, role="org_admin").exists()


@pytest.mark.parametrize(("amr", "needs_totp"), [("pwd otp", False), ("pwd", True)])
def test_a_second_factor_at_the_provider_counts_as_2fa(
    client, school_login, oidc_provider, amr, needs_totp
):
    oidc_provider.set_account("eva", email="eva@schule.example", groups=["kg-staff"])
    sso(client, oidc_provider, "eva", amr=amr)
    response = client.get("/")
    if needs_totp:
        assert response.status_code == 302 and "/2fa/totp/activate" in response["Location"]
    else:
        assert response.status_code == 200


def test_the_privacy_page_and_export_list_the_identity_and_erasure_removes_it(
    client, school_login, oidc_provider
):
    oidc_provider.set_account("finn", email="finn@schule.example", name="Finn Fuchs")
    sso(client, oidc_provider, "finn")
    user = User.objects.get(email="finn@schule.example")
    page = client.get(reverse("accounts:my_data")).content.decode()
    assert "Mit Schul-Login anmelden" in page and "finn" in page
    exported = export_data(user)
    rows = {section["key"]: section["rows"] for section in exported["sections"]}["identities"]
    assert [(row["provider"], row["uid"]) for row in rows] == [("Mit Schul-Login anmelden", "finn")]
    erase_person(user, by=user)
    assert not SocialAccount.objects.exists()


def test_the_login_page_shows_a_button_per_provider_above_the_email_login(
    client, school_login, oidc_provider
):
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="stadt",
        name="Mit Stadt-Login anmelden",
        client_id="x",
        settings={"server_url": oidc_provider.issuer},
    )
    page = client.get(reverse("account_login")).content.decode()
    school = page.index("Mit Schul-Login anmelden")
    assert school < page.index('name="password"')
    assert 'action="/accounts/oidc/stadt/login/?process=login"' in page
    assert page.index("Mit Stadt-Login anmelden") < page.index('name="password"')


def test_without_providers_the_login_page_is_the_email_login(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert "/accounts/oidc/" not in page and 'name="password"' in page


def test_logout_ends_the_session_and_offers_the_providers_logout(
    client, school_login, oidc_provider
):
    oidc_provider.set_account("gina", email="gina@schule.example")
    sso(client, oidc_provider, "gina")
    response = client.post(reverse("account_logout"))
    assert response["Location"] == reverse("accounts:provider_logout")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    href = re.search(r'href="([^"]*/session/end[^"]*)"', page).group(1).replace("&amp;", "&")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
    assert href.startswith(oidc_provider.issuer)
    assert query["client_id"] == ["lernpool"]
    assert query["post_logout_redirect_uri"] == [f"{settings.LERNPOOL_SITE_URL}/"]
    # The provider knows the address: it asks the person to confirm the logout there.
    assert requests.get(href, timeout=10).status_code == 200
    # Offered once; a password login's logout goes home as before.
    assert client.get(reverse("accounts:provider_logout"))["Location"] == "/"


def test_a_password_logout_offers_no_provider_logout(client, resident, password):
    client.force_login(resident)
    response = client.post(reverse("account_logout"))
    assert response["Location"] != reverse("accounts:provider_logout")


def test_only_the_login_pages_may_post_on_to_the_provider(client, school_login, oidc_provider):
    login_policy = client.get(reverse("account_login"))["Content-Security-Policy"]
    assert f"form-action 'self' {oidc_provider.issuer}" in login_policy
    home_policy = client.get("/")["Content-Security-Policy"]
    assert oidc_provider.issuer not in home_policy


def test_the_account_page_links_to_the_linked_logins_when_providers_exist(
    client, school_login, resident
):
    client.force_login(resident)
    assert (
        reverse("socialaccount_connections")
        in client.get(reverse("accounts:profile")).content.decode()
    )
    assert client.get(reverse("socialaccount_connections")).status_code == 200


@pytest.mark.parametrize(("amr", "asks_for_code"), [("pwd otp", False), ("pwd", True)])
def test_staff_with_an_authenticator_app_is_asked_for_its_code_only_without_the_providers(
    client, school_login, oidc_provider, staff, amr, asks_for_code
):
    """A Lernpool authenticator app set up earlier: its code is asked after a provider login
    with only a password, not after one with a second factor there."""
    oidc_provider.set_account("hugo", email=staff.email, groups=["kg-staff"])
    SocialAccount.objects.create(user=staff, provider="schule", uid="hugo")
    response = sso(client, oidc_provider, "hugo", amr=amr)
    if asks_for_code:
        assert response["Location"] == reverse("mfa_authenticate")
        assert "_auth_user_id" not in client.session
    else:
        assert int(client.session["_auth_user_id"]) == staff.pk
        assert client.get(reverse("booking:desk")).status_code == 200


def test_a_provider_from_the_settings_works_like_one_from_the_admin(
    client, db, oidc_provider, settings
):
    """OIDC_PROVIDERS (the environment) fills allauth's APPS; the whole login works."""
    from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET

    app = {
        "provider_id": "schule",
        "name": "Mit Stadt-Login anmelden",
        "client_id": CLIENT_ID,
        "secret": CLIENT_SECRET,
        "settings": oidc_provider.app_settings(),
    }
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {**settings.SOCIALACCOUNT_PROVIDERS["openid_connect"], "APPS": [app]}
    }
    assert "Mit Stadt-Login anmelden" in client.get(reverse("account_login")).content.decode()
    oidc_provider.set_account("ines", email="ines@stadt.example")
    sso(client, oidc_provider, "ines")
    assert User.objects.get(email="ines@stadt.example").pk == int(client.session["_auth_user_id"])


def test_the_privacy_notice_names_the_linked_logins(client, db):
    page = client.get(reverse("privacy")).content.decode()
    assert "Anmeldung mit dem Login Ihrer Schule oder der Stadt" in page
