"""Opening hours as data: which days an organization is open, and when, from its weekly hours,
summer hours, special hours and closures."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from organizations.hours import aware, calendar_for, calendars_for
from organizations.models import Closure, Organization

from ..factories import (
    LIBRARY_WEEK,
    ClosureFactory,
    OrganizationFactory,
    give_hours,
    give_special_hours,
)

pytestmark = pytest.mark.django_db

D = datetime.date
T = datetime.time
MON, TUE, WED, SAT, SUN = (
    D(2027, 3, 22),
    D(2027, 3, 23),
    D(2027, 3, 24),
    D(2027, 3, 27),
    D(2027, 3, 28),
)


@pytest.fixture
def library():
    library = OrganizationFactory(kind=Organization.Kind.LIBRARY)
    give_hours(library, LIBRARY_WEEK)
    return library


def test_the_weekly_hours_say_which_days_are_open_and_when(library):
    calendar = calendar_for(library, MON, SUN)
    assert calendar.known
    assert [day.strftime("%a") for day in calendar.open_days(MON, SUN)] == [
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
    ]
    assert [(i.opens, i.closes) for i in calendar.intervals(TUE)] == [
        (T(10), T(13)),
        (T(14), T(18)),
    ]
    assert calendar.intervals(MON) == []
    assert calendar.bounds(TUE) == (T(10), T(18))
    assert calendar.bounds(SUN) is None


def test_a_holiday_closes_a_day_the_weekly_hours_would_open(library):
    ClosureFactory(organization=library, name="Betriebsausflug", start=TUE, end=WED)
    calendar = calendar_for(library, MON, SUN)
    assert not calendar.is_open(TUE)
    assert calendar.closure_on(TUE) == "Betriebsausflug"
    # Saturday → (Sunday, Monday closed by the week, Tuesday by the closure) → Wednesday.
    assert calendar.next_open_day(D(2027, 3, 20)) == WED
    assert calendar.roll_forward(D(2027, 3, 21)) == WED  # the Sunday before
    assert calendar.last_open_day_before(WED) == D(2027, 3, 20)


def test_region_holidays_close_everyone_school_holidays_only_schools(library):
    school = OrganizationFactory(kind=Organization.Kind.SCHOOL)
    ClosureFactory(
        organization=None,
        kind=Closure.Kind.PUBLIC_HOLIDAY,
        start=WED,
        end=WED + datetime.timedelta(days=1),
    )
    ClosureFactory(organization=None, kind=Closure.Kind.SCHOOL_HOLIDAY, start=TUE, end=WED)
    calendars = calendars_for([library, school], MON, SUN)
    assert calendars[library.pk].is_open(TUE)
    assert not calendars[library.pk].is_open(WED)
    # The school has no hours on record: open every day it is not closed.
    assert not calendars[school.pk].known
    assert calendars[school.pk].intervals(MON) is None
    assert calendars[school.pk].is_open(MON)
    assert not calendars[school.pk].is_open(TUE)
    assert not calendars[school.pk].is_open(WED)


def test_special_hours_replace_the_week_and_a_closure(library):
    christmas_eve = D(2027, 12, 24)  # a Friday
    ClosureFactory(
        organization=library, name="Weihnachten", start=christmas_eve, end=D(2027, 12, 27)
    )
    give_special_hours(library, christmas_eve, "10-12", note="Heiligabend")
    calendar = calendar_for(library, D(2027, 12, 20), D(2027, 12, 31))
    assert [(i.opens, i.closes) for i in calendar.intervals(christmas_eve)] == [(T(10), T(12))]
    assert calendar.closure_on(christmas_eve) is None
    assert not calendar.is_open(D(2027, 12, 25))


def test_summer_hours_win_over_the_all_year_hours_for_their_weeks(library):
    give_hours(library, {2: "10-14"}, valid_from=D(2027, 7, 1), valid_until=D(2027, 8, 31))
    calendar = calendar_for(library, D(2027, 6, 28), D(2027, 9, 5))
    assert calendar.is_open(D(2027, 6, 29))  # a Tuesday in June: the all-year hours
    assert not calendar.is_open(D(2027, 7, 6))  # a Tuesday in July: summer hours, closed
    assert calendar.bounds(D(2027, 7, 7)) == (T(10), T(14))
    assert calendar.is_open(D(2027, 9, 1))  # the last day of summer hours is 31 August


def test_hours_on_record_but_none_for_a_range_close_it():
    organization = OrganizationFactory()
    give_hours(organization, {0: "9-12"}, valid_from=D(2027, 1, 1), valid_until=D(2027, 1, 31))
    calendar = calendar_for(organization, D(2027, 3, 1), D(2027, 3, 7))
    assert calendar.known
    assert list(calendar.open_days(D(2027, 3, 1), D(2027, 3, 7))) == []


def test_open_now_until_and_the_next_opening_across_the_clock_change(library, settings):
    assert settings.TIME_ZONE == "Europe/Berlin"
    calendar = calendar_for(library, MON, SUN)
    during = aware(TUE, T(11, 30))
    assert calendar.is_open_at(during)
    assert calendar.open_until(during) == aware(TUE, T(13))
    lunch = aware(TUE, T(13, 30))
    assert not calendar.is_open_at(lunch)
    assert calendar.next_opening(lunch) == aware(TUE, T(14))
    # Saturday after closing → Tuesday 10:00, across the night the clocks go forward.
    after = aware(SAT, T(14))
    opening = calendar.next_opening(after)
    assert opening == aware(D(2027, 3, 30), T(10))
    assert timezone.localtime(opening).utcoffset() == datetime.timedelta(hours=2)
    assert timezone.localtime(after).utcoffset() == datetime.timedelta(hours=1)


def test_counting_open_days_skips_closed_ones(library):
    calendar = calendar_for(library, MON, SUN)
    # Three open days after Friday: Saturday, (Sunday, Monday closed) Tuesday, Wednesday.
    assert calendar.add_open_days(D(2027, 3, 26), 3) == D(2027, 3, 31)


def test_a_day_beyond_the_range_is_read_when_asked(library, django_assert_max_num_queries):
    calendar = calendar_for(library, MON, SUN)
    ClosureFactory(organization=library, start=D(2027, 5, 4), end=D(2027, 5, 5))
    with django_assert_max_num_queries(4):
        assert not calendar.is_open(D(2027, 5, 4))
    assert calendar.is_open(D(2027, 5, 5))


def test_calendars_of_many_organizations_take_two_queries(django_assert_num_queries):
    organizations = [OrganizationFactory() for _ in range(12)]
    for organization in organizations[::2]:
        give_hours(organization, LIBRARY_WEEK)
        ClosureFactory(organization=organization, start=TUE, end=WED)
    with django_assert_num_queries(2):  # schedules, special hours and closures; intervals
        calendars = calendars_for(organizations, MON, SUN)
        open_tuesday = [calendars[o.pk].is_open(TUE) for o in organizations]
    assert open_tuesday == [False, True] * 6
    assert [calendars[o.pk].intervals(WED) is None for o in organizations] == [False, True] * 6


def test_a_calendar_without_hours_on_record_takes_one_query(django_assert_num_queries):
    school = OrganizationFactory(kind=Organization.Kind.SCHOOL)
    holidays = ClosureFactory(
        organization=None, kind=Closure.Kind.SCHOOL_HOLIDAY, start=TUE, end=WED
    )
    give_special_hours(school, SAT, "9-11")
    with django_assert_num_queries(1):
        calendar = calendar_for(school, MON, SUN)
        assert not calendar.is_open(TUE)
        assert calendar.closure_on(TUE) == holidays.name
        assert [(i.opens, i.closes) for i in calendar.intervals(SAT)] == [(T(9), T(11))]
        assert calendar.intervals(WED) is None  # open, times not known
