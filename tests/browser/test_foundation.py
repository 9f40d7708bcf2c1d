"""A newcomer's first steps: home, directory, login, sign-up, language — by keyboard, with
and without JavaScript, axe-core clean on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def region(transactional_db):
    OrganizationFactory(name="Kronberg-Gymnasium", kind="school", city="Aschaffenburg")
    OrganizationFactory(name="Stadtbibliothek Aschaffenburg", kind="library", city="Aschaffenburg")
    OrganizationFactory(name="Stadtbücherei Miltenberg", kind="library", city="Miltenberg")


def test_home_has_landmarks_and_a_skip_link(page, live_server, region, audit):
    page.goto(live_server.url)
    audit.check(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Digitales Lernen in der Region")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Hauptinhalt springen")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    expect(page.get_by_role("navigation", name="Hauptnavigation")).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_contain_text("Impressum")


def test_the_directory_filters_as_you_type_with_the_keyboard(page, live_server, region, audit):
    page.goto(f"{live_server.url}/organizations/")
    audit.check(page)
    search = page.get_by_label("Name oder Ort")
    search.focus()
    page.keyboard.type("Milten")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Stadtbücherei Miltenberg")).to_be_visible()
    expect(results.get_by_role("link", name="Kronberg-Gymnasium")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=Milten"))
    expect(page.locator("#live-announcer")).to_have_text("1 Einrichtung gefunden")
    audit.check(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    # Back to everything: the back button restores the full list.
    page.go_back()
    expect(page.get_by_role("link", name="Kronberg-Gymnasium")).to_be_visible()


def test_the_directory_works_without_javascript(no_js_page, live_server, region, audit):
    page = no_js_page
    page.goto(f"{live_server.url}/organizations/")
    page.get_by_label("Art").select_option(label="Bibliothek")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page).to_have_url(re.compile(r"kind=library"))
    expect(page.get_by_role("link", name="Stadtbibliothek Aschaffenburg")).to_be_visible()
    expect(page.get_by_role("link", name="Kronberg-Gymnasium")).to_have_count(0)
    audit.check(page)


def test_a_wrong_password_shows_an_error_that_has_focus(page, live_server, region, audit):
    UserFactory(email="lehrerin@example.org")
    page.goto(f"{live_server.url}/accounts/login/")
    audit.check(page)
    page.get_by_label("E-Mail").fill("lehrerin@example.org")
    page.get_by_label("Passwort").first.fill("falsch-falsch-falsch")
    page.get_by_label("Passwort").first.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Die E-Mail-Adresse und/oder das Passwort sind leider falsch.")
    expect(alert).to_be_focused()
    audit.check(page)


def test_a_resident_signs_up_and_is_asked_to_confirm_the_email(
    page, live_server, region, audit, mailoutbox
):
    page.goto(f"{live_server.url}/accounts/signup/")
    audit.check(page)
    page.get_by_label("E-Mail").fill("anna.neu@example.org")
    page.get_by_label("Name").fill("Anna Neu")
    page.get_by_label("Passwort", exact=True).fill("ein langes sicheres Passwort")
    page.get_by_label("Passwort (Wiederholung)").fill("ein langes sicheres Passwort")
    page.get_by_role("button", name="Registrieren").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("E-Mail-Adresse")
    audit.check(page)
    assert [message.to for message in mailoutbox] == [["anna.neu@example.org"]]


def test_the_language_switch_goes_to_english_and_back(page, live_server, region, audit):
    page.goto(f"{live_server.url}/organizations/")
    audit.check(page)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schools, libraries and providers")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    audit.check(page)
    page.get_by_role("button", name="Deutsch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schulen, Bibliotheken und Anbieter")
    audit.check(page)


def test_the_language_switch_works_without_javascript(no_js_page, live_server, region, audit):
    page = no_js_page
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Digital learning in the region")
    audit.check(page)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/organizations/",
        "/accounts/login/",
        "/accounts/signup/",
        "/imprint/",
        "/privacy/",
        "/accessibility/",
    ],
)
def test_pages_work_without_javascript(no_js_page, live_server, region, audit, path):
    no_js_page.goto(f"{live_server.url}{path}")
    expect(no_js_page.get_by_role("heading", level=1)).to_be_visible()
    audit.check(no_js_page)


def test_a_phone_sized_screen_shows_the_navigation(page, live_server, region, audit):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/organizations/")
    audit.check(page)
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
