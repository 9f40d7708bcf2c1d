"""Providers run their courses: the list, the form, the dashboard (dates, publish, cancel,
copy, devices), participants (HTML, CSV, sign-in sheet), attendance and certificates.
Staff of the course's organization see it; everyone else gets 404, never data."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from accounts.models import User
from core.dates import local_datetime
from courses.models import Attendance, Certificate, Course, Enrollment, Meeting
from tests.courses.conftest import in_days, weekly
from tests.factories import (
    ClosureFactory,
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    EnrollmentFactory,
    LocationFactory,
    MeetingFactory,
    UserFactory,
    give_hours,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


# ---------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture
def venue(organization):
    return LocationFactory(organization=organization, name="Medienraum", step_free=True)


@pytest.fixture
def course(organization, venue):
    """A draft of Kronberg with one date in a week."""
    course = CourseFactory(
        organization=organization,
        title="Sicher online einkaufen",
        status="draft",
        published_at=None,
        location=venue,
        capacity=2,
        questions="Do you bring your own device?",
    )
    MeetingFactory(course=course, start=in_days(7, 18), end=in_days(7, 19, 30))
    return course


@pytest.fixture
def published(course):
    Course.objects.filter(pk=course.pk).update(status="published", published_at=timezone.now())
    course.refresh_from_db()
    return course


@pytest.fixture
def people(published):
    """Two confirmed (one answered the question), one waiting, one cancelled."""
    now = timezone.now()
    anna = EnrollmentFactory(
        course=published,
        user=UserFactory(name="Anna Apfel", email="anna@example.org"),
        answers={"Do you bring your own device?": "Yes, a tablet"},
    )
    bert = EnrollmentFactory(course=published, user=UserFactory(name="Bert Birne"))
    carla = EnrollmentFactory(
        course=published,
        user=UserFactory(name="Carla Wartend"),
        status="waitlisted",
        confirmed_at=None,
        waitlisted_at=now,
    )
    dora = EnrollmentFactory(
        course=published,
        user=UserFactory(name="Dora Weg"),
        status="cancelled",
        cancelled_at=now,
    )
    return {"anna": anna, "bert": bert, "carla": carla, "dora": dora}


@pytest.fixture
def held(organization, venue):
    """A published course whose two dates were held (started in the past): attendance and
    certificates can be taken."""
    course = CourseFactory(
        organization=organization,
        title="Tablet-Kurs",
        location=venue,
        capacity=10,
        attendance_threshold=50,
    )
    MeetingFactory(course=course, start=in_days(-7, 10), end=in_days(-7, 12))
    MeetingFactory(course=course, start=in_days(0, 0, 1), end=in_days(0, 2))
    return course


def course_form(venue, **changes) -> dict:
    data = {
        "title": "KI im Alltag",
        "summary": "Was künstliche Intelligenz kann.",
        "description": "Chatbots, Bilder, Übersetzung.",
        "prerequisites": "",
        "topic": "ai",
        "audience": "residents",
        "level": "beginner",
        "language": "de",
        "location": venue.pk,
        "capacity": "12",
        "min_participants": "4",
        "registration_opens": "",
        "registration_closes": "2030-03-01T18:00",
        "cancellation_deadline": "",
        "price": "0",
        "attendance_threshold": "75",
        "questions": "",
        "pool": "",
        "devices_needed": "0",
    }
    return {**data, **changes}


def meeting_form(**changes) -> dict:
    day = timezone.localdate() + datetime.timedelta(days=14)
    data = {
        "first_date": day.isoformat(),
        "start_time": "18:00",
        "end_time": "19:30",
        "repeat": "once",
        "count": "",
        "until": "",
    }
    return {**data, **changes}


# ---------------------------------------------------------------------------------------
# Who may see the pages


@pytest.mark.parametrize("user", ["teacher", "resident", "outsider"])
def test_others_get_404_on_every_provider_page(client, request, user, held, people, published):
    enrollment = people["anna"]
    meeting = held.meetings.first()
    Attendance.objects.create(enrollment=EnrollmentFactory(course=held), meeting=meeting)
    certificate = Certificate.objects.create(
        enrollment=EnrollmentFactory(course=held),
        holder_name="Eva",
        course_title=held.title,
        provider_name="Kronberg",
        first_day=timezone.localdate(),
        last_day=timezone.localdate(),
        hours=2,
    )
    client.force_login(request.getfixturevalue(user))
    course = published.pk
    for url in [
        f"/manage/courses/?organization={published.organization.slug}",
        f"/manage/courses/new/?organization={published.organization.slug}",
        f"/manage/courses/{course}/",
        f"/manage/courses/{course}/edit/",
        f"/manage/courses/{course}/cancel/",
        f"/manage/courses/{course}/participants/",
        f"/manage/courses/{course}/participants.csv",
        f"/manage/courses/{course}/sign-in.pdf",
        f"/manage/courses/{held.pk}/meetings/{meeting.pk}/attendance/",
        f"/manage/courses/{held.pk}/certificates/",
        f"/manage/courses/{held.pk}/certificates.pdf",
        f"/manage/certificates/{certificate.pk}.pdf",
    ]:
        assert client.get(url).status_code == 404, url
    for url, data in [
        (f"/manage/courses/{course}/edit/", course_form(published.location, title="Hacked")),
        (f"/manage/courses/{course}/cancel/", {"reason": "Hacked"}),
        (f"/manage/courses/{course}/copy/", {"weeks_later": "1"}),
        (f"/manage/courses/{course}/meetings/", meeting_form()),
        (f"/manage/courses/{course}/meetings/{published.meetings.first().pk}/remove/", {}),
        (f"/manage/courses/{course}/participants/{enrollment.pk}/cancel/", {}),
        (
            f"/manage/courses/{held.pk}/meetings/{meeting.pk}/attendance/",
            {"enrollment": enrollment.pk, f"present_{enrollment.pk}": "on"},
        ),
        (f"/manage/courses/{held.pk}/certificates/", {}),
    ]:
        assert client.post(url, data).status_code == 404, url
    published.refresh_from_db()
    assert published.title == "Sicher online einkaufen"
    assert published.status == "published"
    assert Course.objects.count() == 2
    assert published.meetings.count() == 1
    assert Enrollment.objects.get(pk=enrollment.pk).status == "confirmed"
    assert Attendance.objects.count() == 1
    assert Certificate.objects.count() == 1


def test_outsiders_see_their_own_courses_not_ours(client, outsider, course, other_organization):
    theirs = CourseFactory(organization=other_organization, title="Excel für Einsteiger")
    client.force_login(outsider)
    page = client.get("/manage/courses/").content.decode()
    assert "Excel für Einsteiger" in page
    assert "Sicher online einkaufen" not in page
    assert client.get(f"/manage/courses/{theirs.pk}/").status_code == 200


def test_region_admins_see_every_providers_course(client, region_admin, course):
    client.force_login(region_admin)
    url = f"/manage/courses/?organization={course.organization.slug}"
    assert "Sicher online einkaufen" in client.get(url).content.decode()
    assert client.get(f"/manage/courses/{course.pk}/").status_code == 200


def test_logged_out_people_are_sent_to_log_in(client, course):
    response = client.get(f"/manage/courses/{course.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/manage/courses/"),
        ("put", "/manage/courses/new/"),
        ("post", "/manage/courses/{course}/"),
        ("delete", "/manage/courses/{course}/edit/"),
        ("get", "/manage/courses/{course}/publish/"),
        ("put", "/manage/courses/{course}/cancel/"),
        ("get", "/manage/courses/{course}/copy/"),
        ("get", "/manage/courses/{course}/meetings/"),
        ("put", "/manage/courses/{course}/meetings/{meeting}/remove/"),
        ("put", "/manage/courses/{course}/meetings/{meeting}/attendance/"),
        ("post", "/manage/courses/{course}/participants/"),
        ("post", "/manage/courses/{course}/participants.csv"),
        ("get", "/manage/courses/{course}/participants/{enrollment}/cancel/"),
        ("post", "/manage/courses/{course}/sign-in.pdf"),
        ("put", "/manage/courses/{course}/certificates/"),
        ("post", "/manage/courses/{course}/certificates.pdf"),
        ("post", "/manage/certificates/1.pdf"),
    ],
)
def test_the_wrong_method_gets_405(client, staff, method, url, people, published):
    client.force_login(staff)
    url = url.format(
        course=published.pk,
        meeting=published.meetings.first().pk,
        enrollment=people["anna"].pk,
    )
    assert getattr(client, method)(url).status_code == 405


# ---------------------------------------------------------------------------------------
# The list


def test_the_list_shows_seats_waiting_next_date_and_status(client, staff, people, published):
    CourseFactory(organization=published.organization, title="Alter Kurs", status="cancelled")
    client.force_login(staff)
    page = client.get("/manage/courses/").content.decode()
    assert "Sicher online einkaufen" in page and "Alter Kurs" in page
    assert "2 / 2" in page  # two confirmed of two seats
    assert "Published" in page and "Cancelled" in page
    next_date = timezone.localtime(published.meetings.first().start)
    assert next_date.strftime("%H:%M") in page
    assert 'href="/manage/courses/new/?organization=kronberg-gymnasium"' in page

    filtered = client.get("/manage/courses/?status=cancelled").content.decode()
    assert "Alter Kurs" in filtered and "Sicher online einkaufen" not in filtered


def test_the_list_filter_answers_htmx_with_the_list_only(client, staff, course):
    client.force_login(staff)
    response = client.get("/manage/courses/?status=draft", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="course-list"')
    assert "Sicher online einkaufen" in body and "<html" not in body


def _section(page: str, group: str) -> str:
    """The HTML of one section of the list ("upcoming", "drafts", "past"), or ""."""
    marker = f'aria-labelledby="courses-{group}-heading"'
    if marker not in page:
        return ""
    return page.split(marker, 1)[1].split("</section>", 1)[0]


@pytest.fixture
def three_kinds(organization, venue, published):
    """An upcoming course (published), a draft without dates, one that is over and one that
    was cancelled."""
    draft = CourseFactory(
        organization=organization, title="Entwurf ohne Termine", status="draft", published_at=None
    )
    over = CourseFactory(organization=organization, title="Excel im Herbst", location=venue)
    MeetingFactory(course=over, start=in_days(-30, 18), end=in_days(-30, 20))
    cancelled = CourseFactory(
        organization=organization, title="Abgesagter Kurs", status="cancelled"
    )
    return {"draft": draft, "over": over, "cancelled": cancelled}


def test_the_list_separates_upcoming_drafts_and_past(client, staff, published, three_kinds):
    client.force_login(staff)
    page = client.get("/manage/courses/").content.decode()
    upcoming, drafts, past = (_section(page, g) for g in ("upcoming", "drafts", "past"))
    assert "Running and upcoming" in page and "Drafts" in page and "Over or cancelled" in page
    assert "Sicher online einkaufen" in upcoming
    assert "Entwurf ohne Termine" in drafts and "Sicher online einkaufen" not in drafts
    assert "Excel im Herbst" in past and "Abgesagter Kurs" in past
    # Upcoming: participants, dates and cancelling.
    assert f"/manage/courses/{published.pk}/cancel/" in upcoming
    assert f"/manage/courses/{published.pk}/#add-heading" in upcoming
    # Over: copy and certificates, never new dates or cancelling.
    over = three_kinds["over"]
    assert f"/manage/courses/{over.pk}/#copy-heading" in past
    assert f"/manage/courses/{over.pk}/certificates/" in past
    assert f"/manage/courses/{over.pk}/cancel/" not in page
    assert f"/manage/courses/{over.pk}/#add-heading" not in page


def test_a_draft_without_dates_cannot_be_published_and_the_list_says_why(
    client, staff, organization, three_kinds
):
    dated = CourseFactory(organization=organization, status="draft", published_at=None)
    MeetingFactory(course=dated, start=in_days(9, 18), end=in_days(9, 20))
    client.force_login(staff)
    drafts = _section(client.get("/manage/courses/").content.decode(), "drafts")
    draft = three_kinds["draft"]
    assert f'disabled aria-describedby="publish-reason-{draft.pk}"' in drafts
    assert "Add its dates first: a course without dates cannot be published." in drafts
    assert f'action="/manage/courses/{draft.pk}/publish/"' not in drafts
    assert f'action="/manage/courses/{dated.pk}/publish/"' in drafts  # it has a date
    # The button is only the messenger: the service refuses, with the reason.
    response = client.post(f"/manage/courses/{draft.pk}/publish/")
    assert response.status_code == 400
    assert "The course has no dates yet." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_dashboard_of_a_draft_without_dates_disables_publish_with_the_reason(
    client, staff, three_kinds
):
    client.force_login(staff)
    page = client.get(f"/manage/courses/{three_kinds['draft'].pk}/").content.decode()
    assert 'disabled aria-describedby="publish-reason"' in page
    assert "Add its dates first" in page


def test_a_finished_course_offers_copy_and_certificates_not_dates_or_cancelling(
    client, staff, three_kinds
):
    over = three_kinds["over"]
    client.force_login(staff)
    page = client.get(f"/manage/courses/{over.pk}/").content.decode()
    assert f'href="/manage/courses/{over.pk}/certificates/"' in page
    assert "Copy as a new draft" in page
    assert f'href="/manage/courses/{over.pk}/cancel/"' not in page
    assert 'id="add-heading"' not in page
    assert "/remove/" not in page
    # The service refuses too, whatever door is used.
    response = client.post(f"/manage/courses/{over.pk}/cancel/", {"reason": "Zu spät"})
    assert response.status_code == 400
    assert "This course is over, so it cannot be cancelled." in response.content.decode()
    over.refresh_from_db()
    assert over.status == "published"


def test_an_unknown_status_filter_is_a_400(client, staff, course):
    client.force_login(staff)
    response = client.get("/manage/courses/?status=<script>")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("rows", [3, 300])
def test_the_list_runs_a_constant_number_of_queries(
    client, staff, organization, rows, django_assert_max_num_queries
):
    courses = Course.objects.bulk_create(
        [
            Course(
                organization=organization,
                title=f"Kurs {n:03}",
                summary="-",
                description="-",
                topic="ai",
                audience="residents",
                capacity=5,
            )
            for n in range(rows)
        ]
    )
    start = in_days(3, 10)
    Meeting.objects.bulk_create(
        [Meeting(course=c, start=start, end=start + datetime.timedelta(hours=1)) for c in courses]
    )
    user = UserFactory()
    Enrollment.objects.bulk_create(
        [Enrollment(course=c, user=user, status="confirmed") for c in courses]
    )
    client.force_login(staff)
    with django_assert_max_num_queries(8):
        response = client.get("/manage/courses/")
    assert response.content.decode().count("1 / 5") == rows


# ---------------------------------------------------------------------------------------
# The course form


def test_staff_create_a_draft_with_times_in_berlin(client, staff, organization, venue):
    client.force_login(staff)
    form = client.get("/manage/courses/new/").content.decode()
    assert 'type="datetime-local"' in form and "Medienraum" in form
    response = client.post("/manage/courses/new/", course_form(venue))
    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/manage/courses/{course.pk}/"
    assert course.status == "draft" and course.organization == organization
    assert course.location == venue and course.capacity == 12
    # 18:00 in Berlin in March (winter time) is 17:00 UTC.
    assert course.registration_closes == datetime.datetime(2030, 3, 1, 17, tzinfo=datetime.UTC)
    edit = client.get(f"/manage/courses/{course.pk}/edit/").content.decode()
    assert 'value="2030-03-01T18:00"' in edit


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_participants": "13"}, "The minimum must not be more than the number of seats."),
        (
            {"registration_opens": "2030-03-02T10:00"},
            "Registration must close after it opens.",
        ),
        ({"registration_closes": "tomorrow"}, "Enter a valid date/time."),
        ({"capacity": "0"}, "greater than or equal to 1"),
        ({"devices_needed": "3"}, "Choose the pool the devices come from."),
        ({"questions": "One?\nTwo?\nThree?\nFour?"}, "Please ask at most 3 questions."),
        ({"title": ""}, "This field is required."),
    ],
)
def test_bad_course_input_is_a_400_and_nothing_is_written(client, staff, venue, changes, message):
    client.force_login(staff)
    response = client.post("/manage/courses/new/", course_form(venue, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Course.objects.exists()


def test_a_venue_or_pool_of_another_organization_is_refused(
    client, staff, venue, other_organization
):
    elsewhere = LocationFactory(organization=other_organization, name="Fremder Saal")
    their_pool = DevicePoolFactory(organization=other_organization)
    client.force_login(staff)
    response = client.post(
        "/manage/courses/new/",
        course_form(venue, location=elsewhere.pk, pool=their_pool.pk, devices_needed="2"),
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Course.objects.exists()


def test_staff_edit_a_course(client, staff, course, venue):
    client.force_login(staff)
    response = client.post(
        f"/manage/courses/{course.pk}/edit/", course_form(venue, title="Sicher bezahlen")
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.title == "Sicher bezahlen" and course.min_participants == 4


def test_seats_below_the_confirmed_people_are_refused(client, staff, people, published, venue):
    client.force_login(staff)
    response = client.post(
        f"/manage/courses/{published.pk}/edit/",
        course_form(venue, capacity="1", min_participants="0"),
    )
    assert response.status_code == 400
    assert "2 people are confirmed already" in response.content.decode()
    published.refresh_from_db()
    assert published.capacity == 2


# ---------------------------------------------------------------------------------------
# The dashboard: dates, publish, cancel, copy


def test_the_dashboard_shows_status_dates_and_actions(client, staff, people, published):
    client.force_login(staff)
    page = client.get(f"/manage/courses/{published.pk}/").content.decode()
    assert "<h1" in page and "Sicher online einkaufen" in page
    assert "2 of 2 seats" in page
    assert "1 date" in page
    assert f"/manage/courses/{published.pk}/cancel/" in page
    assert f"/manage/courses/{published.pk}/publish/" not in page  # published already


def test_staff_add_one_date(client, staff, course):
    client.force_login(staff)
    response = client.post(f"/manage/courses/{course.pk}/meetings/", meeting_form())
    assert response.status_code == 302
    added = course.meetings.order_by("start").last()
    day = timezone.localdate() + datetime.timedelta(days=14)
    assert added.start == local_datetime(day, datetime.time(18))
    assert added.end == local_datetime(day, datetime.time(19, 30))


def test_a_weekly_series_is_previewed_with_closures_then_added(client, staff, course):
    first = timezone.localdate() + datetime.timedelta(days=14)
    ClosureFactory(
        organization=course.organization,
        name="Herbstferien",
        start=first + datetime.timedelta(weeks=1),
        end=first + datetime.timedelta(weeks=1, days=1),
    )
    client.force_login(staff)
    data = meeting_form(first_date=first.isoformat(), repeat="weekly", count="4")
    preview = client.post(f"/manage/courses/{course.pk}/meetings/", data)
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "Check the dates" in page
    assert "closed – skipped" in page and "Herbstferien" in page
    assert "Add 3 dates" in page
    assert course.meetings.count() == 1  # nothing added yet

    response = client.post(f"/manage/courses/{course.pk}/meetings/", {**data, "confirm": "1"})
    assert response.status_code == 302
    days = [timezone.localtime(m.start).date() for m in course.meetings.order_by("start")][1:]
    assert days == [first, first + datetime.timedelta(weeks=2), first + datetime.timedelta(weeks=3)]


def test_a_date_outside_the_venues_opening_hours_asks_to_confirm(client, staff, course):
    """The venue's organization is open until 18:00 on weekdays: an evening date is refused
    with the reason until the provider ticks the box, then added; within the hours it is
    added at once."""
    give_hours(course.organization, {weekday: "8-18" for weekday in range(5)})
    client.force_login(staff)
    first = timezone.localdate() + datetime.timedelta(days=14)
    first += datetime.timedelta(days=(1 - first.weekday()) % 7)  # a Tuesday
    url = f"/manage/courses/{course.pk}/meetings/"
    response = client.post(url, meeting_form(first_date=first.isoformat()))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Outside the opening hours of Kronberg-Gymnasium" in page
    assert 'name="outside_hours_ok"' in page
    assert course.meetings.count() == 1

    data = meeting_form(first_date=first.isoformat(), outside_hours_ok="on")
    assert client.post(url, data).status_code == 302
    assert course.meetings.count() == 2
    within = meeting_form(first_date=first.isoformat(), start_time="10:00", end_time="11:30")
    assert client.post(url, within).status_code == 302
    assert course.meetings.count() == 3


def test_a_series_preview_marks_dates_outside_the_opening_hours(client, staff, course):
    give_hours(course.organization, {weekday: "8-18" for weekday in range(5)})
    client.force_login(staff)
    first = timezone.localdate() + datetime.timedelta(days=14)
    first += datetime.timedelta(days=(5 - first.weekday()) % 7)  # a Saturday: closed
    data = meeting_form(
        first_date=first.isoformat(), start_time="10:00", repeat="weekly", count="2"
    )
    page = client.post(f"/manage/courses/{course.pk}/meetings/", data).content.decode()
    assert page.count("outside the opening hours") >= 2
    assert "Add 2 dates" in page  # asked about, not skipped
    response = client.post(f"/manage/courses/{course.pk}/meetings/", {**data, "confirm": "1"})
    assert response.status_code == 400
    assert course.meetings.count() == 1
    confirmed = {**data, "confirm": "1", "outside_hours_ok": "on"}
    assert client.post(f"/manage/courses/{course.pk}/meetings/", confirmed).status_code == 302
    assert course.meetings.count() == 3


def test_every_second_week_until_a_day(client, staff, course):
    first = timezone.localdate() + datetime.timedelta(days=14)
    client.force_login(staff)
    data = meeting_form(
        first_date=first.isoformat(),
        repeat="fortnightly",
        until=(first + datetime.timedelta(weeks=5)).isoformat(),
        confirm="1",
    )
    assert client.post(f"/manage/courses/{course.pk}/meetings/", data).status_code == 302
    assert course.meetings.count() == 1 + 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"first_date": "2026-02-31"}, "Enter a valid date."),
        ({"first_date": "garbage"}, "Enter a valid date."),
        ({"end_time": "17:00"}, "The end must be after the start."),
        ({"repeat": "weekly"}, "Enter the number of dates or a last day."),
        ({"repeat": "weekly", "count": "500"}, "less than or equal to 52"),
        ({"first_date": "1999-01-01"}, "Please choose a date between the years"),
        ({"first_date": "2020-01-07"}, "has passed"),
    ],
)
def test_bad_dates_are_a_400_and_nothing_is_added(client, staff, course, changes, message):
    client.force_login(staff)
    response = client.post(f"/manage/courses/{course.pk}/meetings/", meeting_form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert course.meetings.count() == 1


def test_staff_remove_a_date_after_a_confirmation_that_names_it(client, staff, course):
    meeting = course.meetings.get()
    client.force_login(staff)
    asked = client.get(f"/manage/courses/{course.pk}/meetings/{meeting.pk}/remove/")
    assert asked.status_code == 200
    assert course.title in asked.content.decode()
    assert course.meetings.exists()
    response = client.post(f"/manage/courses/{course.pk}/meetings/{meeting.pk}/remove/")
    assert response.status_code == 302
    assert not course.meetings.exists()


def test_publishing_without_dates_says_why(client, staff, course):
    course.meetings.all().delete()
    client.force_login(staff)
    response = client.post(f"/manage/courses/{course.pk}/publish/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "The course cannot be published yet:" in page
    assert "The course has no dates yet." in page
    course.refresh_from_db()
    assert course.status == "draft"


def test_staff_publish_a_draft(client, staff, course):
    client.force_login(staff)
    response = client.post(f"/manage/courses/{course.pk}/publish/")
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.status == "published"
    assert "Published" in client.get(response["Location"]).content.decode()


def test_device_conflicts_are_shown_and_refuse_publishing(client, staff, course, organization):
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 7")
    DeviceFactory(pool=pool)
    Course.objects.filter(pk=course.pk).update(pool=pool, devices_needed=2)
    client.force_login(staff)
    page = client.get(f"/manage/courses/{course.pk}/").content.decode()
    assert "Not enough devices" in page
    assert "iPad-Koffer 7 does not have 2 devices free on these dates:" in page
    assert "1 free" in page
    response = client.post(f"/manage/courses/{course.pk}/publish/")
    assert response.status_code == 400
    assert "The course cannot be published yet:" in response.content.decode()
    course.refresh_from_db()
    assert course.status == "draft"


def test_cancelling_asks_first_and_needs_a_reason(client, staff, people, published):
    client.force_login(staff)
    confirm = client.get(f"/manage/courses/{published.pk}/cancel/").content.decode()
    assert "3 people enrolled or waiting will be emailed." in confirm
    refused = client.post(f"/manage/courses/{published.pk}/cancel/", {"reason": ""})
    assert refused.status_code == 400
    published.refresh_from_db()
    assert published.status == "published"

    response = client.post(f"/manage/courses/{published.pk}/cancel/", {"reason": "Dozent krank"})
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == "cancelled" and published.cancel_reason == "Dozent krank"


def test_run_it_again_copies_the_dates_weeks_later(client, staff, published):
    client.force_login(staff)
    response = client.post(f"/manage/courses/{published.pk}/copy/", {"weeks_later": "10"})
    copy = Course.objects.exclude(pk=published.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/manage/courses/{copy.pk}/"
    assert copy.status == "draft" and copy.title == published.title
    original = timezone.localtime(published.meetings.get().start)
    moved = timezone.localtime(copy.meetings.get().start)
    assert moved.date() == original.date() + datetime.timedelta(weeks=10)
    assert moved.time() == original.time()


@pytest.mark.parametrize("weeks", ["-1", "105", "ten"])
def test_copying_with_bad_weeks_is_a_400(client, staff, published, weeks):
    client.force_login(staff)
    response = client.post(f"/manage/courses/{published.pk}/copy/", {"weeks_later": weeks})
    assert response.status_code == 400
    assert Course.objects.count() == 1


# ---------------------------------------------------------------------------------------
# Participants


def test_participants_are_listed_with_answers_places_and_attendance(
    client, staff, people, published
):
    client.force_login(staff)
    page = client.get(f"/manage/courses/{published.pk}/participants/").content.decode()
    assert "2 confirmed of 2 seats" in page
    assert "Anna Apfel" in page and "anna@example.org" in page
    assert "Do you bring your own device?" in page and "Yes, a tablet" in page
    assert "0 of 0" in page  # no date held yet
    assert "1 waiting" in page and "Carla Wartend" in page
    assert "Cancelled" in page and "Dora Weg" in page
    assert page.index("Anna Apfel") < page.index("Carla Wartend") < page.index("Dora Weg")


def test_staff_cancel_someone_and_the_first_waiting_moves_up(client, staff, people, published):
    client.force_login(staff)
    anna = people["anna"]
    response = client.post(f"/manage/courses/{published.pk}/participants/{anna.pk}/cancel/")
    assert response.status_code == 302
    anna.refresh_from_db()
    people["carla"].refresh_from_db()
    assert anna.status == "cancelled"
    assert people["carla"].status == "confirmed"
    page = client.get(response["Location"]).content.decode()
    assert "The enrolment of Anna Apfel is cancelled" in page


def test_cancelling_an_enrolment_of_another_course_is_a_404(client, staff, people, held):
    client.force_login(staff)
    anna = people["anna"]
    response = client.post(f"/manage/courses/{held.pk}/participants/{anna.pk}/cancel/")
    assert response.status_code == 404
    anna.refresh_from_db()
    assert anna.status == "confirmed"


def _csv_rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_the_csv_has_a_bom_semicolons_and_headers_in_the_readers_language(
    client, staff, people, published, settings
):
    client.force_login(staff)
    response = client.get(f"/manage/courses/{published.pk}/participants.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0][:3] == ["Name", "Email", "Status"]
    assert rows[0][-1] == "Do you bring your own device?"
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Anna Apfel"][1] == "anna@example.org"
    assert by_name["Anna Apfel"][2] == "Confirmed"
    assert by_name["Anna Apfel"][-1] == "Yes, a tablet"
    assert by_name["Carla Wartend"][3] == "1"
    assert set(by_name) == {"Anna Apfel", "Bert Birne", "Carla Wartend", "Dora Weg"}

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    german = _csv_rows(client.get(f"/manage/courses/{published.pk}/participants.csv"))
    assert german[0][1] == "E-Mail"
    assert german[0][0] == "Name"


def test_answers_that_look_like_formulas_stay_text_in_the_csv(client, staff, published):
    EnrollmentFactory(
        course=published,
        user=UserFactory(name="Eve"),
        answers={"Do you bring your own device?": "=HYPERLINK(1)"},
    )
    client.force_login(staff)
    rows = _csv_rows(client.get(f"/manage/courses/{published.pk}/participants.csv"))
    assert rows[1][-1] == "'=HYPERLINK(1)"


def test_the_sign_in_sheet_is_a_pdf_of_the_first_or_chosen_meeting(
    client, staff, people, published
):
    later = MeetingFactory(course=published, start=in_days(21, 9), end=in_days(21, 11))
    client.force_login(staff)
    first = client.get(f"/manage/courses/{published.pk}/sign-in.pdf")
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF")
    chosen = client.get(f"/manage/courses/{published.pk}/sign-in.pdf?meeting={later.pk}")
    assert chosen.status_code == 200 and chosen.content != first.content
    assert client.get(f"/manage/courses/{published.pk}/sign-in.pdf?meeting=x1").status_code == 400
    other = MeetingFactory()
    assert (
        client.get(f"/manage/courses/{published.pk}/sign-in.pdf?meeting={other.pk}").status_code
        == 404
    )


@pytest.mark.parametrize("rows", [3, 300])
def test_participants_run_a_constant_number_of_queries(
    client, staff, published, rows, django_assert_max_num_queries
):
    Course.objects.filter(pk=published.pk).update(capacity=500)
    users = User.objects.bulk_create(
        [User(email=f"p{n}@example.org", name=f"Person {n:03}") for n in range(rows)]
    )
    now = timezone.now()
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                course=published,
                user=user,
                status="confirmed" if n % 3 else "waitlisted",
                waitlisted_at=now + datetime.timedelta(seconds=n),
                answers={"Do you bring your own device?": "ja"},
            )
            for n, user in enumerate(users)
        ]
    )
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        page = client.get(f"/manage/courses/{published.pk}/participants/")
    assert page.content.decode().count('<th scope="row" class="kern-table__cell">Person ') == rows
    with django_assert_max_num_queries(12):
        listed = client.get(f"/manage/courses/{published.pk}/participants.csv")
    assert len(_csv_rows(listed)) == rows + 1
    with django_assert_max_num_queries(12):
        assert client.get(f"/manage/courses/{published.pk}/sign-in.pdf").status_code == 200


# ---------------------------------------------------------------------------------------
# Attendance


def test_the_attendance_checklist_lists_confirmed_people(client, staff, held):
    anna = EnrollmentFactory(course=held, user=UserFactory(name="Anna Apfel"))
    EnrollmentFactory(
        course=held,
        user=UserFactory(name="Wanda Wartet"),
        status="waitlisted",
        waitlisted_at=timezone.now(),
    )
    meeting = held.meetings.first()
    Attendance.objects.create(enrollment=anna, meeting=meeting, present=True)
    client.force_login(staff)
    page = client.get(f"/manage/courses/{held.pk}/meetings/{meeting.pk}/attendance/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Anna Apfel" in body and "Wanda Wartet" not in body
    assert f'id="present-{anna.pk}" checked' in body
    assert "Save attendance" in body


def test_a_tap_with_htmx_saves_one_person_and_answers_with_the_row(client, staff, held):
    anna = EnrollmentFactory(course=held, user=UserFactory(name="Anna Apfel"))
    bert = EnrollmentFactory(course=held, user=UserFactory(name="Bert Birne"))
    meeting = held.meetings.first()
    url = f"/manage/courses/{held.pk}/meetings/{meeting.pk}/attendance/"
    client.force_login(staff)
    response = client.post(
        url, {"enrollment": anna.pk, f"present_{anna.pk}": "on"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<li class="attendance-row attendance-row--present"')
    assert "Anna Apfel: present, saved." in body and "Bert Birne" not in body
    assert Attendance.objects.get(enrollment=anna, meeting=meeting).present is True
    assert not Attendance.objects.filter(enrollment=bert).exists()

    untick = client.post(url, {"enrollment": anna.pk}, headers={"HX-Request": "true"})
    assert "Anna Apfel: not present, saved." in untick.content.decode()
    assert Attendance.objects.get(enrollment=anna, meeting=meeting).present is False


def test_without_javascript_the_whole_list_is_saved(client, staff, held):
    anna = EnrollmentFactory(course=held, user=UserFactory(name="Anna Apfel"))
    bert = EnrollmentFactory(course=held, user=UserFactory(name="Bert Birne"))
    meeting = held.meetings.first()
    url = f"/manage/courses/{held.pk}/meetings/{meeting.pk}/attendance/"
    client.force_login(staff)
    response = client.post(url, {"shown": [anna.pk, bert.pk], f"present_{bert.pk}": "on"})
    assert response.status_code == 302
    assert dict(Attendance.objects.values_list("enrollment__user__name", "present")) == {
        "Anna Apfel": False,
        "Bert Birne": True,
    }
    assert "Attendance saved." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("who", ["waiting", "other_course", "garbage", "nobody"])
def test_attendance_for_someone_not_enrolled_is_a_400(client, staff, held, who):
    meeting = held.meetings.first()
    if who == "waiting":
        value = EnrollmentFactory(course=held, status="waitlisted", waitlisted_at=timezone.now()).pk
    elif who == "other_course":
        value = EnrollmentFactory().pk
    elif who == "garbage":
        value = "1; DROP TABLE"
    else:
        value = None
    data = {} if value is None else {"enrollment": value, f"present_{value}": "on"}
    client.force_login(staff)
    response = client.post(f"/manage/courses/{held.pk}/meetings/{meeting.pk}/attendance/", data)
    assert response.status_code == 400
    assert "That person is not enrolled in this course." in response.content.decode()
    assert not Attendance.objects.exists()


def test_attendance_of_a_future_meeting_waits_for_its_day(client, staff, people, published):
    meeting = published.meetings.first()
    anna = people["anna"]
    url = f"/manage/courses/{published.pk}/meetings/{meeting.pk}/attendance/"
    client.force_login(staff)
    assert "from the day of the meeting on" in client.get(url).content.decode()
    response = client.post(url, {"enrollment": anna.pk, f"present_{anna.pk}": "on"})
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_a_meeting_of_another_course_is_a_404(client, staff, held, published):
    meeting = published.meetings.first()
    client.force_login(staff)
    assert (
        client.get(f"/manage/courses/{held.pk}/meetings/{meeting.pk}/attendance/").status_code
        == 404
    )


# ---------------------------------------------------------------------------------------
# Certificates


@pytest.fixture
def attended(held):
    """Anna came to both dates, Bert to one (50 %: enough), Cleo to none."""
    first, second = held.meetings.order_by("start")
    anna = EnrollmentFactory(course=held, user=UserFactory(name="Anna Apfel"))
    bert = EnrollmentFactory(course=held, user=UserFactory(name="Bert Birne"))
    EnrollmentFactory(course=held, user=UserFactory(name="Cleo Fehlt"))
    for enrollment, meeting in [(anna, first), (anna, second), (bert, first)]:
        Attendance.objects.create(enrollment=enrollment, meeting=meeting, present=True)
    return {"anna": anna, "bert": bert}


def test_staff_issue_certificates_and_download_them(client, staff, held, attended):
    client.force_login(staff)
    before = client.get(f"/manage/courses/{held.pk}/certificates/").content.decode()
    assert "2 people qualify." in before and "Issue 2 certificates" in before
    response = client.post(f"/manage/courses/{held.pk}/certificates/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "2 certificates issued." in page
    assert "Anna Apfel" in page and "Bert Birne" in page and "Cleo Fehlt" not in page
    certificate = Certificate.objects.get(enrollment=attended["anna"])
    assert f"/manage/certificates/{certificate.pk}.pdf" in page
    single = client.get(f"/manage/certificates/{certificate.pk}.pdf")
    assert single.status_code == 200 and single.content.startswith(b"%PDF")
    bulk = client.get(f"/manage/courses/{held.pk}/certificates.pdf")
    assert bulk.status_code == 200 and bulk["Content-Type"] == "application/pdf"
    # Twice adds none.
    client.post(f"/manage/courses/{held.pk}/certificates/")
    assert Certificate.objects.count() == 2


def test_certificates_before_the_last_date_are_refused(client, staff, people, published):
    client.force_login(staff)
    response = client.post(f"/manage/courses/{published.pk}/certificates/", follow=True)
    assert "once the last meeting has begun" in response.content.decode()
    assert not Certificate.objects.exists()
    assert client.get(f"/manage/courses/{published.pk}/certificates.pdf").status_code == 404


def test_the_holder_may_download_their_certificate_and_nobody_else(client, staff, held, attended):
    from courses import services

    services.issue_certificates(by=staff, course=held)
    anna = Certificate.objects.get(enrollment=attended["anna"])
    client.force_login(attended["anna"].user)
    assert client.get(f"/manage/certificates/{anna.pk}.pdf").status_code == 200
    client.force_login(attended["bert"].user)
    assert client.get(f"/manage/certificates/{anna.pk}.pdf").status_code == 404
    assert client.get("/manage/certificates/999999.pdf").status_code == 404


@pytest.mark.parametrize("value", ["²", "①", "1²"])
def test_attendance_refuses_digits_int_cannot_read(client, staff, held_today, value):
    held = held_today
    EnrollmentFactory(course=held)
    meeting = held.meetings.get()
    client.force_login(staff)
    url = f"/manage/courses/{held.pk}/meetings/{meeting.pk}/attendance/"
    single = client.post(url, {"enrollment": value, f"present_{value}": "on"})
    whole = client.post(url, {"shown": value})
    assert single.status_code == whole.status_code == 400
    assert "That person is not enrolled in this course." in whole.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("value", ["²", "①"])
def test_the_sign_in_sheet_refuses_digits_int_cannot_read(client, staff, held_today, value):
    held = held_today
    client.force_login(staff)
    response = client.get(f"/manage/courses/{held.pk}/sign-in.pdf", {"meeting": value})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "@SUM(1)"]
)
def test_a_name_that_looks_like_a_formula_stays_text_in_the_csv(client, staff, held_today, name):
    held = held_today
    EnrollmentFactory(course=held, user=UserFactory(name=name, email="-2+3@example.org"))
    client.force_login(staff)
    rows = _csv_rows(client.get(f"/manage/courses/{held.pk}/participants.csv"))
    assert rows[1][0] == "'" + name
    assert rows[1][1] == "'-2+3@example.org"


def test_an_ordinary_name_is_unchanged_in_the_csv(client, staff, held_today):
    held = held_today
    EnrollmentFactory(course=held, user=UserFactory(name="Anna Apfel", email="anna@example.org"))
    client.force_login(staff)
    rows = _csv_rows(client.get(f"/manage/courses/{held.pk}/participants.csv"))
    assert rows[1][:2] == ["Anna Apfel", "anna@example.org"]


@pytest.mark.parametrize("count", [3, 40])
def test_the_course_page_with_devices_runs_a_constant_number_of_queries(
    client, staff, with_devices, count, django_assert_max_num_queries
):
    weekly(with_devices, count)
    client.force_login(staff)
    with django_assert_max_num_queries(16):
        page = client.get(f"/manage/courses/{with_devices.pk}/")
    assert page.status_code == 200
