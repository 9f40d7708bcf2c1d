"""Changing the email address or two-factor authentication needs the password again, unless
the person confirmed it in the last five minutes (ACCOUNT_REAUTHENTICATION_TIMEOUT)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from accounts.mfa import give_totp, totp_code

from .conftest import NOW, age_the_login

pytestmark = pytest.mark.django_db

REAUTHENTICATE = "/accounts/reauthenticate/"
NEW_EMAIL = "neue.adresse@example.org"


@pytest.fixture
def fresh(client, password, sign_in):
    """Log in and confirm the password: a fresh authentication."""

    def fresh(user):
        sign_in(user)
        response = client.post(REAUTHENTICATE, {"password": password})
        assert response.status_code == 302
        return client

    return fresh


@pytest.fixture
def old(fresh):
    """A login and a password confirmation an hour ago."""

    def old(user):
        client = fresh(user)
        age_the_login(client)
        return client

    return old


def _change_email(client):
    return client.post("/accounts/email/", {"email": NEW_EMAIL, "action_add": ""})


def _sent_to_reauthenticate(response) -> bool:
    return response.status_code == 302 and response.url.startswith(REAUTHENTICATE)


def test_an_email_change_with_an_old_login_asks_for_the_password(old, resident):
    client = old(resident)

    response = _change_email(client)

    assert _sent_to_reauthenticate(response)
    assert not EmailAddress.objects.filter(email=NEW_EMAIL).exists()


def test_an_email_change_with_a_fresh_login_goes_ahead(fresh, resident):
    client = fresh(resident)

    response = _change_email(client)

    assert response.status_code == 302
    assert not response.url.startswith(REAUTHENTICATE)
    assert EmailAddress.objects.filter(user=resident, email=NEW_EMAIL, verified=False).exists()


def test_switching_2fa_off_with_an_old_login_asks_for_the_password(old, teacher):
    give_totp(teacher)
    client = old(teacher)

    response = client.post("/accounts/2fa/totp/deactivate/")

    assert _sent_to_reauthenticate(response)
    assert Authenticator.objects.filter(user=teacher).exists()


def test_switching_2fa_off_with_a_fresh_login_goes_ahead(fresh, teacher):
    give_totp(teacher)
    client = fresh(teacher)

    response = client.post("/accounts/2fa/totp/deactivate/")

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=teacher).exists()


def _activate(client):
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    return client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret, NOW)})


def test_switching_2fa_on_with_an_old_login_asks_for_the_password(old, resident):
    client = old(resident)

    assert _sent_to_reauthenticate(client.get("/accounts/2fa/totp/activate/"))
    assert _sent_to_reauthenticate(client.post("/accounts/2fa/totp/activate/", {"code": "1"}))
    assert not Authenticator.objects.filter(user=resident).exists()


def test_switching_2fa_on_with_a_fresh_login_goes_ahead(fresh, resident):
    client = fresh(resident)

    response = _activate(client)

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=resident, type=Authenticator.Type.TOTP).exists()


def _codes(user) -> list[str]:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return authenticator.wrap().get_unused_codes()


def test_new_recovery_codes_with_an_old_login_ask_for_the_password(old, staff):
    client = old(staff)

    response = client.post("/accounts/2fa/recovery-codes/generate/")

    assert _sent_to_reauthenticate(response)
    assert not Authenticator.objects.filter(
        user=staff, type=Authenticator.Type.RECOVERY_CODES
    ).exists()


def test_new_recovery_codes_with_a_fresh_login_are_made(fresh, staff):
    client = fresh(staff)

    response = client.post("/accounts/2fa/recovery-codes/generate/")

    assert (response.status_code, response.url) == (302, "/accounts/2fa/recovery-codes/")
    assert len(_codes(staff)) == 10
