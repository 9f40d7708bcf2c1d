"""Opening one person at a library's desk (``reachable_at_desk(…).get(pk=…)``, also
``is_known`` and the desk API's ``known_to``) reads that person's own reservations and
enrolments, not everything the organization ever had: the desk's person page must not grow
with the library's history or the region's course meetings (bench/README.md, "Scale 3
against scale 1").

PostgreSQL only. The test tables are tiny, so the planner would scan them whatever the
indexes; with sequential scans off it is left with index reads, and the rows those read say
whether it probed the person's rows or collected the organization's."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from booking.models import Reservation
from booking.personal_data import booked_with
from courses.models import Enrollment
from courses.personal_data import enrolled_with
from organizations.models import Organization
from organizations.people import is_known, reachable_at_desk
from tests.factories import (
    CourseFactory,
    LendingPoolFactory,
    MeetingFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HISTORY = 1500  # other residents, two reservations each (enough that hashing them all costs more)


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def rows_read(queryset) -> dict[str, int]:
    """Rows each table gave the query (kept or filtered away), as ``EXPLAIN ANALYZE`` counts
    them, with sequential scans off."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = json.loads(queryset.explain(format="json", analyze=True))[0]["Plan"]
    read: dict[str, int] = {}
    for node in nodes(plan):
        if relation := node.get("Relation Name"):
            rows = node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            read[relation] = read.get(relation, 0) + rows * node["Actual Loops"]
    return read


@pytest.fixture
def library(on_postgres):
    if not on_postgres:
        pytest.skip("query plans are PostgreSQL's")
    library = OrganizationFactory(kind=Organization.Kind.LIBRARY, slug="sb")
    pool = LendingPoolFactory(organization=library)
    others = User.objects.bulk_create(
        User(email=f"leser{n}@example.org", name=f"Leser {n}", password="!") for n in range(HISTORY)
    )
    start = timezone.now() - datetime.timedelta(days=400)
    Reservation.objects.bulk_create(
        Reservation(
            pool=pool,
            user=user,
            quantity=1,
            start=start + datetime.timedelta(days=n),
            end=start + datetime.timedelta(days=n + 14),
            status="confirmed",
        )
        for user in others
        for n in (0, 200)
    )
    course = CourseFactory(organization=library)
    Enrollment.objects.bulk_create(
        Enrollment(course=course, user=user, status="confirmed", confirmed_at=start)
        for user in others[:300]
    )
    for _ in range(30):  # other providers' course meetings, elsewhere in the region
        MeetingFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE accounts_user, booking_reservation, courses_enrollment, courses_meeting"
        )
    return library


@pytest.fixture
def person(library):
    person = UserFactory()
    ReservationFactory(pool=library.pools.get(), user=person)
    return person


def test_opening_a_person_reads_their_rows_not_the_librarys_history(library, person):
    opened = reachable_at_desk(library).filter(pk=person.pk)
    assert list(opened) == [person]
    read = rows_read(opened)
    assert read.get("booking_reservation", 0) <= 5, read
    assert read.get("courses_enrollment", 0) <= 5, read
    assert read.get("courses_meeting", 0) <= 5, read
    assert is_known(library, person)


def test_a_stranger_is_not_known_and_costs_as_little(library):
    stranger = UserFactory()
    assert not reachable_at_desk(library).filter(pk=stranger.pk).exists()
    read = rows_read(reachable_at_desk(library).filter(pk=stranger.pk))
    assert read.get("booking_reservation", 0) <= 5, read


def test_the_check_sees_a_query_that_collects_the_history(library, person):
    """Negative control: the sections' ids as ``pk IN (…)`` (the form before) are hashed
    whole, every reservation and enrolment of the library, and the count says so."""
    before = User.objects.filter(
        Q(pk__in=booked_with([library.pk])) | Q(pk__in=enrolled_with([library.pk])),
        pk=person.pk,
    )
    assert list(before) == [person]
    read = rows_read(before)
    assert read["booking_reservation"] >= 2 * HISTORY, read
