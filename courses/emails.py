"""The course emails. Each loads what it needs by id (they run as tasks) and goes out in the
recipient's language, as plain text and HTML (templates/email/courses/)."""

from __future__ import annotations

import datetime

from accounts.models import User
from core.mail import send_to_user
from organizations.models import MANAGING_ROLES

from . import ical
from .models import Course, Enrollment

# Kinds whose email carries the course's dates as an .ics file (for a cancelled course the
# events are marked cancelled, so that calendars drop them).
WITH_CALENDAR = {"confirmed", "promoted", "course_cancelled"}


def _course_context(course: Course) -> dict:
    meetings = list(course.meetings.order_by("start", "pk"))
    for meeting in meetings:
        meeting.course = course
    return {
        "course": course,
        "meetings": meetings,
        "venue": ical.venue(course),
        "course_url": ical.course_url(course),
    }


def send_enrollment_email(enrollment_id: int, kind: str) -> None:
    # The services decide the kinds and the waiting-list position; they enqueue this email's
    # task at module level, so this one direction is imported when the email is sent.
    from .services import EMAIL_KINDS, waitlist_position

    if kind not in EMAIL_KINDS:
        raise ValueError(kind)
    enrollment = (
        Enrollment.objects.select_related("course__organization", "course__location", "user")
        .filter(pk=enrollment_id)
        .first()
    )
    if enrollment is None or enrollment.user is None:
        return
    context = {
        "enrollment": enrollment,
        "position": waitlist_position(enrollment) if kind == "waitlisted" else None,
        **_course_context(enrollment.course),
    }
    attachments = []
    if kind in WITH_CALENDAR:
        attachments.append(
            (
                f"lernpool-course-{enrollment.course_id}.ics",
                ical.calendar_for(context["meetings"], enrollment.course.title),
                "text/calendar",
            )
        )
    send_to_user(enrollment.user, f"courses/{kind}", context, attachments=attachments)


def send_minimum_not_reached(course_id: int) -> None:
    """Each staff member and admin of the provider, in their own language."""

    course = (
        Course.objects.with_counts()
        .select_related("organization", "location")
        .filter(pk=course_id)
        .first()
    )
    if course is None:
        return
    staff = User.objects.filter(
        is_active=True,
        memberships__organization_id=course.organization_id,
        memberships__role__in=MANAGING_ROLES,
    ).distinct()
    context = {
        **_course_context(course),
        "confirmed": course.confirmed_count,
        "minimum": course.min_participants,
        "manage_url": ical.manage_url(course),
    }
    for person in staff:
        send_to_user(person, "courses/minimum_not_reached", context)


def send_meeting_removed(enrollment_id: int, meeting_id: int, start: str, end: str) -> None:
    """A date of the course was removed: the person gets the cancelled event for it."""

    enrollment = (
        Enrollment.objects.select_related("course__organization", "course__location", "user")
        .filter(pk=enrollment_id)
        .first()
    )
    if enrollment is None or enrollment.user is None:
        return
    course = enrollment.course
    begins = datetime.datetime.fromisoformat(start)
    ends = datetime.datetime.fromisoformat(end)
    calendar = ical.removed_meeting_calendar(course, meeting_id=meeting_id, start=begins, end=ends)
    send_to_user(
        enrollment.user,
        "courses/meeting_removed",
        {"enrollment": enrollment, "removed_start": begins, **_course_context(course)},
        attachments=[(f"lernpool-course-{course.pk}-removed.ics", calendar, "text/calendar")],
    )
