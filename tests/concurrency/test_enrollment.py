"""A hundred residents enrolling in a course with ten seats at the same moment, then five of
those with a seat cancelling at once: never more confirmed than seats, a waiting list with
places 1, 2, 3, … and no gaps, and the seats freed go to the first people waiting. A control
with the lock switched off (``LERNPOOL_BOOKING_LOCKS = False``) shows that the race really
happens, so the test can see it."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from courses import services
from courses.models import Course, Enrollment
from organizations.models import Organization
from tests.factories import CourseFactory, MeetingFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RESIDENTS = 100
SEATS = 10
CANCELLING = 5
# One database connection per thread: the PostgreSQL of a development machine allows 100 in
# all, shared with other test runs, so the hundred residents come through 25 connections,
# all released together by a barrier.
CONNECTIONS = 25
ROUNDS = 10


def _race(works: list[Callable[[], object]], classify: Callable[[Exception], str]) -> list[str]:
    """Run ``works`` spread over up to CONNECTIONS threads, released together by a barrier;
    each thread has its own database connection, closed at the end."""
    lanes = [works[index::CONNECTIONS] for index in range(min(CONNECTIONS, len(works)))]
    barrier = threading.Barrier(len(lanes))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(lane) -> None:
        try:
            barrier.wait()
            for work in lane:
                try:
                    work()
                    outcome = "ok"
                except Exception as error:
                    outcome = classify(error)
                with lock:
                    outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(lane,)) for lane in lanes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _outcome(error: Exception) -> str:
    if isinstance(error, services.CourseError):
        return f"refused: {error}"
    return f"error: {error!r}"


@pytest.fixture
def provider(db):
    return OrganizationFactory(kind=Organization.Kind.ADULT_EDUCATION)


@pytest.fixture
def residents(db):
    return [UserFactory() for _ in range(RESIDENTS)]


def _course(provider) -> Course:
    now = timezone.now()
    course = CourseFactory(organization=provider, capacity=SEATS, published_at=now)
    MeetingFactory(
        course=course,
        start=now + datetime.timedelta(days=7),
        end=now + datetime.timedelta(days=7, hours=2),
    )
    return course


def _everyone_enrols(course, residents) -> list[str]:
    return _race(
        [lambda person=person: services.enrol(by=person, course=course) for person in residents],
        _outcome,
    )


def test_a_hundred_residents_get_ten_seats_and_a_waiting_list_without_gaps(provider, residents):
    course = _course(provider)

    outcomes = _everyone_enrols(course, residents)

    assert outcomes == ["ok"] * RESIDENTS
    assert course.enrollments.confirmed().count() == SEATS
    assert course.enrollments.waitlisted().count() == RESIDENTS - SEATS
    places = services.positions(course)
    assert sorted(places.values()) == list(range(1, RESIDENTS - SEATS + 1))
    for enrollment in course.enrollments.waitlisted():
        assert services.waitlist_position(enrollment) == places[enrollment.pk]

    # five with a seat cancel at once: the first five waiting move up, in order
    queue = list(course.enrollments.waitlisted().values_list("pk", flat=True))
    leaving = list(course.enrollments.confirmed().order_by("pk")[:CANCELLING])
    staying = set(course.enrollments.confirmed().values_list("pk", flat=True)) - {
        enrollment.pk for enrollment in leaving
    }
    outcomes = _race(
        [
            lambda enrollment=enrollment: services.cancel_enrollment(
                by=enrollment.user, enrollment=enrollment
            )
            for enrollment in leaving
        ],
        _outcome,
    )

    assert outcomes == ["ok"] * CANCELLING
    confirmed = set(course.enrollments.confirmed().values_list("pk", flat=True))
    assert confirmed == staying | set(queue[:CANCELLING])
    assert list(course.enrollments.waitlisted().values_list("pk", flat=True)) == queue[CANCELLING:]
    assert sorted(services.positions(course).values()) == list(
        range(1, RESIDENTS - SEATS - CANCELLING + 1)
    )
    assert (
        Enrollment.objects.filter(course=course, status=Enrollment.Status.CANCELLED).count()
        == CANCELLING
    )


def test_control_without_the_lock_the_same_run_overbooks(provider, residents, settings):
    """With the course row not locked, threads count the confirmed before the others have
    written: the test can see the race that the lock prevents."""
    settings.LERNPOOL_BOOKING_LOCKS = False
    overbooked = []
    for round_number in range(ROUNDS):
        course = _course(provider)
        outcomes = _everyone_enrols(course, residents)
        assert [o for o in outcomes if o.startswith("error")] == []
        confirmed = course.enrollments.confirmed().count()
        if confirmed > SEATS:
            overbooked.append((round_number, confirmed))
            break
    assert overbooked, "no round overbooked: the test could not see the race"
