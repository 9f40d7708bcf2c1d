"""The German pages and emails address people formally ("Sie"), allauth's included.

allauth's own German catalogue says "du" on the account pages; locale_overrides/ replaces
those entries (LOCALE_PATHS puts it before the app catalogues).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import allauth
import polib
import pytest
from django.core.cache import cache
from django.utils import translation

from tests.factories import UserFactory

OVERRIDES = (
    Path(__file__).resolve().parents[2] / "locale_overrides" / "de" / "LC_MESSAGES" / "django.po"
)
ALLAUTH_GERMAN = Path(allauth.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po"
# Where allauth's strings for the apps this project installs come from.
ALLAUTH_PARTS = (
    "account/",
    "mfa/",
    "usersessions/",
    "templates/account/",
    "templates/mfa/",
    "templates/usersessions/",
    "templates/allauth/",
)
INFORMAL = re.compile(r"\b(du|dich|dir|dein\w*)\b", re.IGNORECASE)
# Informal imperatives and verb forms that can stand without a "du".
IMPERATIVE = re.compile(
    r"\b(bestätige|gib|klicke?|melde|versuche|überprüfe|wähle|beachte|öffne|kontaktiere|prüfe|"
    r"lade|nutze|füge|stelle|gehe|lass|rufe|verwende|erstelle|folge|bist|hast|kannst|musst|"
    r"möchtest|willst)\b",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")
NEW_PASSWORD = "ein langes sicheres Passwort"


@pytest.fixture(autouse=True)
def _forget_rate_limits():
    """allauth counts sign-ups, failed logins and emails per address in the cache: start and
    leave it empty, so these tests and later ones do not throttle each other."""
    cache.clear()
    yield
    cache.clear()


class _VisibleText(HTMLParser):
    """The text a person sees: everything outside <script>, <style> and <template>."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de"' in html
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def assert_formal(text: str) -> None:
    informal = sorted({match.group(0) for match in INFORMAL.finditer(text)})
    assert not informal, f"informal address {informal} in: {text}"


def informal_entries(catalogue: polib.POFile) -> list[polib.POEntry]:
    found = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        translations = [entry.msgstr, *entry.msgstr_plural.values()]
        if any(INFORMAL.search(text) or IMPERATIVE.search(text) for text in translations):
            found.append(entry)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "/accounts/login/",
            ["Anmelden", "Sie haben noch kein Konto?", "registrieren Sie sich bitte zuerst"],
        ),
        (
            "/accounts/signup/",
            ["Registrieren", "Sie haben bereits ein Konto?", "melden Sie sich bitte an"],
        ),
        (
            "/accounts/password/reset/",
            [
                "Passwort vergessen? Geben Sie unten Ihre E-Mail-Adresse ein.",
                "Wir senden Ihnen dann eine E-Mail, mit der Sie Ihr Passwort zurücksetzen können.",
                "wenden Sie sich bitte an uns",
            ],
        ),
    ],
)
def test_account_pages_address_people_formally(client, url, expected):
    text = visible_text(client.get(url))
    assert_formal(text)
    for phrase in expected:
        assert phrase in text


@pytest.mark.django_db
def test_a_wrong_password_is_reported_in_the_words_the_browser_tests_expect(client, password):
    person = UserFactory()
    response = client.post(
        "/accounts/login/", {"login": person.email, "password": password + " falsch"}
    )
    text = visible_text(response)
    assert_formal(text)
    assert "Die E-Mail-Adresse und/oder das Passwort sind leider falsch." in text


@pytest.mark.django_db
def test_signing_up_leads_to_a_formal_confirmation_page_and_email(client, mailoutbox):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "sie.formell@example.org",
            "name": "Anna Neu",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/accounts/confirm-email/"
    text = visible_text(response)
    assert_formal(text)
    assert "Bestätigen Sie Ihre E-Mail-Adresse" in text
    assert "Wir haben Ihnen eine E-Mail zur Bestätigung gesendet." in text

    [message] = mailoutbox
    assert_formal(message.subject)
    assert_formal(message.body)
    assert message.subject == "[Lernpool] Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert message.body.startswith("Guten Tag Anna Neu,")
    assert "Bitte bestätigen Sie die Adresse, indem Sie diesen Link öffnen:" in message.body
    assert "Mit freundlichen Grüßen" in message.body


@pytest.mark.django_db
def test_the_password_reset_email_is_formal(client, mailoutbox):
    person = UserFactory(preferred_language="de")
    response = client.post("/accounts/password/reset/", {"email": person.email}, follow=True)
    text = visible_text(response)
    assert_formal(text)
    assert "Wir haben Ihnen eine E-Mail gesendet." in text

    [message] = mailoutbox
    assert message.to == [person.email]
    assert_formal(message.subject)
    assert_formal(message.body)
    assert message.subject == "[Lernpool] Neues Passwort festlegen"
    assert (
        "jemand, vermutlich Sie, hat ein neues Passwort für Ihr Lernpool-Konto angefordert. "
        "Um es festzulegen, öffnen Sie bitte diesen Link:" in message.body
    )
    assert "Mit freundlichen Grüßen" in message.body


def test_the_overrides_win_over_allauths_own_catalogue():
    with translation.override("de"):
        assert translation.gettext("Verify Your Email Address") == (
            "Bestätigen Sie Ihre E-Mail-Adresse"
        )
        assert translation.gettext("Sessions") == "Sitzungen"
        assert translation.gettext("Change Email") == "E-Mail-Adresse ändern"
    with translation.override("en"):
        assert translation.gettext("Verify Your Email Address") == "Verify Your Email Address"


def test_the_override_catalogue_is_complete_and_formal():
    catalogue = polib.pofile(str(OVERRIDES))
    assert catalogue.metadata["Language"] == "de"
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert "charset=UTF-8" in catalogue.metadata["Content-Type"]
    assert len(catalogue) > 40
    assert not catalogue.untranslated_entries()
    assert not catalogue.fuzzy_entries()
    assert not catalogue.obsolete_entries()
    informal = [(entry.msgid, entry.msgstr) for entry in informal_entries(catalogue)]
    assert not informal, informal
    for entry in catalogue:
        translated = [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values()
        for text in translated:
            assert text.strip(), entry.msgid
            assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(text)), (
                entry.msgid
            )


def test_every_informal_allauth_string_is_overridden():
    """Fails after an allauth upgrade that adds or rewords an informal German string."""
    allauth_german = polib.pofile(str(ALLAUTH_GERMAN))
    overridden = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(OVERRIDES))}
    missing = [
        entry.msgid
        for entry in informal_entries(allauth_german)
        if any(path.startswith(ALLAUTH_PARTS) for path, _line in entry.occurrences)
        and (entry.msgctxt, entry.msgid) not in overridden
    ]
    assert not missing, missing


def test_every_override_still_exists_in_allauth():
    """An override whose msgid allauth no longer uses is dead weight: remove or update it."""
    allauth_german = polib.pofile(str(ALLAUTH_GERMAN))
    known = {(entry.msgctxt, entry.msgid) for entry in allauth_german if not entry.obsolete}
    stale = [
        entry.msgid
        for entry in polib.pofile(str(OVERRIDES))
        if (entry.msgctxt, entry.msgid) not in known
    ]
    assert not stale, stale
