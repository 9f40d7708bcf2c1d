from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError

from organizations.models import Closure
from tests.factories import ClosureFactory, LessonPeriodFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_a_closure_cannot_end_before_it_starts(organization):
    with pytest.raises(IntegrityError):
        ClosureFactory(
            organization=organization,
            start=datetime.date(2027, 1, 7),
            end=datetime.date(2027, 1, 7),
        )


def test_a_lesson_period_cannot_end_before_it_starts(organization):
    with pytest.raises(IntegrityError):
        LessonPeriodFactory(
            organization=organization, start=datetime.time(9, 0), end=datetime.time(8, 45)
        )


def test_school_holidays_close_schools_but_not_libraries():
    school = OrganizationFactory(kind="school")
    library = OrganizationFactory(kind="library")
    autumn = ClosureFactory(
        organization=None, kind=Closure.Kind.SCHOOL_HOLIDAY, name="Herbstferien"
    )
    holiday = ClosureFactory(
        organization=None, kind=Closure.Kind.PUBLIC_HOLIDAY, name="Allerheiligen"
    )
    inventory = ClosureFactory(organization=library, name="Inventur")
    assert set(Closure.objects.for_organization(school)) == {autumn, holiday}
    assert set(Closure.objects.for_organization(library)) == {holiday, inventory}


def test_overlapping_treats_the_end_as_the_first_open_day():
    closure = ClosureFactory(start=datetime.date(2026, 11, 2), end=datetime.date(2026, 11, 7))
    assert closure.last_day == datetime.date(2026, 11, 6)
    assert list(Closure.objects.overlapping(datetime.date(2026, 11, 6), datetime.date(2026, 11, 7)))
    assert not Closure.objects.overlapping(
        datetime.date(2026, 11, 7), datetime.date(2026, 11, 8)
    ).exists()
