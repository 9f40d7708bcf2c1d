"""A resident takes their data with them and deletes their account: "My data", the JSON
download, the summary, the tick, the password once more, logged out, and gone for good. The
pages are switched to English (the texts' msgids); axe-core checks every page."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from accounts.retention import run_retention
from accounts.services import create_api_token
from organizations.models import Organization, Role
from tests.browser.conftest import nav_link
from tests.factories import (
    LibraryCardFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def in_english(page, audit) -> None:
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    audit.check(page)


def test_a_resident_downloads_their_data_and_deletes_their_account(
    page, live_server, resident, password, audit, log_in
):
    create_api_token(by=resident, name="Kalender-Skript")
    email = resident.email
    log_in(page, resident)
    in_english(page, audit)

    page.get_by_role("link", name="My account").click()
    expect(page.get_by_role("heading", name="Your data and security")).to_be_visible()
    audit.check(page)
    page.get_by_role("link", name="My data", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")
    expect(page.get_by_role("table", name="Account: 1 entry")).to_contain_text(email)
    expect(page.get_by_role("table", name="API tokens: 1 entry")).to_contain_text("Kalender-Skript")
    audit.check(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as JSON").click()
    download = download_info.value
    assert download.suggested_filename.startswith("lernpool-data-")
    with open(download.path(), encoding="utf-8") as file:
        data = json.load(file)
    account = next(section for section in data["sections"] if section["key"] == "account")
    assert account["rows"][0]["email"] == email

    page.get_by_role("link", name="delete your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete my account")
    expect(page.get_by_role("heading", name="What stays, without a name")).to_be_visible()
    audit.check(page)
    # Without the tick: the form says what is missing.
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("#error-summary")).to_contain_text("Tick the box to confirm")
    audit.check(page)
    page.get_by_label("Yes, delete my account and my data for good.").check()
    page.get_by_role("button", name="Delete my account").click()

    if "/accounts/reauthenticate/" in page.url:  # asked for the password once more
        audit.check(page)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.locator("input[name=password]").fill(password)
        page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Your account and all your data have been deleted."
    )
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    audit.check(page)
    assert not User.objects.filter(email=email).exists()

    header.get_by_role("link", name="Log in").click()
    audit.check(page)
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    expect(page.locator("#main")).to_contain_text("are not correct")
    expect(page.get_by_role("link", name="My account")).to_have_count(0)
    audit.check(page)


def test_library_staff_answer_a_request_to_delete_an_account(
    page, live_server, password, audit, log_in
):
    library = OrganizationFactory(name="Stadtbibliothek", kind=Organization.Kind.LIBRARY)
    librarian = MembershipFactory(organization=library, role=Role.STAFF).user
    erika = UserFactory(name="Erika Mustermann", email="erika.mustermann@example.org")
    LibraryCardFactory(user=erika, organization=library, number="SB00012345")
    log_in(page, librarian)
    in_english(page, audit)

    nav_link(page, "Data requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data requests")
    audit.check(page)
    page.get_by_label("Name or email address").fill("musterm")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 person found")).to_be_visible()
    audit.check(page)
    page.get_by_role("link", name="Erika Mustermann").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erika Mustermann")
    audit.check(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download their data (JSON)").click()
    with open(download_info.value.path(), encoding="utf-8") as file:
        assert "erika.mustermann@example.org" in file.read()

    page.get_by_role("link", name="Erase account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase account")
    audit.check(page)
    page.get_by_label("The person's request").fill("In person at the desk")
    page.get_by_label("Asked on").fill(timezone.localdate().isoformat())
    page.get_by_label("Yes, delete this account and its data for good.").check()
    page.get_by_role("button", name="Erase account").click()
    if "/accounts/reauthenticate/" in page.url:
        audit.check(page)
        page.locator("input[name=password]").fill(password)
        page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("The request is recorded")
    expect(page.get_by_role("heading", level=1)).to_have_text("Erika Mustermann")
    audit.check(page)
    assert User.objects.filter(pk=erika.pk).exists()  # after the grace period, by the job
    run_retention(timezone.now() + datetime.timedelta(days=8))
    assert not User.objects.filter(pk=erika.pk).exists()
