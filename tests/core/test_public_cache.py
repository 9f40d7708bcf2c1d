"""Public pages served from what they answered last time (core.public_cache): a visitor sees
a change right after each door that makes it and right after each time boundary, in German
and in English; a repeated visit costs no query and no rendering; a conditional GET is a 304;
nobody gets another visitor's page or token."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core import public_cache
from courses import services as course_services
from lending import services as lending_services
from organizations import services as organization_services
from organizations.models import Role
from tests.factories import (
    CourseFactory,
    DeviceFactory,
    LendingPoolFactory,
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    give_hours,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 7, 0, tzinfo=BERLIN)  # a Monday morning
TOKEN = re.compile(r"[A-Za-z0-9]{64}")


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    day = NOW.date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN)


def text(response) -> str:
    return response.content.decode()


def without_tokens(response) -> str:
    return TOKEN.sub("TOKEN", text(response))


def in_language(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def course(clock, provider):
    """One seat; a meeting this morning 09:00–10:00 and one a week later."""
    course = CourseFactory(organization=provider, title="Tablet für Einsteiger", capacity=1)
    MeetingFactory(course=course, start=at(0, 9), end=at(0, 10))
    MeetingFactory(course=course, start=at(7, 9), end=at(7, 10))
    return course


# --- the catalog ----------------------------------------------------------------------------


def test_a_second_visit_is_the_same_page_without_a_query(client, course, django_assert_num_queries):
    first = client.get(reverse("courses:catalog"))
    with django_assert_num_queries(0):
        second = client.get(reverse("courses:catalog"))

    assert second.status_code == 200
    assert "Tablet für Einsteiger" in text(second)
    assert without_tokens(second) == without_tokens(first)


@pytest.mark.parametrize(
    ("language", "seat", "full"),
    [("en", "1 seat left", "Full – waiting list: 0"), ("de", "1 freier Platz", "Ausgebucht")],
)
def test_an_enrolment_that_fills_the_course_shows_at_once(client, course, language, seat, full):
    in_language(client, language)
    pages = (reverse("courses:catalog"), course.get_absolute_url())
    assert all(seat in text(client.get(page)) for page in pages)

    course_services.enrol(by=UserFactory(), course=course)

    for page in pages:
        shown = text(client.get(page))
        assert full in shown
        assert seat not in shown
    api = client.get("/api/v1/courses").json()
    assert api["items"][0]["seats_left"] == 0


def test_a_course_published_through_the_service_is_listed_at_once(client, course, provider_staff):
    draft = CourseFactory(
        organization=course.organization, title="Videotelefonie mit der Familie", status="draft"
    )
    MeetingFactory(course=draft, start=at(3, 18), end=at(3, 19))
    assert "Videotelefonie mit der Familie" not in text(client.get(reverse("courses:catalog")))
    assert client.get("/api/v1/courses").json()["count"] == 1

    course_services.publish(by=provider_staff, course=draft)

    assert "Videotelefonie mit der Familie" in text(client.get(reverse("courses:catalog")))
    assert client.get("/api/v1/courses").json()["count"] == 2


@pytest.mark.parametrize(("language", "heading"), [("en", "1 course"), ("de", "1 Kurs")])
def test_the_catalog_moves_on_when_a_meeting_ends(client, clock, course, language, heading):
    in_language(client, language)
    once = CourseFactory(organization=course.organization, title="Sicher online einkaufen")
    MeetingFactory(course=once, start=at(0, 8), end=at(0, 9, 30))
    before = text(client.get(reverse("courses:catalog")))
    assert "Sicher online einkaufen" in before
    assert "01.02.2027" in before or "02/01/2027" in before

    clock.move_to(at(0, 9, 30))
    between = text(client.get(reverse("courses:catalog")))
    assert "Sicher online einkaufen" not in between
    assert heading in between

    clock.move_to(at(0, 10))
    after = text(client.get(reverse("courses:catalog")))
    # The course's next date is now the one a week later.
    assert "08.02.2027" in after or "02/08/2027" in after
    assert "01.02.2027" not in after and "02/01/2027" not in after


def test_a_conditional_get_is_a_304_until_the_data_changes(client, course):
    first = client.get(reverse("courses:catalog"))
    etag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]

    again = client.get(reverse("courses:catalog"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""

    course.title = "Tablet für Fortgeschrittene"
    course.save()
    changed = client.get(reverse("courses:catalog"), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "Tablet für Fortgeschrittene" in text(changed)


def test_another_visitors_etag_is_not_a_304(client, course):
    etag = client.get(reverse("courses:catalog")).headers["ETag"]

    # The page holds a CSRF token of the visitor's own: another browser's copy is not theirs.
    other = Client().get(reverse("courses:catalog"), headers={"If-None-Match": etag})

    assert other.status_code == 200


def test_the_api_answers_a_304_and_counts_no_query_the_second_time(
    client, course, django_assert_num_queries
):
    first = client.get("/api/v1/courses?limit=5&topic=smartphone")
    with django_assert_num_queries(0):
        again = client.get(
            "/api/v1/courses?topic=smartphone&limit=5",
            headers={"If-None-Match": first.headers["ETag"]},
        )

    assert first.json()["items"][0]["title"] == "Tablet für Einsteiger"
    assert again.status_code == 304


def test_a_signed_in_visitor_gets_their_own_page(client, course):
    enrolled, other = UserFactory(), UserFactory()
    course_services.enrol(by=enrolled, course=course)
    in_language(client, "en")
    assert "You have a seat in this course." not in text(client.get(course.get_absolute_url()))

    client.force_login(enrolled)
    mine = client.get(course.get_absolute_url())
    client.force_login(other)
    theirs = client.get(course.get_absolute_url())

    assert "You have a seat in this course." in text(mine)
    assert "You have a seat in this course." not in text(theirs)
    assert "ETag" not in mine.headers


def test_each_visitor_gets_their_own_working_csrf_token(course):
    one = Client(enforce_csrf_checks=True)
    two = Client(enforce_csrf_checks=True)
    one.get(course.get_absolute_url())
    page = one.get(course.get_absolute_url())  # from memory
    other = two.get(course.get_absolute_url())

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(page)).group(1)
    their_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(other)).group(1)
    assert token != their_token
    switched = one.post(
        reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302


def test_a_visitor_with_a_message_sees_it_on_a_kept_page(client, course):
    in_language(client, "en")
    client.get(course.get_absolute_url())
    client.force_login(UserFactory())

    client.post(reverse("account_logout"))  # "You have signed out.", on the next page

    assert "You have signed out." in text(client.get(course.get_absolute_url()))


# --- organizations --------------------------------------------------------------------------


@pytest.fixture
def library(clock):
    library = OrganizationFactory(
        name="Stadtbibliothek Aschaffenburg", slug="stadtbibliothek", kind="library"
    )
    give_hours(library, {0: "10-18", 1: "10-18"})
    return library


@pytest.mark.parametrize(
    ("language", "open_text", "closed_text"),
    [
        ("en", "Open now until 18:00", "Closed now, opens"),
        ("de", "Jetzt geöffnet bis 18:00 Uhr", "Jetzt geschlossen, öffnet"),
    ],
)
def test_the_organization_page_follows_its_hours_and_the_clock(
    client, clock, library, language, open_text, closed_text
):
    in_language(client, language)
    page = reverse("organizations:detail", args=[library.slug])
    clock.move_to(at(0, 17, 59))
    assert open_text in text(client.get(page))

    clock.move_to(at(0, 18))
    assert closed_text in text(client.get(page))

    staff = MembershipFactory(organization=library, role=Role.STAFF).user
    organization_services.set_opening_hours(
        by=staff,
        organization=library,
        week={0: [(datetime.time(10), datetime.time(20))]},
        today=NOW.date(),
    )
    assert open_text.replace("18:00", "20:00") in text(client.get(page))


def test_the_directory_lists_a_new_organization_at_once(client, library):
    assert "Medienzentrum Miltenberg" not in text(client.get(reverse("organizations:directory")))

    OrganizationFactory(name="Medienzentrum Miltenberg")

    assert "Medienzentrum Miltenberg" in text(client.get(reverse("organizations:directory")))


# --- lending --------------------------------------------------------------------------------


@pytest.fixture
def pool(library):
    pool = LendingPoolFactory(organization=library, name="Leih-Laptops")
    DeviceFactory(pool=pool)
    return pool


def test_a_loan_reservation_shows_on_the_lending_pages_at_once(client, clock, pool):
    in_language(client, "en")
    clock.move_to(at(0, 11))
    pages = (reverse("lending:pools"), reverse("lending:pool", args=[pool.pk]))
    assert "1 free now" in text(client.get(pages[0]))
    client.get(pages[1])

    lending_services.reserve_loan(by=UserFactory(), pool=pool, pickup_date=NOW.date())

    assert "1 free now" not in text(client.get(pages[0]))
    assert "Reserve now" not in text(client.get(pages[1]))


def test_a_lesson_booking_leaves_the_lending_version_alone(pool):
    from tests.factories import DevicePoolFactory, ReservationFactory

    school_pool = DevicePoolFactory()
    before = public_cache.versions(["lending"])
    ReservationFactory(pool=school_pool)
    assert public_cache.versions(["lending"]) == before
    ReservationFactory(pool=pool)
    assert public_cache.versions(["lending"]) != before


def test_the_lending_page_follows_the_end_of_a_reservation(client, clock, pool):
    in_language(client, "en")
    clock.move_to(at(0, 11))
    reservation = lending_services.reserve_loan(by=UserFactory(), pool=pool, pickup_date=NOW.date())
    assert "1 free now" not in text(client.get(reverse("lending:pools")))

    clock.move_to(reservation.end)
    assert "1 free now" in text(client.get(reverse("lending:pools")))
