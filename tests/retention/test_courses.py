"""Course retention: ``courses_days`` after a course's last meeting its participants are
unlinked, their answers cleared and the names on its certificates removed."""

from __future__ import annotations

import datetime

import pytest

from courses.models import Attendance, Certificate, Course, Enrollment
from courses.retention import unlink_participants
from tests.factories import CourseFactory, EnrollmentFactory, MeetingFactory, UserFactory

from .conftest import NOW, days_ago

pytestmark = pytest.mark.django_db


def _course(*last_ends: datetime.datetime) -> Course:
    """A course with a meeting ending at each of ``last_ends``, one participant who answered
    its question, was present and got a certificate, and one on the waiting list."""
    staff = UserFactory()
    course = CourseFactory(created_by=staff, questions="Bringen Sie ein eigenes Gerät mit?")
    meetings = [
        MeetingFactory(course=course, start=end - datetime.timedelta(hours=2), end=end)
        for end in last_ends
    ]
    enrollment = EnrollmentFactory(course=course, answers={"0": "Ja, ein Android-Handy"})
    EnrollmentFactory(course=course, status="waitlisted", waitlisted_at=days_ago(400))
    for meeting in meetings:
        Attendance.objects.create(enrollment=enrollment, meeting=meeting, recorded_by=staff)
    Certificate.objects.create(
        enrollment=enrollment,
        holder_name=enrollment.user.name,
        course_title=course.title,
        provider_name=course.organization.name,
        first_day=last_ends[0].date(),
        last_day=last_ends[-1].date(),
        hours=2,
    )
    return course


def _people(course: Course) -> list:
    """Everything of the course that names a person."""
    enrollments = Enrollment.objects.filter(course=course)
    course.refresh_from_db()
    return [
        *enrollments.exclude(user=None).values_list("user", flat=True),
        *[answers for answers in enrollments.values_list("answers", flat=True) if answers],
        *Attendance.objects.filter(meeting__course=course)
        .exclude(recorded_by=None)
        .values_list("recorded_by", flat=True),
        *Certificate.objects.filter(enrollment__course=course)
        .exclude(holder_name="")
        .values_list("holder_name", flat=True),
        *([course.created_by_id] if course.created_by_id else []),
    ]


def test_a_course_past_its_period_forgets_its_people_and_one_inside_keeps_them():
    past = _course(days_ago(380), days_ago(366))
    inside = _course(days_ago(380), days_ago(364))  # an old first date does not count

    changed = unlink_participants(NOW)

    assert _people(past) == []
    assert len(_people(inside)) == 7  # 2 people, 1 answer, 2 attendance, 1 name, the creator
    # 2 enrolments, 2 attendance rows, 1 certificate, the creator
    assert changed == 6


def test_the_rows_stay_for_the_statistics():
    course = _course(days_ago(400))
    before = Certificate.objects.filter(enrollment__course=course).values().get()

    unlink_participants(NOW)

    assert Enrollment.objects.filter(course=course).count() == 2
    assert Attendance.objects.filter(meeting__course=course, present=True).count() == 1
    after = Certificate.objects.filter(enrollment__course=course).values().get()
    assert after == {**before, "holder_name": ""}


def test_a_cancelled_course_without_dates_counts_from_its_cancellation():
    cancelled = CourseFactory(status="cancelled", cancelled_at=days_ago(366))
    EnrollmentFactory(course=cancelled, status="cancelled", cancelled_at=days_ago(370))
    recent = CourseFactory(status="cancelled", cancelled_at=days_ago(364))
    EnrollmentFactory(course=recent, status="cancelled", cancelled_at=days_ago(370))

    unlink_participants(NOW)

    assert _people(cancelled) == []
    assert len(_people(recent)) == 1


def test_the_period_comes_from_the_settings(settings):
    settings.LERNPOOL_RETENTION = {**settings.LERNPOOL_RETENTION, "courses_days": 30}
    course = _course(days_ago(31))

    unlink_participants(NOW)

    assert _people(course) == []
