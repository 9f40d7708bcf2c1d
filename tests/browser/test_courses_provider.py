"""A provider runs a course: creates it with a weekly series of dates and publishes it; then
takes attendance on a phone, one tap per person, saved as they go. The person switches the
interface to English first, so the test reads the same words whatever the German catalogue
says."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.dates import local_datetime
from courses.models import Attendance, Course
from tests.browser.conftest import nav_link
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LocationFactory,
    MeetingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def _in_english(page, audit) -> None:
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    audit.check(page)


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture
def tonight(organization):
    """A course whose meeting is today (so attendance can be taken), with three people."""
    venue = LocationFactory(organization=organization, name="Medienraum")
    course = CourseFactory(organization=organization, title="Tablet-Kurs", location=venue)
    today = timezone.localdate()
    meeting = MeetingFactory(
        course=course,
        start=local_datetime(today, datetime.time(0, 1)),
        end=local_datetime(today, datetime.time(23, 59)),
    )
    for name in ("Anna Apfel", "Bert Birne", "Carla Kirsche"):
        EnrollmentFactory(course=course, user=UserFactory(name=name))
    return meeting


def test_staff_take_attendance_on_a_phone_saved_as_they_go(
    page, live_server, staff, tonight, audit, log_in
):
    log_in(page, staff)
    _in_english(page, audit)
    page.set_viewport_size(PHONE)
    course = tonight.course
    page.goto(f"{live_server.url}/manage/courses/{course.pk}/meetings/{tonight.pk}/attendance/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance")
    audit.check(page)
    _fits_the_phone(page)

    for name in ("Anna Apfel", "Carla Kirsche"):
        # The tick box beside the name is the touch target.
        page.locator(".attendance-row", has_text=name).locator(".attendance-toggle").click()
        expect(page.get_by_role("checkbox", name=name)).to_be_checked()
        expect(page.locator(".attendance-row", has_text=name)).to_contain_text("Saved")
        expect(page.locator("#live-announcer")).to_have_text(f"{name}: present, saved.")
    audit.check(page)
    # The touch target is as large as a finger.
    toggle = page.locator(".attendance-row", has_text="Anna Apfel").locator(".attendance-toggle")
    assert toggle.bounding_box()["height"] >= 44 and toggle.bounding_box()["width"] >= 44
    assert set(
        Attendance.objects.filter(meeting=tonight, present=True).values_list(
            "enrollment__user__name", flat=True
        )
    ) == {"Anna Apfel", "Carla Kirsche"}

    page.reload()
    audit.check(page)
    expect(page.get_by_role("checkbox", name="Anna Apfel")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Carla Kirsche")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Bert Birne")).not_to_be_checked()


def test_attendance_without_javascript_is_saved_with_the_button(
    no_js_page, live_server, staff, tonight, audit, log_in
):
    page = no_js_page
    log_in(page, staff)
    _in_english(page, audit)
    course = tonight.course
    page.goto(f"{live_server.url}/manage/courses/{course.pk}/meetings/{tonight.pk}/attendance/")
    audit.check(page)
    page.get_by_role("checkbox", name="Bert Birne").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("status").first).to_contain_text("Attendance saved.")
    expect(page.get_by_role("checkbox", name="Bert Birne")).to_be_checked()
    audit.check(page)
    assert Attendance.objects.get(present=True).enrollment.user.name == "Bert Birne"


def test_staff_create_a_course_with_a_weekly_series_and_publish_it(
    page, live_server, staff, organization, audit, log_in
):
    LocationFactory(organization=organization, name="Medienraum")
    first = timezone.localdate() + datetime.timedelta(days=10)
    log_in(page, staff)
    _in_english(page, audit)

    nav_link(page, "Run courses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Courses")
    audit.check(page)
    page.get_by_role("link", name="New course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New course")
    audit.check(page)

    page.get_by_label("Title", exact=True).fill("Online banking safely")
    page.get_by_label("In one sentence").fill("Pay and bank online without worry.")
    page.get_by_label("What you learn").fill("Logins, TANs, phishing.")
    page.get_by_label("Topic").select_option("online_banking")
    page.get_by_label("For whom").select_option("seniors")
    page.get_by_label("Venue").select_option(label="Medienraum")
    page.get_by_label("Seats").fill("12")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Online banking safely")
    expect(page.get_by_role("status").first).to_contain_text("Course saved as a draft")
    audit.check(page)
    course = Course.objects.get()
    assert course.status == "draft" and course.capacity == 12

    add = page.get_by_role("region", name="Add dates")
    add.get_by_label("Date", exact=True).fill(first.isoformat())
    add.get_by_label("From", exact=True).fill("18:00")
    add.get_by_label("Until", exact=True).fill("19:30")
    add.get_by_label("Every week").check()
    add.get_by_label("Number of dates").fill("4")
    add.get_by_role("button", name="Add or preview").click()

    preview = page.get_by_role("table", name="Planned dates")
    expect(preview.get_by_role("row")).to_have_count(5)
    audit.check(page)
    assert not course.meetings.exists()
    page.get_by_role("button", name="Add 4 dates").click()

    expect(page.get_by_role("status").first).to_contain_text("4 dates added.")
    expect(page.get_by_role("heading", name="4 dates")).to_be_visible()
    audit.check(page)
    page.get_by_role("button", name="Publish").click()

    expect(page.get_by_role("status").first).to_contain_text("Published")
    audit.check(page)
    course.refresh_from_db()
    assert course.status == "published"
    starts = [timezone.localtime(m.start) for m in course.meetings.order_by("start")]
    assert [s.date() for s in starts] == [first + datetime.timedelta(weeks=n) for n in range(4)]
    assert {s.strftime("%H:%M") for s in starts} == {"18:00"}


def test_the_participants_certificates_and_cancel_pages_are_accessible(
    page, live_server, staff, tonight, audit, log_in
):
    course = tonight.course
    EnrollmentFactory(
        course=course,
        user=UserFactory(name="Wanda Wartet"),
        status="waitlisted",
        waitlisted_at=timezone.now(),
    )
    log_in(page, staff)
    _in_english(page, audit)
    page.goto(f"{live_server.url}/manage/courses/{course.pk}/participants/")
    expect(page.get_by_role("table", name="Confirmed participants")).to_contain_text("Anna Apfel")
    expect(page.get_by_role("table", name="Waiting list")).to_contain_text("Wanda Wartet")
    audit.check(page)
    page.goto(f"{live_server.url}/manage/courses/{course.pk}/certificates/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificates")
    audit.check(page)
    page.goto(f"{live_server.url}/manage/courses/{course.pk}/cancel/")
    page.get_by_role("button", name="Cancel the course for everyone").click()
    expect(page.get_by_role("alert")).to_contain_text("This field is required")
    audit.check(page)
