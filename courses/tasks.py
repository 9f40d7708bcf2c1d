"""Background work of courses: emails and the daily minimum check. Ids in, nothing heavy on
import."""

from __future__ import annotations

from django.tasks import task

from . import emails


def _services():
    # Services enqueue tasks (imported at module level there); a task runs a service's work
    # when it runs, so this one direction is imported late.
    from . import services

    return services


@task()
def send_enrollment_email(enrollment_id: int, kind: str) -> None:
    """Tell the person: confirmed, waiting (with their place), moved up from the waiting
    list, cancelled by themselves or by the provider, or the whole course cancelled."""

    emails.send_enrollment_email(enrollment_id, kind)


@task()
def send_meeting_removed(enrollment_id: int, meeting_id: int, start: str, end: str) -> None:
    """A date of a published course was removed: the cancelled event for it."""

    emails.send_meeting_removed(enrollment_id, meeting_id, start, end)


@task()
def tell_staff_minimum_not_reached(course_id: int) -> None:
    """Too few people enrolled by the time registration closed: the provider's staff decide."""

    emails.send_minimum_not_reached(course_id)


@task()
def check_course_minimums() -> list[int]:
    """The daily job (also ``manage.py check_course_minimums``)."""

    return [course.pk for course in _services().check_minimums()]
