"""A provider (an adult-education centre) with its staff, and a published course with three
evening meetings. Every test passes a fixed ``now`` (a Monday morning in February 2027), so
that nothing depends on the day the suite runs."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from organizations.models import Organization, Role
from tests.factories import (
    CourseFactory,
    LocationFactory,
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
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
def provider(db):
    return OrganizationFactory(
        name="Volkshochschule Aschaffenburg",
        slug="vhs-aschaffenburg",
        kind=Organization.Kind.ADULT_EDUCATION,
        street="Luitpoldstraße 2",
        postal_code="63739",
        city="Aschaffenburg",
    )


@pytest.fixture
def provider_staff(provider):
    return MembershipFactory(organization=provider, role=Role.STAFF).user


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
