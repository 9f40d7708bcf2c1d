"""After logging in, the person reads Lernpool in the language of their account, not of their
browser, from the first page on: the page and allauth's "Successfully signed in as …" on it.
A teacher logs in with the password; staff enter the authenticator code after it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape

from accounts.mfa import has_totp

pytestmark = pytest.mark.django_db

SIGNED_IN = {
    "en": "Successfully signed in as {name}.",
    "de": "Erfolgreich als {name} angemeldet.",
}


@pytest.mark.parametrize("who", ["teacher", "staff"])
@pytest.mark.parametrize(("language", "browser"), [("en", "de"), ("de", "en")])
def test_the_first_page_after_login_greets_in_the_persons_language(
    request, sign_in, who, language, browser
):
    person = request.getfixturevalue(who)
    person.preferred_language = language
    person.save(update_fields=["preferred_language"])
    browser_client = Client(headers={"accept-language": browser})

    response = sign_in(person, on=browser_client)
    page = browser_client.get(response.url, follow=True)

    assert has_totp(person) == (who == "staff")  # staff entered the code after the password
    html = page.content.decode()
    assert f'<html lang="{language}"' in html
    assert escape(SIGNED_IN[language].format(name=person)) in html
    assert escape(SIGNED_IN[browser].format(name=person)) not in html
