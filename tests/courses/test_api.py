"""The courses API: the public catalog with the page's filters, one course, the calendar of
the catalog, enrolling and cancelling over the API, and one's own enrolments."""

from __future__ import annotations

import datetime
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from accounts.services import create_api_token
from courses.models import Enrollment
from organizations.models import District
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LocationFactory,
    MeetingFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_default")]

CSRF_TOKEN = "a" * 32


def api(user) -> Client:
    _token, secret = create_api_token(by=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post_json(client: Client, url: str, data=None, **kwargs):
    body = "" if data is None else json.dumps(data)
    return client.post(url, body, content_type="application/json", **kwargs)


def at(days: int, hour: int = 18) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def course_on(*days: int, **values):
    course = CourseFactory(**values)
    for day in days:
        MeetingFactory(course=course, start=at(day), end=at(day) + datetime.timedelta(minutes=90))
    return course


@pytest.fixture
def course(organization):
    venue = LocationFactory(organization=organization, name="Aula", step_free=True)
    return course_on(
        7,
        14,
        organization=organization,
        location=venue,
        title="KI im Alltag",
        topic="ai",
        capacity=1,
        questions="Eigenes Gerät?",
    )


def enrollment_url(course) -> str:
    return f"/api/v1/courses/{course.pk}/enrollment"


# --- the public catalog --------------------------------------------------------------------


def test_the_catalog_lists_published_upcoming_courses_with_everything_a_portal_needs(
    client, course
):
    EnrollmentFactory(course=course)
    EnrollmentFactory(course=course, status="waitlisted", waitlisted_at=timezone.now())
    course_on(5, status="draft")
    course_on(-5, title="Vorbei")
    response = client.get("/api/v1/courses")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["id"] == course.pk
    assert item["title"] == "KI im Alltag"
    assert item["topic"] == "ai" and item["audience"] == "seniors"
    assert item["level"] == "beginner" and item["language"] == "de"
    assert item["provider"] == {"id": course.organization_id, "name": "Kronberg-Gymnasium"}
    assert item["venue"] == {
        "name": "Aula",
        "address": "Schulstraße 1, 63739 Aschaffenburg",
        "step_free": True,
    }
    assert item["price"] == "0.00"
    assert (item["capacity"], item["seats_left"], item["waiting"]) == (1, 0, 1)
    assert datetime.datetime.fromisoformat(item["first_start"]) == at(7)
    assert item["first_start"].endswith(("+01:00", "+02:00"))
    assert [datetime.datetime.fromisoformat(m["start"]) for m in item["meetings"]] == [
        at(7),
        at(14),
    ]
    assert item["url"] == f"{settings.LERNPOOL_SITE_URL}/courses/{course.pk}/"


def test_the_catalog_takes_the_same_filters_as_the_page(client, course):
    north = District.objects.create(name="Landkreis Miltenberg", slug="lk-miltenberg")
    vhs = OrganizationFactory(slug="vhs-mil", district=north)
    other = course_on(3, organization=vhs, title="Excel", topic="office", level="advanced")

    def ids(**query):
        response = client.get("/api/v1/courses", query)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [other.pk, course.pk]
    assert ids(topic="ai") == [course.pk]
    assert ids(level="advanced") == [other.pk]
    assert ids(district="lk-miltenberg") == [other.pk]
    assert ids(organization="vhs-mil") == [other.pk]
    vhs.name = "Volkshochschule Miltenberg"
    vhs.save()
    assert ids(provider="hochSCHULE milt") == [other.pk]
    assert ids(provider="Nirgendwo") == []
    assert ids(step_free="true") == [course.pk]
    assert ids(q="exc") == [other.pk]
    assert ids(free_seats="true") == [other.pk, course.pk]
    EnrollmentFactory(course=course)
    assert ids(free_seats="true") == [other.pk]
    day = timezone.localdate() + datetime.timedelta(days=14)
    assert ids(date_from=day.isoformat(), date_to=day.isoformat()) == [course.pk]
    assert ids(district="nowhere") == []


@pytest.mark.parametrize(
    "query",
    [
        {"topic": "xyz"},
        {"date_from": "notadate"},
        {"date_from": "0001-01-01"},
        {"date_from": "2030-05-02", "date_to": "2030-05-01"},
        {"district": "a b"},
        {"q": "x" * 101},
        {"provider": "x" * 101},
        {"limit": "0"},
    ],
)
def test_bad_filters_are_a_422(client, course, query):
    response = client.get("/api/v1/courses", query)
    assert response.status_code == 422
    assert "detail" in response.json()


def test_the_catalog_is_paginated(client, organization):
    for day in range(1, 6):
        course_on(day, organization=organization)
    body = client.get("/api/v1/courses", {"limit": 2, "offset": 2}).json()
    assert body["count"] == 5 and len(body["items"]) == 2


@pytest.mark.parametrize("count", [3, 300])
def test_the_catalog_needs_the_same_few_queries_for_3_and_300(
    client, organization, django_assert_max_num_queries, count
):
    for number in range(count):
        course_on(1 + number % 20, 2 + number % 20, organization=organization)
    # The count, the page, its meetings, and (kept for the next visitor) when the list next
    # changes by time alone (core.public_cache); a repeated request runs none.
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/courses", {"limit": 200})
    assert response.status_code == 200
    assert response.json()["count"] == count
    with django_assert_max_num_queries(0):
        assert client.get("/api/v1/courses", {"limit": 200}).json() == response.json()


def test_one_course_and_drafts_are_not_found(client, course):
    response = client.get(f"/api/v1/courses/{course.pk}")
    assert response.status_code == 200
    assert response.json()["title"] == "KI im Alltag"
    draft = course_on(3, status="draft")
    assert client.get(f"/api/v1/courses/{draft.pk}").status_code == 404
    assert client.get("/api/v1/courses/999999").json() == {"detail": "Not found."}
    assert client.get("/api/v1/courses/0").status_code == 422


def test_the_catalog_calendar_has_every_date_of_the_filtered_courses(client, course):
    course_on(3, title="Excel", topic="office")
    response = client.get("/api/v1/courses.ics", {"topic": "ai"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [event.decoded("dtstart") for event in events] == [at(7), at(14)]
    assert client.get("/api/v1/courses.ics", {"topic": "xyz"}).status_code == 422


def test_the_public_endpoints_refuse_writes(client, course):
    assert client.post("/api/v1/courses").status_code == 405
    assert client.delete(f"/api/v1/courses/{course.pk}").status_code == 405


# --- enrolling -----------------------------------------------------------------------------


def test_enrolling_confirms_then_waitlists_with_a_position(course):
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    response = post_json(api(first), enrollment_url(course), {"answers": {"Eigenes Gerät?": "Ja"}})
    assert response.status_code == 201
    assert response.json() == {"status": "confirmed", "position": None}
    assert Enrollment.objects.get(user=first).answers == {"Eigenes Gerät?": "Ja"}
    response = post_json(api(second), enrollment_url(course))
    assert response.status_code == 201
    assert response.json() == {"status": "waitlisted", "position": 1}
    assert post_json(api(third), enrollment_url(course), {}).json()["position"] == 2


def test_enrolling_twice_or_when_closed_is_a_409(course, resident):
    client = api(resident)
    post_json(client, enrollment_url(course))
    response = post_json(client, enrollment_url(course))
    assert response.status_code == 409
    assert response.json() == {"detail": "You are enrolled in this course already."}
    late = course_on(3, registration_closes=timezone.now() - datetime.timedelta(hours=1))
    response = post_json(client, enrollment_url(late))
    assert response.status_code == 409
    assert "Enrolment closed" in response.json()["detail"]
    cancelled = course_on(3, status="cancelled")
    assert post_json(client, enrollment_url(cancelled)).status_code == 409
    assert Enrollment.objects.filter(user=resident).count() == 1


def test_enrolling_in_a_draft_or_unknown_course_is_404(resident, organization):
    draft = course_on(3, status="draft", organization=organization)
    client = api(resident)
    assert post_json(client, enrollment_url(draft)).status_code == 404
    assert post_json(client, "/api/v1/courses/999999/enrollment").status_code == 404
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {"Was anderes?": "Ja"}},
        {"answers": {"Eigenes Gerät?": 5}},
        {"answers": {"Eigenes Gerät?": "x" * 201}},
        {"answers": ["Ja"]},
        ["answers"],
    ],
)
def test_bad_answers_are_a_422_and_write_nothing(course, resident, body):
    response = post_json(api(resident), enrollment_url(course), body)
    assert response.status_code == 422, response.content
    assert not Enrollment.objects.exists()


