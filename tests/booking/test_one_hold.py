"""Every writer that holds a pool's devices goes through booking.capacity.hold: with hold
refusing, each of them fails and writes no reservation. A writer that counted on its own
would get past it. Lending's writers (a resident's reservation, the library desk, renewals,
the waiting list's offer) are checked the same way in tests/lending/test_one_hold.py."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from booking import capacity, services
from booking.models import Reservation
from core.errors import DomainError
from courses import services as course_services
from courses.models import Course
from organizations.models import Role
from tests.factories import (
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 7, 0, tzinfo=BERLIN)  # a Monday morning


def at(days: int, hour: int) -> datetime.datetime:
    day = NOW.date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=BERLIN)


@pytest.fixture
def world():
    school = OrganizationFactory()
    pool = DevicePoolFactory(organization=school)
    DeviceFactory.create_batch(10, pool=pool)
    return {
        "pool": pool,
        "teacher": MembershipFactory(organization=school, role=Role.TEACHER).user,
        "staff": MembershipFactory(organization=school, role=Role.STAFF).user,
    }


def book_once(world):
    services.reserve(
        by=world["teacher"], pool=world["pool"], quantity=2, start=at(1, 8), end=at(1, 10), now=NOW
    )


def book_weekly(world):
    services.book_series(
        by=world["teacher"],
        pool=world["pool"],
        quantity=2,
        first_date=at(1, 8).date(),
        until=at(22, 8).date(),
        start_time=datetime.time(8),
        end_time=datetime.time(10),
        now=NOW,
    )


def approve_a_request(world):
    request = ReservationFactory(
        pool=world["pool"],
        user=UserFactory(),
        quantity=2,
        start=at(2, 8),
        end=at(2, 10),
        status=Reservation.Status.REQUESTED,
    )
    world["before"] = Reservation.objects.confirmed().count()
    services.approve(by=world["staff"], reservation=request, now=NOW)


def publish_a_course(world):
    draft = CourseFactory(
        organization=world["pool"].organization,
        status=Course.Status.DRAFT,
        published_at=None,
        pool=world["pool"],
        devices_needed=2,
    )
    MeetingFactory(course=draft, start=at(8, 18), end=at(8, 19))
    course_services.publish(by=world["staff"], course=draft, now=NOW)


def add_a_course_meeting(world):
    course = CourseFactory(
        organization=world["pool"].organization,
        status=Course.Status.PUBLISHED,
        pool=world["pool"],
        devices_needed=2,
    )
    course_services.add_meeting(
        by=world["staff"], course=course, start=at(9, 18), end=at(9, 19), now=NOW
    )


WRITERS = [book_once, book_weekly, approve_a_request, publish_a_course, add_a_course_meeting]


@pytest.mark.parametrize("writer", WRITERS, ids=lambda writer: writer.__name__)
def test_every_writer_holds_through_the_one_hold(writer, world, monkeypatch):
    calls = []

    def refuse(**kwargs):
        calls.append(kwargs)
        raise capacity.PoolExhausted("hold says no", 0)

    monkeypatch.setattr(capacity, "hold", refuse)

    with pytest.raises(DomainError):
        writer(world)

    assert calls, "the writer did not call booking.capacity.hold"
    assert Reservation.objects.confirmed().count() == world.get("before", 0)


def test_hold_counts_the_confirmed_peak_and_names_the_time(world, django_assert_num_queries):
    from django.db import transaction

    ReservationFactory(pool=world["pool"], quantity=9, start=at(3, 8), end=at(3, 10))
    with transaction.atomic():
        pool = capacity.hold(pool=world["pool"], start=at(1, 8), end=at(1, 10), quantity=10)
        assert pool.pk == world["pool"].pk
        with pytest.raises(capacity.PoolExhausted) as refused:
            capacity.hold(
                pool=world["pool"],
                start=at(1, 8),
                end=at(1, 10),
                quantity=2,
                more=[(at(3, 9), at(3, 11))],
            )
    assert refused.value.free == 1
    assert refused.value.start == at(3, 9)


@pytest.mark.django_db(transaction=True)
def test_hold_refuses_to_run_outside_a_transaction(world):
    from core.locking import NotInTransaction

    with pytest.raises(NotInTransaction):
        capacity.hold(pool=world["pool"], start=at(1, 8), end=at(1, 10), quantity=1)
