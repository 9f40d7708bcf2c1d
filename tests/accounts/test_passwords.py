"""Passwords: at least 12 characters, no common or all-digit ones, long passphrases welcome;
through the forms a person uses (sign-up and password change)."""

from __future__ import annotations

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db

ELEVEN = "kurz-wort11"
COMMON = ("password1234", "qwertyuiop123")
NUMERIC = "318402957716"
PASSPHRASE = "Im Spessart wandern wir sonntags zu zweit bis zum Engländer-Turm"


def _sign_up(client, password: str):
    return client.post(
        "/accounts/signup/",
        {"email": "neu@example.org", "password1": password, "password2": password},
    )


def _change(client, old: str, new: str):
    return client.post(
        "/accounts/password/change/",
        {"oldpassword": old, "password1": new, "password2": new},
    )


def test_sign_up_refuses_eleven_characters(english):
    assert len(ELEVEN) == 11
    response = _sign_up(english, ELEVEN)

    assert "at least 12 characters" in response.content.decode()
    assert not User.objects.filter(email="neu@example.org").exists()


@pytest.mark.parametrize("password", COMMON)
def test_sign_up_refuses_a_common_password(english, password):
    response = _sign_up(english, password)

    assert "This password is too common." in response.content.decode()
    assert not User.objects.filter(email="neu@example.org").exists()


def test_sign_up_refuses_an_all_digit_password(english):
    response = _sign_up(english, NUMERIC)

    assert "This password is entirely numeric." in response.content.decode()
    assert not User.objects.filter(email="neu@example.org").exists()


def test_sign_up_accepts_a_64_character_passphrase(client):
    assert len(PASSPHRASE) == 64
    response = _sign_up(client, PASSPHRASE)

    assert response.status_code == 302
    assert User.objects.get(email="neu@example.org").check_password(PASSPHRASE)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (ELEVEN, "at least 12 characters"),
        (COMMON[0], "This password is too common."),
        (COMMON[1], "This password is too common."),
        (NUMERIC, "This password is entirely numeric."),
    ],
)
def test_password_change_refuses_a_weak_password(english, resident, password, new, message):
    english.force_login(resident)

    response = _change(english, password, new)

    assert message in response.content.decode()
    resident.refresh_from_db()
    assert resident.check_password(password)


def test_password_change_accepts_a_64_character_passphrase(client, resident, password):
    client.force_login(resident)

    response = _change(client, password, PASSPHRASE)

    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.check_password(PASSPHRASE)
