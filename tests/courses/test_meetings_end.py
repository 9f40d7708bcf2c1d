"""``Course.meetings_end``, the end of a course's last meeting, which the catalog and its API
filter on (``courses.filters.upcoming``), stays right through every door that adds or removes
dates: the services, the provider's pages, copying a course, and a write that fails. The demo
seed (tests/demo/test_courses.py) and the region generator (tests/reports/test_bench_region.py)
are checked with ``wrong_meetings_end`` too. Every test runs at a fixed ``now``."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db.models import OuterRef, Subquery

from courses import filters, services
from courses.models import Course, Meeting
from courses.services import CourseError
from tests.factories import CourseFactory, DeviceFactory, DevicePoolFactory, MeetingFactory

from .conftest import NOW, TODAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_english")]


def wrong_meetings_end() -> list[tuple[int, datetime.datetime | None, datetime.datetime | None]]:
    """Every course whose ``meetings_end`` is not the latest end of its meetings, recomputed
    from the meetings: (course id, stored, recomputed)."""
    latest = Meeting.objects.filter(course=OuterRef("pk")).order_by("-end").values("end")[:1]
    return [
        (course.pk, course.meetings_end, course.recomputed)
        for course in Course.objects.annotate(recomputed=Subquery(latest)).order_by("pk")
        if course.meetings_end != course.recomputed
    ]


def stored_end(course: Course) -> datetime.datetime | None:
    return Course.objects.values_list("meetings_end", flat=True).get(pk=course.pk)


def test_the_fixture_course_ends_with_its_third_tuesday(course):
    assert stored_end(course) == at(22, 19, 30)
    assert wrong_meetings_end() == []


def test_adding_dates_moves_the_end_later_and_only_later(course, provider_staff):
    services.add_meeting(by=provider_staff, course=course, start=at(2, 18), end=at(2, 19), now=NOW)
    assert stored_end(course) == at(22, 19, 30)  # an earlier date changes nothing

    services.add_meeting(
        by=provider_staff, course=course, start=at(30, 18), end=at(30, 20), now=NOW
    )
    assert stored_end(course) == at(30, 20)

    services.add_meetings(
        by=provider_staff,
        course=course,
        first_date=TODAY + datetime.timedelta(days=36),
        start_time=datetime.time(10),
        end_time=datetime.time(12),
        count=3,
        now=NOW,
    )
    assert stored_end(course) == at(50, 12)
    assert wrong_meetings_end() == []


def test_removing_the_last_date_moves_the_end_back(course, provider_staff):
    last = course.meetings.order_by("start").last()
    services.remove_meeting(by=provider_staff, meeting=last, now=NOW)
    assert stored_end(course) == at(15, 19, 30)
    assert wrong_meetings_end() == []


def test_a_draft_without_dates_has_no_end(provider, provider_staff):
    draft = CourseFactory(organization=provider, status="draft", published_at=None)
    meeting = MeetingFactory(course=draft, start=at(3, 18), end=at(3, 19))
    assert stored_end(draft) == at(3, 19)
    services.remove_meeting(by=provider_staff, meeting=meeting, now=NOW)
    assert stored_end(draft) is None
    assert wrong_meetings_end() == []


def test_a_copy_ends_with_its_own_moved_dates(course, provider_staff):
    copy = services.copy_course(by=provider_staff, course=course, weeks_later=2)
    assert stored_end(copy) == at(36, 19, 30)
    assert stored_end(course) == at(22, 19, 30)
    assert wrong_meetings_end() == []


def test_a_refused_date_leaves_the_end_as_it_was(course, provider, provider_staff):
    with pytest.raises(CourseError):
        services.add_meeting(
            by=provider_staff, course=course, start=at(-1, 18), end=at(-1, 19), now=NOW
        )
    # A published course whose pool has no device free: the meeting is written, then the
    # device booking fails and the whole write is rolled back, the end with it.
    pool = DevicePoolFactory(organization=provider)
    DeviceFactory(pool=pool)
    Course.objects.filter(pk=course.pk).update(pool=pool, devices_needed=2)
    course.refresh_from_db()
    with pytest.raises(CourseError):
        services.add_meeting(
            by=provider_staff, course=course, start=at(40, 18), end=at(40, 19), now=NOW
        )
    assert stored_end(course) == at(22, 19, 30)
    assert wrong_meetings_end() == []


def test_the_provider_pages_keep_the_end_right(client, course, provider_staff):
    day = TODAY + datetime.timedelta(days=40)
    with time_machine.travel(NOW, tick=False):
        client.force_login(provider_staff)
        response = client.post(
            f"/manage/courses/{course.pk}/meetings/",
            {
                "first_date": day.isoformat(),
                "start_time": "18:00",
                "end_time": "19:30",
                "repeat": "once",
                "count": "",
                "until": "",
            },
        )
        assert response.status_code == 302
        assert stored_end(course) == at(40, 19, 30)

        added = course.meetings.order_by("start").last()
        response = client.post(f"/manage/courses/{course.pk}/meetings/{added.pk}/remove/")
        assert response.status_code == 302
    assert stored_end(course) == at(22, 19, 30)
    assert wrong_meetings_end() == []


def test_the_catalog_lists_a_course_until_its_last_meeting_ends(course):
    assert course in filters.upcoming(at(22, 19, 29))
    assert course not in filters.upcoming(at(22, 19, 30))
    # A course whose stored end is stale would show it: the catalog reads the column.
    Course.objects.filter(pk=course.pk).update(meetings_end=at(22, 19, 29))
    assert course not in filters.upcoming(at(22, 19, 29))
