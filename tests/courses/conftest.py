"""The provider of tests/conftest.py (an adult-education centre) with its admin, a venue, and
a published course with three evening meetings. Every test passes a fixed ``now`` (a Monday
morning in February 2027), so that nothing depends on the day the suite runs."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from core.dates import local_datetime
from courses.models import Course
from organizations.models import Role
from tests.factories import (
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    LocationFactory,
    MeetingFactory,
    MembershipFactory,
    UserFactory,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 7, 0, tzinfo=BERLIN)  # a Monday morning
TODAY = NOW.date()


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """``days`` after NOW's date at a local wall-clock time."""
    day = TODAY + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def _english():
    """Messages are asserted in English (the msgids); German comes with the translations."""
    with translation.override("en"):
        yield


@pytest.fixture
def provider_admin(provider):
    return MembershipFactory(organization=provider, role=Role.ORG_ADMIN).user


@pytest.fixture
def venue(provider):
    return LocationFactory(organization=provider, name="Raum 104", street="Pfaffengasse 7")


@pytest.fixture
def course(provider, venue):
    """Published, 2 seats, three Tuesday evenings from a week after NOW."""
    course = CourseFactory(
        organization=provider,
        location=venue,
        title="Online-Banking sicher nutzen",
        capacity=2,
        published_at=NOW - datetime.timedelta(days=7),
    )
    for week in range(3):
        MeetingFactory(course=course, start=at(8 + 7 * week, 18), end=at(8 + 7 * week, 19, 30))
    return course


@pytest.fixture
def residents(db):
    return [UserFactory() for _ in range(5)]


def in_days(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """``days`` after today (the real one) at a local wall-clock time."""
    return local_datetime(
        timezone.localdate() + datetime.timedelta(days=days), datetime.time(hour, minute)
    )


@pytest.fixture
def held_today(organization):
    """A published course of the staff's organization whose one date is today."""
    course = CourseFactory(organization=organization, title="Tablet-Kurs", capacity=10)
    MeetingFactory(course=course, start=in_days(0, 0, 1), end=in_days(0, 2))
    return course


@pytest.fixture
def with_devices(organization):
    """A draft course of the organization that needs two of a pool's three devices."""
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 7")
    DeviceFactory.create_batch(3, pool=pool)
    return CourseFactory(
        organization=organization,
        status=Course.Status.DRAFT,
        published_at=None,
        pool=pool,
        devices_needed=2,
    )


def weekly(course: Course, count: int) -> None:
    """``count`` weekly evening dates of ``course``, from a week from today."""
    for week in range(count):
        MeetingFactory(
            course=course, start=in_days(7 + 7 * week, 18), end=in_days(7 + 7 * week, 19, 30)
        )
