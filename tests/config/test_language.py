from __future__ import annotations

import ast
from pathlib import Path

import polib
import pytest

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
# What `make messages` does not read (its --ignore), besides hidden folders.
NOT_COLLECTED = {".venv", "tests", "bench", "static", "node_modules"}
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "npgettext"}


@pytest.mark.django_db
def test_pages_are_german_by_default(client):
    html = client.get("/").content.decode()
    assert '<html lang="de"' in html
    assert "Digitales Lernen in der Region" in html


@pytest.mark.django_db
def test_the_language_switch_works_without_javascript_and_returns_to_the_page(client):
    response = client.post("/language/", {"language": "en", "next": "/organizations/"})
    assert response.status_code == 302
    assert response["Location"] == "/organizations/"
    html = client.get("/organizations/").content.decode()
    assert '<html lang="en"' in html
    assert "Schools, libraries and providers" in html


@pytest.mark.django_db
def test_the_language_switch_remembers_the_choice_for_emails(client):
    person = UserFactory(preferred_language="de")
    client.force_login(person)
    client.post("/language/", {"language": "en", "next": "/"})
    person.refresh_from_db()
    assert person.preferred_language == "en"


@pytest.mark.django_db
def test_an_unknown_language_changes_nothing(client):
    person = UserFactory()
    client.force_login(person)
    client.post("/language/", {"language": "xx", "next": "/"})
    person.refresh_from_db()
    assert person.preferred_language == "de"
    assert '<html lang="de"' in client.get("/").content.decode()


def test_the_language_switch_needs_post(client):
    assert client.get("/language/").status_code == 405


def test_every_string_has_a_german_translation():
    catalogue = polib.pofile(str(LOCALE / "de" / "LC_MESSAGES" / "django.po"))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    assert len(catalogue.translated_entries()) > 150


def test_placeholders_survive_translation():
    catalogue = polib.pofile(str(LOCALE / "de" / "LC_MESSAGES" / "django.po"))
    import re

    for entry in catalogue.translated_entries():
        placeholders = set(re.findall(r"%\(\w+\)[sd]", entry.msgid))
        translated = entry.msgstr or entry.msgstr_plural.get(1, "")
        assert placeholders <= set(re.findall(r"%\(\w+\)[sd]", translated)), entry.msgid


@pytest.mark.django_db
def test_after_login_pages_come_in_the_persons_language(client, password):
    person = UserFactory(preferred_language="en")
    response = client.post("/accounts/login/", {"login": person.email, "password": password})
    assert response.status_code == 302
    assert '<html lang="en"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_account_emails_go_out_in_the_recipients_language(client, mailoutbox):
    english = UserFactory(preferred_language="en")
    german = UserFactory(preferred_language="de")
    for person in (english, german):
        response = client.post("/accounts/password/reset/", {"email": person.email})
        assert response.status_code == 302
    subjects = {message.to[0]: message.subject for message in mailoutbox}
    assert "Choose a new password" in subjects[english.email]
    assert "Passwort" in subjects[german.email]


def translations_in_f_strings(source: str) -> list[int]:
    """The lines of ``source`` where a gettext call stands inside an f-string, where
    xgettext (0.21, Debian's) does not look: its msgid is never collected, and the text
    stays English unless the same msgid happens to be used elsewhere."""
    return [
        inner.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.JoinedStr)
        for inner in ast.walk(node)
        if isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Name)
        and inner.func.id in GETTEXT
    ]


def test_the_f_string_check_sees_a_translation_inside_an_f_string():
    assert translations_in_f_strings("name = f\"{_('usage-report')}-{scope}.csv\"") == [1]
    assert translations_in_f_strings("word = _('usage-report')\nname = f'{word}.csv'") == []


def test_no_translated_text_hides_in_an_f_string():
    folders = [
        path
        for path in ROOT.iterdir()
        if path.is_dir() and not path.name.startswith(".") and path.name not in NOT_COLLECTED
    ]
    sources = [*ROOT.glob("*.py"), *(path for folder in folders for path in folder.rglob("*.py"))]
    hidden = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(sources)
        for line in translations_in_f_strings(path.read_text(encoding="utf-8"))
    ]
    assert not hidden, hidden
