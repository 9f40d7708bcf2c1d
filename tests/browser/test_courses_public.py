"""A resident finds a course in the catalog with the keyboard only (the filters update the
list as they type and tick), opens it, logs in from the course page and comes back to it,
enrols, and cancels. Also without JavaScript; and a certificate verifies. axe-core checks
every page. Pages are switched to English (the course texts' msgids)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Certificate, Enrollment
from tests.browser.conftest import nav_link
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LocationFactory,
    MeetingFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def at(days: int, hour: int = 18) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def course_on(*days: int, **values):
    course = CourseFactory(**values)
    for day in days:
        MeetingFactory(course=course, start=at(day), end=at(day) + datetime.timedelta(minutes=90))
    return course


@pytest.fixture
def programme(db):
    library = OrganizationFactory(name="Stadtbibliothek Aschaffenburg", kind="library")
    ramp = LocationFactory(organization=library, name="Lernwerkstatt EG", step_free=True)
    stairs = LocationFactory(organization=library, name="Dachgeschoss", step_free=False)
    wanted = course_on(
        9,
        16,
        title="Online-Banking sicher nutzen",
        topic="online_banking",
        organization=library,
        location=ramp,
        questions="Bringen Sie ein Gerät mit?",
    )
    course_on(
        5,
        title="Online-Banking im Dachgeschoss",
        topic="online_banking",
        organization=library,
        location=stairs,
    )
    course_on(3, title="Smartphone für Einsteiger", organization=library, location=ramp)
    return wanted


def in_english(page, audit) -> None:
    page.get_by_role("button", name="English").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Deutsch")).to_be_visible()
    audit.check(page)


def results(page):
    return page.locator("#results")


def test_a_resident_finds_a_course_by_keyboard_enrols_and_cancels(
    page, live_server, resident, password, programme, audit
):
    # Logging in switches the pages to the account's language: this resident chose English.
    resident.preferred_language = "en"
    resident.save(update_fields=["preferred_language"])
    page.goto(f"{live_server.url}/courses/")
    audit.check(page)
    in_english(page, audit)
    expect(results(page).get_by_role("heading", level=2)).to_have_text("3 courses")

    # Type into the search: the list updates as one types, and says how many.
    page.get_by_label("Search", exact=True).focus()
    page.keyboard.type("banking")
    expect(results(page).get_by_role("heading", level=2)).to_have_text("2 courses")
    expect(page.locator("#live-announcer")).to_have_text("2 courses found")
    assert "q=banking" in page.url

    # Tick "step-free venues" with the space bar.
    page.get_by_label("Only step-free venues").focus()
    page.keyboard.press("Space")
    expect(results(page).get_by_role("heading", level=2)).to_have_text("1 course")
    expect(page.locator("#live-announcer")).to_have_text("1 course found")
    assert "step_free=on" in page.url
    audit.check(page)

    link = results(page).get_by_role("link", name="Online-Banking sicher nutzen")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Online-Banking sicher nutzen")
    audit.check(page)

    page.get_by_role("link", name="Log in to enrol").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit.check(page)
    page.get_by_label("Email").focus()
    page.keyboard.type(resident.email)
    page.get_by_label("Password").first.focus()
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    # Back on the course page, logged in.
    expect(page.get_by_role("heading", level=1)).to_have_text("Online-Banking sicher nutzen")
    audit.check(page)

    page.get_by_label("Bringen Sie ein Gerät mit?").focus()
    page.keyboard.type("Ja, ein Tablet")
    page.get_by_role("button", name="Enrol").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="You are enrolled.")).to_be_visible()
    audit.check(page)
    enrollment = Enrollment.objects.get(user=resident)
    assert enrollment.status == "confirmed"
    assert enrollment.answers["Bringen Sie ein Gerät mit?"] == "Ja, ein Tablet"

    nav_link(page, "My courses").focus()
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("row", name=re.compile("Online-Banking sicher nutzen"))
    ).to_contain_text("Enrolled")
    audit.check(page)
    page.go_back()
    audit.check(page)

    page.get_by_role("link", name="Cancel my enrolment").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your enrolment?")
    expect(page.locator("#main")).to_contain_text("Your seat in “Online-Banking sicher nutzen”")
    audit.check(page)
    page.get_by_role("button", name="Yes, cancel").focus()
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("status").filter(
            has_text="You are no longer enrolled in the course “Online-Banking sicher nutzen”."
        )
    ).to_be_visible()
    audit.check(page)
    enrollment.refresh_from_db()
    assert enrollment.status == "cancelled"


def test_the_catalog_filters_and_enrolling_work_without_javascript(
    no_js_page, live_server, programme, audit
):
    page = no_js_page
    page.goto(f"{live_server.url}/courses/")
    in_english(page, audit)
    page.get_by_label("Topic").select_option("online_banking")
    page.get_by_label("Only step-free venues").check()
    page.get_by_role("button", name="Show courses").click()
    expect(results(page).get_by_role("heading", level=2)).to_have_text("1 course")
    audit.check(page)
    page.get_by_label("From", exact=True).fill("2000-01-02")
    page.get_by_label("Until", exact=True).fill("2000-01-01")
    page.get_by_role("button", name="Show courses").click()
    expect(page.get_by_role("alert")).to_contain_text("This date must not be before")
    audit.check(page)


def test_a_certificate_verifies(page, live_server, audit, programme):
    enrollment = EnrollmentFactory(course=programme)
    Certificate.objects.create(
        enrollment=enrollment,
        code="K7M2P9QX4R",
        holder_name="Erika Mustermann",
        course_title="Online-Banking sicher nutzen",
        provider_name="Stadtbibliothek Aschaffenburg",
        first_day=datetime.date(2026, 3, 3),
        last_day=datetime.date(2026, 3, 17),
        hours=Decimal("3.0"),
    )
    page.goto(f"{live_server.url}/certificates/k7m2p9qx4r/")
    in_english(page, audit)
    expect(page.get_by_role("status").filter(has_text="This certificate is valid.")).to_be_visible()
    expect(page.get_by_text("Erika Mustermann")).to_be_visible()
    audit.check(page)
    page.goto(f"{live_server.url}/certificates/WRONGCODE2/")
    expect(page.get_by_role("alert")).to_contain_text("This certificate could not be verified.")
    audit.check(page)


def test_a_result_clicked_right_after_typing_opens_without_a_second_search(
    page, live_server, programme, audit
):
    """Leaving the search field (by clicking a result) sends no search again: the value did
    not change since the last one, and a second request could cancel the link's load."""
    searches = []
    page.on("request", lambda r: searches.append(r.url) if r.headers.get("hx-request") else None)
    page.goto(f"{live_server.url}/courses/")
    audit.check(page)

    page.locator("#id_q").focus()
    page.keyboard.type("banking")
    expect(results(page).get_by_role("link", name="Smartphone für Einsteiger")).to_have_count(0)
    typed = list(searches)
    assert typed and all("q=banking" in url for url in typed)

    results(page).get_by_role("link", name="Online-Banking sicher nutzen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Online-Banking sicher nutzen")
    audit.check(page)
    assert searches == typed
