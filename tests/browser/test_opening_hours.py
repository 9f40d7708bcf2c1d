"""A librarian fills in the weekly opening hours by keyboard, previews the next four weeks and
saves; the organization's page then says whether it is open now. axe-core checks every page;
screenshots of the page and the form at 1280 and 390 pixels wide go to test-results/."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from organizations.models import OpeningSchedule, Role
from tests.factories import MembershipFactory, OrganizationFactory, give_special_hours

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
BERLIN = ZoneInfo("Europe/Berlin")


def next_tuesday_late_morning() -> datetime.datetime:
    """A Tuesday 11:00 soon (the browser's cookies live in real time, so not far away)."""
    day = datetime.date.today() + datetime.timedelta(days=1)
    while day.weekday() != 1:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(11), tzinfo=BERLIN)


def type_time(page, field, text: str) -> None:
    field.focus()
    page.keyboard.type(text)


def test_a_librarian_fills_in_the_hours_by_keyboard_and_the_page_says_open_now(
    page, live_server, audit, log_in
):
    now = next_tuesday_late_morning()
    with time_machine.travel(now, tick=True):
        library = OrganizationFactory(
            name="Stadtbibliothek Aschaffenburg", slug="stadtbibliothek", kind="library"
        )
        give_special_hours(
            library, now.date() + datetime.timedelta(days=9), "10-12", note="Heiligabend"
        )
        librarian = MembershipFactory(organization=library, role=Role.STAFF).user
        log_in(page, librarian)
        page.goto(f"{live_server.url}/organizations/stadtbibliothek/")
        audit.check(page)
        link = page.get_by_role("link", name="Öffnungszeiten bearbeiten")
        link.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Öffnungszeiten")
        audit.check(page)

        weekly = page.get_by_role("region", name="Wöchentliche Öffnungszeiten")
        type_time(page, weekly.get_by_label("Dienstag, von", exact=True), "10:00")
        page.keyboard.press("Tab")
        page.keyboard.type("13")
        page.keyboard.press("Tab")
        expect(weekly.get_by_label("Dienstag, zweite Zeit, und von")).to_be_focused()
        page.keyboard.type("14")
        page.keyboard.press("Tab")
        page.keyboard.type("18:00")
        for day in ("Mittwoch", "Donnerstag", "Freitag"):
            type_time(page, weekly.get_by_label(f"{day}, von", exact=True), "10")
            page.keyboard.press("Tab")
            page.keyboard.type("1800")
        type_time(page, weekly.get_by_label("Samstag, von", exact=True), "10.00")
        page.keyboard.press("Tab")
        page.keyboard.type("13 Uhr")
        closed = weekly.get_by_label("Montag: geschlossen")
        closed.focus()
        page.keyboard.press("Space")
        expect(closed).to_be_checked()

        preview = page.get_by_role("button", name="Vorschau ohne Speichern")
        preview.focus()
        page.keyboard.press("Enter")
        heading = page.get_by_role("heading", name=re.compile("Vorschau der nächsten vier Wochen"))
        expect(heading).to_be_visible()
        audit.check(page)
        days = page.get_by_role("table", name="Öffnungszeiten Tag für Tag")
        today = days.get_by_role("row").filter(has_text=now.strftime("%d.%m."))
        expect(today.first).to_contain_text("10:00–13:00, 14:00–18:00")
        expect(days).to_contain_text("10:00–12:00 (Heiligabend)")
        expect(days).to_contain_text("geschlossen")
        assert not OpeningSchedule.objects.exists()  # only a preview

        page.set_viewport_size({"width": 1280, "height": 900})
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "opening-hours-form-desktop.png", full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=SCREENSHOTS / "opening-hours-form-phone.png", full_page=True)

        save = page.get_by_role("button", name="Öffnungszeiten speichern")
        save.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_text("Die Öffnungszeiten sind gespeichert.")).to_be_visible()
        audit.check(page)
        assert OpeningSchedule.objects.filter(organization=library).count() == 1

        page.goto(f"{live_server.url}/organizations/stadtbibliothek/")
        expect(page.get_by_text("Jetzt geöffnet bis 13:00 Uhr")).to_be_visible()
        expect(page.get_by_role("row", name=re.compile("^Dienstag"))).to_contain_text(
            "10:00–13:00, 14:00–18:00"
        )
        audit.check(page)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=SCREENSHOTS / "organization-open-now-desktop.png", full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=SCREENSHOTS / "organization-open-now-phone.png", full_page=True)
        audit.check(page)