def test_enrolling_needs_credentials(client, course):
    assert post_json(client, enrollment_url(course)).status_code == 401
    bad = Client(headers={"Authorization": "Bearer lp_nonsense"})
    assert post_json(bad, enrollment_url(course)).status_code == 401
    assert client.get("/api/v1/enrollments").status_code == 401
    assert client.delete(enrollment_url(course)).status_code == 401
    assert not Enrollment.objects.exists()


def test_a_session_needs_the_csrf_token(course, resident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    assert post_json(client, enrollment_url(course)).status_code == 403
    client.cookies["csrftoken"] = CSRF_TOKEN
    response = post_json(client, enrollment_url(course), headers={"X-CSRFToken": CSRF_TOKEN})
    assert response.status_code == 201


# --- cancelling and my enrolments ----------------------------------------------------------


def test_cancelling_is_a_204_and_moves_up_the_first_waiting(course, resident):
    EnrollmentFactory(course=course, user=resident)
    waiting = EnrollmentFactory(course=course, status="waitlisted", waitlisted_at=timezone.now())
    response = api(resident).delete(enrollment_url(course))
    assert response.status_code == 204
    assert Enrollment.objects.get(user=resident).status == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_cancelling_after_the_deadline_is_a_409_and_without_enrolment_a_404(course, resident):
    client = api(resident)
    assert client.delete(enrollment_url(course)).status_code == 404
    EnrollmentFactory(course=course, user=resident)
    course.cancellation_deadline = timezone.now() - datetime.timedelta(minutes=1)
    course.save()
    response = client.delete(enrollment_url(course))
    assert response.status_code == 409
    assert "You could cancel until" in response.json()["detail"]
    assert Enrollment.objects.get(user=resident).status == "confirmed"


def test_someone_elses_enrolment_cannot_be_cancelled(course, resident):
    EnrollmentFactory(course=course)
    assert api(resident).delete(enrollment_url(course)).status_code == 404
    assert Enrollment.objects.get().status == "confirmed"


def test_my_enrolments_are_mine_only(course, resident):
    EnrollmentFactory(course=course)
    EnrollmentFactory(
        course=course, user=resident, status="waitlisted", waitlisted_at=timezone.now()
    )
    EnrollmentFactory(course=course_on(3))
    response = api(resident).get("/api/v1/enrollments")
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["course_id"] == course.pk
    assert item["course_title"] == "KI im Alltag"
    assert item["status"] == "waitlisted" and item["position"] == 1
    assert item["url"] == f"{settings.LERNPOOL_SITE_URL}/courses/{course.pk}/"


@pytest.mark.parametrize("count", [3, 300])
def test_my_enrolments_need_the_same_few_queries_for_3_and_300(
    resident, organization, django_assert_max_num_queries, count
):
    for number in range(count):
        EnrollmentFactory(
            course=course_on(1 + number % 9, organization=organization), user=resident
        )
    client = api(resident)
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/enrollments", {"limit": 500})
    assert response.json()["count"] == count


def test_every_status_is_declared_in_the_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    declared = {
        ("/api/v1/courses", "get"): {"200", "422"},
        ("/api/v1/courses.ics", "get"): {"200", "422"},
        ("/api/v1/courses/{course_id}", "get"): {"200", "404", "422"},
        ("/api/v1/courses/{course_id}/enrollment", "post"): {
            "201",
            "400",
            "401",
            "403",
            "404",
            "409",
            "422",
        },
        ("/api/v1/courses/{course_id}/enrollment", "delete"): {
            "204",
            "400",
            "401",
            "403",
            "404",
            "409",
            "422",
        },
        ("/api/v1/enrollments", "get"): {"200", "401", "422"},
    }
    for (path, method), statuses in declared.items():
        # 400 and 414 are declared on every operation (config.api, the request-input checks),
        # and 429 (core.throttling, the rate limits).
        assert set(paths[path][method]["responses"]) == statuses | {"400", "414", "429"}, (
            path,
            method,
        )
    assert "text/calendar" in paths["/api/v1/courses.ics"]["get"]["responses"]["200"]["content"]
