"""The course pages on a phone, in German (the site's language), keyboard only: the catalog
shows its first course without scrolling and folds the filters into "Filter (n aktiv)";
"Meine Kurse" shows status and the cancel action on a card; the provider's list and the
attendance list fit a phone. Screenshots of each page at 390 and 1280 px go to
``LERNPOOL_SCREENSHOTS`` when that is set, to be looked at."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.dates import local_datetime
from courses.models import Attendance, Course
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LocationFactory,
    MeetingFactory,
    OrganizationFactory,
    UserFactory,
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


def test_on_a_phone_a_provider_is_found_by_a_part_of_its_name_and_chosen_by_keyboard(
    page, live_server, catalog, audit
):
    # Hundreds of providers in a region: a field for a part of the name, not a <select>.
    for number in range(14):
        provider = OrganizationFactory(name=f"Stadtbibliothek Ort {number:02}", kind="library")
        course_on(4 + number, title=f"Kurs in Ort {number:02}", organization=provider)
    vhs = OrganizationFactory(name="VHS Miltenberg", kind="adult_education")
    course_on(6, title="Excel im Beruf", organization=vhs)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/courses/")
    audit.check(page)
    expect(page.locator("select[name=organization]")).to_have_count(0)
    page.locator(".catalog-filters__summary").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Anbieter", exact=True).focus()
    page.keyboard.type("stadtbib")
    note = page.locator("#provider-matches")
    expect(note).to_have_text(
        "Kurse der 15 Anbieter, deren Name „stadtbib“ enthält – wählen Sie einen, um nur"
        " seine Kurse zu sehen:"
    )
    expect(page.locator("#results-heading")).to_have_text("17 Kurse")
    matches = page.get_by_role("list", name=re.compile("Kurse der 15 Anbieter"))
    expect(matches.get_by_role("link")).to_have_count(10)
    expect(matches).to_contain_text("und 5 weitere: Geben Sie mehr vom Namen ein")
    audit.check(page)
    no_page_scroll_sideways(page)
    shoot(page, "catalog-390-providers")

    # Choose one with the keyboard: its courses only, named, and the filter can be removed.
    # (Leaving the field sends the form once more, a "change": let that answer arrive first,
    # or its new address in the history cancels the link's page load.)
    page.keyboard.press("Tab")
    page.wait_for_load_state("networkidle")
    matches.get_by_role("link", name="Stadtbibliothek Aschaffenburg").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_have_text("3 Kurse")
    expect(page.locator("#results")).to_contain_text("Kurse von Stadtbibliothek Aschaffenburg.")
    expect(page.locator(".catalog-filters__summary")).to_have_text("Filter (1 aktiv)")
    assert "organization=" in page.url and "provider=" not in page.url
    audit.check(page)
    page.get_by_role("link", name="Kurse aller Anbieter zeigen").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_have_text("18 Kurse")
    assert "organization=" not in page.url
    audit.check(page)

    # A part of a name no provider has says so.
    page.goto(f"{live_server.url}/courses/?provider=Quantenakademie")
    expect(page.locator("#results")).to_contain_text("Kein Anbietername enthält „Quantenakademie“.")
    audit.check(page)


def test_without_javascript_a_part_of_a_provider_name_filters(
    no_js_page, live_server, catalog, audit
):
    page = no_js_page
    vhs = OrganizationFactory(name="VHS Miltenberg", kind="adult_education")
    course_on(6, title="Excel im Beruf", organization=vhs)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/courses/")
    page.locator(".catalog-filters__summary").click()
    page.get_by_label("Anbieter", exact=True).fill("miltenberg")
    page.get_by_role("button", name="Kurse anzeigen").click()
    expect(page.locator("#results-heading")).to_have_text("1 Kurs")
    expect(page.locator("#provider-matches")).to_have_text(
        "Kurse des Anbieters, dessen Name „miltenberg“ enthält:"
    )
    audit.check(page)


@pytest.fixture
def my_courses(resident, catalog):
    """The resident: enrolled in a course ahead, attended one that is over, missed another."""
    ahead = Course.objects.get(title="Online-Banking sicher nutzen")
    EnrollmentFactory(course=ahead, user=resident)
    for title, present in (("Word für Einsteiger", True), ("Sicher im Netz", False)):
        course = course_on(-20, -13, title=title)
        enrollment = EnrollmentFactory(course=course, user=resident)
        for meeting in course.meetings.all():
            Attendance.objects.create(enrollment=enrollment, meeting=meeting, present=present)
    return ahead


def inside_the_screen(page, locator) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


def test_my_courses_on_a_phone_show_status_cancel_and_what_happened(
    page, live_server, resident, my_courses, audit, log_in
):
    page.set_viewport_size(PHONE)
    log_in(page, resident)
    page.goto(f"{live_server.url}/my-courses/")
    audit.check(page)
    card = page.get_by_role("row", name=re.compile("Online-Banking sicher nutzen"))
    inside_the_screen(page, card.get_by_text("Angemeldet", exact=True))
    cancel = card.get_by_role("link", name=re.compile("Vom Kurs abmelden"))
    inside_the_screen(page, cancel)
    past = page.locator("section", has=page.get_by_role("heading", name="Vergangene Kurse"))
    expect(past.get_by_role("row", name=re.compile("Word für Einsteiger"))).to_contain_text(
        "teilgenommen"
    )
    expect(past.get_by_role("row", name=re.compile("Sicher im Netz"))).to_contain_text(
        "nicht teilgenommen"
    )
    expect(past).not_to_contain_text("Angemeldet")
    no_page_scroll_sideways(page)
    shoot(page, "my-courses-390")
    page.set_viewport_size(NARROW)
    no_page_scroll_sideways(page)
    page.set_viewport_size(WIDE)
    shoot(page, "my-courses-1280")

    # Keyboard only: the cancel action asks first.
    cancel.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit.check(page)


@pytest.fixture
def provider_day(organization):
    """Kronberg's courses: one tonight with three people (attendance), a draft without dates,
    one that is over."""
    venue = LocationFactory(organization=organization, name="Medienraum")
    tonight = CourseFactory(organization=organization, title="Tablet-Kurs", location=venue)
    today = timezone.localdate()
    meeting = MeetingFactory(
        course=tonight,
        start=local_datetime(today, datetime.time(0, 1)),
        end=local_datetime(today, datetime.time(23, 59)),
    )
    MeetingFactory(course=tonight, start=at(7), end=at(7) + datetime.timedelta(hours=2))
    for name in ("Anna Apfel", "Bert Birne", "Carla Kirsche-Wunderlich von Hohenstein"):
        EnrollmentFactory(course=tonight, user=UserFactory(name=name))
    CourseFactory(organization=organization, title="Entwurf: KI im Alltag", status="draft",
                  published_at=None)  # fmt: skip
    course_on(-30, -23, title="Excel im Herbst", organization=organization, location=venue)
    return meeting


def test_the_provider_list_and_attendance_on_a_phone(
    page, live_server, staff, provider_day, audit, log_in
):
    page.set_viewport_size(PHONE)
    log_in(page, staff)
    page.goto(f"{live_server.url}/manage/courses/")
    audit.check(page)
    for heading in ("Laufend und anstehend", "Entwürfe", "Vorbei oder abgesagt"):
        expect(page.get_by_role("heading", name=re.compile(heading))).to_be_visible()
    draft = page.get_by_role("row", name=re.compile("Entwurf: KI im Alltag"))
    expect(draft.get_by_role("button", name=re.compile("Veröffentlichen"))).to_be_disabled()
    expect(draft).to_contain_text("Fügen Sie zuerst die Termine hinzu")
    over = page.get_by_role("row", name=re.compile("Excel im Herbst"))
    expect(over.get_by_role("link", name=re.compile("bescheinigungen", re.I))).to_be_visible()
    expect(over.get_by_role("link", name=re.compile("absagen", re.I))).to_have_count(0)
    no_page_scroll_sideways(page)
    shoot(page, "provider-list-390")
    page.set_viewport_size(WIDE)
    shoot(page, "provider-list-1280")

    page.set_viewport_size(PHONE)
    course = provider_day.course
    page.goto(
        f"{live_server.url}/manage/courses/{course.pk}/meetings/{provider_day.pk}/attendance/"
    )
    audit.check(page)
    for name in ("Anna Apfel", "Carla Kirsche-Wunderlich von Hohenstein"):
        box = page.get_by_role("checkbox", name=name)
        target = box.locator("xpath=..").bounding_box()  # what a finger hits
        label = page.locator(".attendance-row", has_text=name).locator(".attendance-name")
        text = label.bounding_box()
        assert target["width"] >= 44 and target["height"] >= 44
        # Beside the name, never over it.
        left, right = sorted((target, text), key=lambda box: box["x"])
        assert left["x"] + left["width"] <= right["x"]
        box.focus()
        page.keyboard.press("Space")
        expect(box).to_be_checked()
        expect(page.locator(".attendance-row", has_text=name)).to_contain_text("Gespeichert")
    no_page_scroll_sideways(page)
    shoot(page, "attendance-390")
    page.set_viewport_size(NARROW)
    no_page_scroll_sideways(page)
    page.set_viewport_size(WIDE)
    shoot(page, "attendance-1280")
    assert Attendance.objects.filter(meeting=provider_day, present=True).count() == 2
