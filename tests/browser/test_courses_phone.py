"""The course pages on a phone, in German (the site's language), keyboard only: the catalog
shows its first course without scrolling and folds the filters into "Filter (n aktiv)";
"Meine Kurse" shows status and the cancel action on a card; the provider's list and the
attendance list fit a phone. Screenshots of each page at 390 and 1280 px go to
``LERNPOOL_SCREENSHOTS`` when that is set, to be looked at."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.dates import local_datetime
from courses.models import Course
from tests.factories import (
    CourseFactory,
    LocationFactory,
    MeetingFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
WIDE = {"width": 1280, "height": 900}
SHOTS = os.environ.get("LERNPOOL_SCREENSHOTS", "")


def shoot(page, name: str, *, full_page: bool = True) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=full_page)


def no_page_scroll_sideways(page) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def at(days: int, hour: int = 18) -> datetime.datetime:
    return local_datetime(timezone.localdate() + datetime.timedelta(days=days), datetime.time(hour))


def course_on(*days: int, **values) -> Course:
    course = CourseFactory(**values)
    for day in days:
        MeetingFactory(course=course, start=at(day), end=at(day) + datetime.timedelta(minutes=90))
    return course


@pytest.fixture
def catalog(db):
    library = OrganizationFactory(name="Stadtbibliothek Aschaffenburg", kind="library")
    ramp = LocationFactory(organization=library, name="Lernwerkstatt EG", step_free=True)
    stairs = LocationFactory(organization=library, name="Dachgeschoss", step_free=False)
    course_on(
        3,
        title="Videotelefonie mit der Familie",
        summary="Enkel und Kinder sehen, auch wenn sie weit weg wohnen.",
        description="Wir richten WhatsApp ein und telefonieren mit Bild.",
        topic="media",
        organization=library,
        location=ramp,
    )
    course_on(5, 12, title="Online-Banking sicher nutzen", topic="online_banking",
              organization=library, location=stairs)  # fmt: skip
    course_on(9, title="Tabletkurs für Senioren", organization=library, location=ramp)


def test_on_a_phone_the_first_course_shows_without_scrolling_and_filters_fold(
    page, live_server, catalog, audit
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/courses/")
    audit.check(page)
    first = page.locator("#results .course-card").first
    expect(first).to_contain_text("Videotelefonie mit der Familie")
    shoot(page, "catalog-390-first-screen", full_page=False)
    title = first.get_by_role("heading", level=3).bounding_box()
    assert title["y"] + title["height"] <= PHONE["height"], "first course below the fold"
    summary = page.locator(".catalog-filters__summary")
    expect(summary).to_have_text("Filter")
    expect(page.get_by_label("Thema")).to_be_hidden()  # folded away
    shoot(page, "catalog-390")

    # Keyboard only: the search, then open the filters and tick one with the space bar.
    page.get_by_label("Suche").focus()
    page.keyboard.type("WhatsApp")
    expect(page.locator("#results-heading")).to_have_text("1 Kurs")
    expect(page.locator("#live-announcer")).to_have_text("1 Kurs gefunden")
    page.get_by_label("Suche").fill("")
    page.get_by_label("Suche").press("Enter")
    expect(page.locator("#results-heading")).to_have_text("3 Kurse")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Thema")).to_be_visible()
    page.get_by_label("Nur barrierefreie Veranstaltungsorte").focus()
    page.keyboard.press("Space")
    expect(page.locator("#results-heading")).to_have_text("2 Kurse")
    expect(page.locator("#live-announcer")).to_have_text("2 Kurse gefunden")
    expect(summary).to_have_text("Filter (1 aktiv)")
    assert "step_free=on" in page.url
    audit.check(page)

    page.set_viewport_size(NARROW)
    no_page_scroll_sideways(page)
    page.set_viewport_size(WIDE)
    expect(page.get_by_label("Thema")).to_be_visible()  # a wide screen shows them all
    expect(summary).to_be_hidden()
    shoot(page, "catalog-1280")


def test_without_javascript_the_folded_filters_still_filter(
    no_js_page, live_server, catalog, audit
):
    page = no_js_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/courses/")
    page.locator(".catalog-filters__summary").click()
    page.get_by_label("Thema").select_option("online_banking")
    page.get_by_role("button", name="Kurse anzeigen").click()
    expect(page.locator("#results-heading")).to_have_text("1 Kurs")
    expect(page.locator(".catalog-filters__summary")).to_have_text("Filter (1 aktiv)")
    audit.check(page)
