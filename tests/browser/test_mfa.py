"""A staff member without two-factor authentication is led through its setup, then works."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import current_totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_is_led_through_the_2fa_setup_to_the_desk(
    page, live_server, staff_without_2fa, password, audit
):
    # In English throughout (the login sets the person's language), so the wording can be
    # checked without depending on the translation.
    staff_without_2fa.preferred_language = "en"
    staff_without_2fa.save(update_fields=["preferred_language"])
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/desk/")
    audit.check(page)
    page.get_by_label("Email").fill(staff_without_2fa.email)
    page.get_by_label("Password").first.fill(password)
    page.get_by_label("Password").first.press("Enter")

    # Sent to the setup: allauth first asks for the password again; the message says why.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    expect(page.locator("#messages")).to_contain_text("two-factor authentication")
    audit.check(page)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    audit.check(page)
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    code = page.get_by_label("Authenticator code")
    code.fill(current_totp_code(secret, {}, staff_without_2fa.pk))
    code.press("Enter")

    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    assert all(re.fullmatch(r"\d{8}", c) for c in codes), codes
    audit.check(page)
    page.get_by_role("link", name="I have saved my codes: continue").click()

    expect(page).to_have_url(f"{live_server.url}/desk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Desk")
    audit.check(page)


def test_staff_with_2fa_logs_in_with_a_code(page, live_server, staff, log_in):
    """The log_in fixture enters the code; logging in twice in one period waits for the next
    code instead of reusing one (which allauth would refuse)."""
    log_in(page, staff)
    page.context.clear_cookies()  # a second browser, so to speak

    log_in(page, staff)

    page.goto(f"{live_server.url}/desk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ausgabe")
