"""Single sign-on in the browser, against the real OpenID provider of the tests (tests/oidc):
the login page's provider button, the provider's login, back in Lernpool with the account and
the role from the claims; a second factor at the provider counts as 2FA."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from accounts.models import User
from organizations.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


def sso(page, live_server, audit, login: str | None, amr: str, start: str = "/accounts/login/"):
    page.goto(f"{live_server.url}{start}")
    audit.check(page)
    page.get_by_role("button", name="Mit Schul-Login anmelden").click()
    if login is None:  # still logged in at the provider: straight back to Lernpool
        return
    expect(page.get_by_role("heading", level=1)).to_have_text("Test provider login")
    audit.check(page)
    page.get_by_label("Login").fill(login)
    page.get_by_label("Methods (amr)").fill(amr)
    page.get_by_role("button", name="Sign in").click()


def test_the_login_page_shows_the_provider_button(page, live_server, school_login, audit):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/accounts/login/")
    audit.check(page)
    button = page.get_by_role("button", name="Mit Schul-Login anmelden")
    expect(button).to_be_visible()
    # Above the login by email address.
    assert button.bounding_box()["y"] < page.get_by_label("E-Mail").bounding_box()["y"]
    page.screenshot(path=SCREENSHOTS / "oidc-login-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    expect(button).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "oidc-login-phone.png", full_page=True)


def test_staff_with_a_second_factor_at_the_provider_reaches_the_desk(
    page, live_server, school_login, oidc_provider, audit
):
    oidc_provider.set_account(
        "stefan", email="stefan@schule.example", name="Stefan Sommer", groups=["kg-staff"]
    )
    sso(page, live_server, audit, "stefan", "pwd otp", start="/desk/")
    expect(page).to_have_url(f"{live_server.url}/desk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ausgabe")
    audit.check(page)
    user = User.objects.get(email="stefan@schule.example")
    assert user.name == "Stefan Sommer"
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == ["staff"]

    # The claim goes: at the next login the role goes too, and the desk is closed.
    page.get_by_role("button", name="Abmelden").first.click()
    audit.check(page)
    expect(page.get_by_role("link", name="Auch beim Identitätsanbieter abmelden")).to_be_visible()
    oidc_provider.set_account("stefan", email="stefan@schule.example", groups=[])
    # Still logged in at the provider (its logout was offered, not taken): no form there.
    sso(page, live_server, audit, None, "")
    expect(page.get_by_role("link", name="Mein Konto")).to_be_visible()
    audit.check(page)
    assert not Membership.objects.filter(user=user).exists()


def test_staff_with_only_a_password_at_the_provider_is_sent_to_set_up_totp(
    page, live_server, school_login, oidc_provider, audit
):
    oidc_provider.set_account("paula", email="paula@schule.example", groups=["kg-staff"])
    sso(page, live_server, audit, "paula", "pwd", start="/desk/")
    expect(page).to_have_url(re.compile(r"/accounts/(reauthenticate|2fa/totp/activate)/"))
    expect(page.locator("#messages")).to_contain_text("Zwei-Faktor")
    audit.check(page)


def test_linking_an_existing_account_needs_its_password(
    page, live_server, school_login, oidc_provider, resident, password, audit
):
    oidc_provider.set_account("rita", email=resident.email, name="Rita Rast")
    sso(page, live_server, audit, "rita", "pwd")
    # Not logged in: the address's owner is emailed, the page says to check the mail.
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/"))
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()
    audit.check(page)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-Mail").fill(resident.email)
    page.get_by_label("Passwort").first.fill(password)
    page.get_by_label("Passwort").first.press("Enter")
    expect(page.get_by_role("link", name="Mein Konto")).to_be_visible()
    audit.check(page)
    page.get_by_role("link", name="Mein Konto").click()
    audit.check(page)
    page.get_by_role("link", name="Verknüpfte Logins (Single Sign-on)").click()
    audit.check(page)
    page.get_by_role("link", name="Mit Schul-Login anmelden").click()
    audit.check(page)
    page.get_by_role("button", name="Fortfahren").click()
    # Still logged in at the provider as "rita": straight back, and Lernpool asks for the
    # password again before it links the login.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    audit.check(page)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/3rdparty/"))
    audit.check(page)
    assert SocialAccount.objects.get(uid="rita").user == resident
