"""Logging in the way a person does (allauth's login, then the authenticator code)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.totp.internal import auth as totp_auth

from accounts.mfa import totp_code, totp_secret

# A fixed moment for the authenticator codes, in the middle of a 30-second period.
NOW = 1_800_000_015.0


@pytest.fixture
def frozen_totp_clock(monkeypatch) -> float:
    """allauth checks codes against this moment, so a test never straddles two periods and a
    refused code is refused for being reused, not for being old."""
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: NOW))
    return NOW


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def sign_in(client, password, frozen_totp_clock):
    """Log ``user`` in through the login page, entering the authenticator code if asked."""

    def sign_in(user, *, on=client, code: str | None = None):
        response = on.post("/accounts/login/", {"login": user.email, "password": password})
        assert response.status_code == 302, response.content.decode()[:3000]
        if response.url.startswith("/accounts/2fa/authenticate/"):
            secret = totp_secret(user)
            response = on.post(response.url, {"code": code or totp_code(secret, NOW)})
            assert response.status_code == 302, response.content.decode()[:3000]
        return response

    return sign_in


def age_the_login(client, seconds: int = 3600) -> None:
    """Pretend the last login was ``seconds`` ago (re-authentication asks after 5 minutes)."""
    session = client.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] = time.time() - seconds
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()
