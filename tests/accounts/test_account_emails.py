"""allauth's emails (sign-up confirmation, password reset) come in Lernpool's layout and
words: the person greeted, formal German or English, links to SITE_URL, signed by the
operator; not allauth's "Hello from <host>" and "because user … has given your address"."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Im Spessart wandern wir sonntags"

ALLAUTH_WORDS = (
    "Hello from",
    "Thank you for using",
    "Nachricht von",
    "Benutzer",
    "because user",
    "testserver",
    "example.com",
)


def _link(body: str) -> str:
    (url,) = re.findall(r"https?://\S+/accounts/\S+", body)
    return url


def _assert_lernpool_layout(message, greeting: str, regards: str) -> None:
    body = message.body
    assert body.startswith(greeting + "\n\n")
    assert f"{regards}\n{settings.LERNPOOL_OPERATOR['name']}\n" in body
    for words in ALLAUTH_WORDS:
        assert words not in body and words not in message.subject
    assert _link(body).startswith(settings.LERNPOOL_SITE_URL + "/accounts/")
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{_link(body)}"' in html
    assert settings.LERNPOOL_OPERATOR["name"] in html


def _sign_up(client, language: str, name: str = "Maria Müller"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(
        "/accounts/signup/",
        {"email": "neu@example.org", "name": name, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302


def test_the_sign_up_confirmation_in_german(client):
    _sign_up(client, "de")
    (message,) = mail.outbox
    assert message.subject == "[Lernpool] Bitte bestätigen Sie Ihre E-Mail-Adresse"
    _assert_lernpool_layout(message, "Guten Tag Maria Müller,", "Mit freundlichen Grüßen")
    assert "mit dieser E-Mail-Adresse bei Lernpool registriert" in message.body
    assert "Bitte bestätigen Sie die Adresse" in message.body


def test_the_sign_up_confirmation_in_english(client):
    _sign_up(client, "en", name="")
    (message,) = mail.outbox
    assert message.subject == "[Lernpool] Please confirm your email address"
    _assert_lernpool_layout(message, "Hello,", "Kind regards")
    assert "signed up for Lernpool with this email address" in message.body


def test_the_confirmation_link_confirms_the_address(client):
    _sign_up(client, "de")
    path = _link(mail.outbox[0].body).removeprefix(settings.LERNPOOL_SITE_URL)
    response = client.post(path)
    assert response.status_code == 302
    assert client.get("/").context["user"].emailaddress_set.get().verified


@pytest.mark.parametrize(
    ("language", "subject", "greeting", "regards", "words"),
    [
        (
            "de",
            "[Lernpool] Neues Passwort festlegen",
            "Guten Tag Dr. Maria Müller,",
            "Mit freundlichen Grüßen",
            "ein neues Passwort für Ihr Lernpool-Konto",
        ),
        (
            "en",
            "[Lernpool] Choose a new password",
            "Hello Dr. Maria Müller,",
            "Kind regards",
            "a new password for your Lernpool account",
        ),
    ],
)
def test_the_password_reset_email(client, language, subject, greeting, regards, words):
    UserFactory(email="maria@example.org", name="Dr. Maria Müller", preferred_language=language)
    response = client.post("/accounts/password/reset/", {"email": "maria@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == subject
    _assert_lernpool_layout(message, greeting, regards)
    assert words in message.body
    assert "/accounts/password/reset/key/" in _link(message.body)


def test_a_reset_for_an_unknown_address_offers_the_sign_up_in_german(client):
    client.post("/accounts/password/reset/", {"email": "niemand@example.org"})
    (message,) = mail.outbox
    assert message.subject == "[Lernpool] Kein Lernpool-Konto mit dieser Adresse"
    assert message.body.startswith("Guten Tag,\n\n")
    assert f"{settings.LERNPOOL_SITE_URL}/accounts/signup/" in message.body
    assert settings.LERNPOOL_OPERATOR["name"] in message.body
    for words in ALLAUTH_WORDS:
        assert words not in message.body


def test_signing_up_with_a_known_address_offers_a_new_password_in_german(client):
    UserFactory(email="neu@example.org")
    _sign_up(client, "de")
    (message,) = mail.outbox
    assert message.subject == "[Lernpool] Sie haben bereits ein Lernpool-Konto"
    assert f"{settings.LERNPOOL_SITE_URL}/accounts/password/reset/" in message.body
    for words in ALLAUTH_WORDS:
        assert words not in message.body
