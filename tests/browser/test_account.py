"""A person's own account pages, allauth's included: axe-core clean, keyboard, both languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNT_PAGES = [
    "/account/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/sessions/",
]


def test_every_account_page_is_accessible(page, live_server, teacher, password, audit, log_in):
    log_in(page, teacher)
    for path in ACCOUNT_PAGES:
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        audit.check(page)


def test_a_person_creates_and_revokes_an_api_token_by_keyboard(
    page, live_server, teacher, password, audit, log_in
):
    log_in(page, teacher)
    page.goto(f"{live_server.url}/account/")
    field = page.get_by_label("Wofür ist der Token?")
    field.focus()
    page.keyboard.type("Stundenplan-Skript")
    page.keyboard.press("Enter")
    expect(page.locator("#new-token")).to_have_text(re.compile(r"^lp_"))
    audit.check(page)
    page.get_by_role("button", name="Widerrufen Stundenplan-Skript").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("widerrufen")
    expect(page.get_by_role("cell", name="widerrufen")).to_be_visible()
    audit.check(page)


def test_the_account_pages_in_english(page, live_server, teacher, password, audit, log_in):
    log_in(page, teacher)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    audit.check(page)
    page.goto(f"{live_server.url}/account/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    audit.check(page)
