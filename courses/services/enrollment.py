"""Enrol, cancel, and the waiting list that moves up in order when a seat frees.

The invariant: a course never has more confirmed enrollments than seats. Every function
that changes who holds a seat locks the course row first, counts, then writes.
"""

from __future__ import annotations

import datetime
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import User

from ..models import Course, Enrollment
from ..tasks import send_enrollment_email
from .rules import (
    AlreadyEnrolled,
    CourseError,
    EnrollmentClosed,
    NotCancellable,
    clean_text,
    local_text,
    locked_course,
    manages,
)

ANSWER_MAX_LENGTH = 200

# Kinds of email a person gets about their enrolment (templates/email/courses/<kind>*).
EMAIL_KINDS = ("confirmed", "waitlisted", "promoted", "cancelled", "removed", "course_cancelled")


def notify(enrollment_id: int, kind: str) -> None:
    """Email the person once the transaction has committed."""

    transaction.on_commit(partial(send_enrollment_email.enqueue, enrollment_id, kind))


def _closed_reason(course: Course, now: datetime.datetime) -> str | None:
    """Why the course takes no enrolments now, in words that say what is possible."""
    if course.status == Course.Status.DRAFT:
        return _("This course is not open for enrolment yet.")
    if course.status == Course.Status.CANCELLED:
        return _("This course has been cancelled.")
    if course.is_over(now):
        return _("This course is over.")
    opens, closes = course.effective_registration_opens, course.effective_registration_closes
    if opens is not None and now < opens:
        return _("Enrolment opens on %(when)s.") % {"when": local_text(opens)}
    if closes is None:
        return _("This course has no dates yet.")
    if now >= closes:
        return _(
            "Enrolment closed on %(when)s. Please ask the provider whether a seat is still free."
        ) % {"when": local_text(closes)}
    return None


def _clean_answers(course: Course, answers: dict[str, str] | None) -> dict[str, str]:
    """The answers to the course's own questions (each at most 200 characters); no other keys."""
    questions = course.question_list()
    answers = answers or {}
    if not isinstance(answers, dict) or any(key not in questions for key in answers):
        raise CourseError(_("Please answer only the questions of this course."))
    cleaned = {}
    for question in questions:
        value = answers.get(question, "")
        if not isinstance(value, str):
            raise CourseError(_("Please answer each question in words."))
        cleaned[question] = clean_text(
            value,
            max_length=ANSWER_MAX_LENGTH,
            too_long=_("Please keep each answer under %(max)d characters."),
        )
    return cleaned


def _end_of_queue(course: Course, now: datetime.datetime) -> datetime.datetime:
    """``now``, or just after the last person waiting if that is later: the queue keeps the
    order in which the lock was held even when the clocks of several app servers differ."""
    latest = course.enrollments.filter(status=Enrollment.Status.WAITLISTED).aggregate(
        latest=Max("waitlisted_at")
    )["latest"]
    if latest is not None and latest >= now:
        return latest + datetime.timedelta(microseconds=1)
    return now


def enrol(
    *,
    by: User,
    course: Course,
    answers: dict[str, str] | None = None,
    now: datetime.datetime | None = None,
) -> Enrollment:
    """Enrol the person: confirmed while seats are free, else at the end of the waiting list.
    Someone who cancelled before enrols again in their old row, at the end of the queue."""
    if not by.is_authenticated:
        raise PermissionDenied
    answers = _clean_answers(course, answers)
    with transaction.atomic():
        course = locked_course(course)
        now = now or timezone.now()  # taken under the lock: the queue is in lock order
        reason = _closed_reason(course, now)
        if reason:
            raise EnrollmentClosed(reason)
        enrollment = Enrollment.objects.filter(course=course, user=by).first()
        if enrollment is not None and enrollment.status == Enrollment.Status.WAITLISTED:
            raise AlreadyEnrolled(
                _("You are on the waiting list of this course already, in place %(position)d.")
                % {"position": waitlist_position(enrollment)}
            )
        if enrollment is not None and enrollment.status == Enrollment.Status.CONFIRMED:
            raise AlreadyEnrolled(_("You are enrolled in this course already."))
        confirmed = course.enrollments.filter(status=Enrollment.Status.CONFIRMED).count()
        enrollment = enrollment or Enrollment(course=course, user=by)
        enrollment.answers = answers
        enrollment.created_at = now
        enrollment.cancelled_at = None
        if confirmed < course.capacity:
            enrollment.status = Enrollment.Status.CONFIRMED
            enrollment.confirmed_at = now
            enrollment.waitlisted_at = None
        else:
            enrollment.status = Enrollment.Status.WAITLISTED
            enrollment.confirmed_at = None
            enrollment.waitlisted_at = _end_of_queue(course, now)
        try:
            with transaction.atomic():
                enrollment.save()
        except IntegrityError as error:
            # Only without the lock (the tests' control run) can two enrolments of one
            # person race; the unique constraint then stops the second.
            raise AlreadyEnrolled(_("You are enrolled in this course already.")) from error
        log_action(
            by,
            "courses.enrolled",
            enrollment,
            organization_id=course.organization_id,
            course=course.pk,
            status=enrollment.status,
        )
    notify(enrollment.pk, enrollment.status)
    return enrollment


def fill_seats(course: Course, *, now: datetime.datetime | None = None) -> list[Enrollment]:
    """With the course locked by the caller: confirm waiting people, first come first served,
    into the free seats of a published course that is not over; each is emailed."""
    now = now or timezone.now()
    if course.status != Course.Status.PUBLISHED or course.is_over(now):
        return []
    free = course.capacity - course.enrollments.filter(status=Enrollment.Status.CONFIRMED).count()
    if free <= 0:
        return []
    promoted = list(course.enrollments.waitlisted()[:free])
    for enrollment in promoted:
        enrollment.status = Enrollment.Status.CONFIRMED
        enrollment.confirmed_at = now
        enrollment.save(update_fields=["status", "confirmed_at"])
        log_action(
            None,
            "courses.promoted",
            enrollment,
            organization_id=course.organization_id,
            course=course.pk,
        )
        notify(enrollment.pk, "promoted")
    return promoted


def cancel_enrollment(
    *, by: User, enrollment: Enrollment, now: datetime.datetime | None = None
) -> Enrollment:
    """The person cancels (a confirmed seat until the cancellation deadline, a place on the
    waiting list at any time), or staff of the provider take someone off (at any time). A
    freed seat goes to the first person waiting, in the same transaction."""
    staff = manages(by, enrollment.course.organization_id)
    if not staff and (not by.is_authenticated or enrollment.user_id != by.pk):
        raise PermissionDenied
    with transaction.atomic():
        course = locked_course(enrollment.course)
        now = now or timezone.now()
        enrollment = Enrollment.objects.get(pk=enrollment.pk)
        if enrollment.status == Enrollment.Status.CANCELLED:
            raise NotCancellable(_("This enrolment has been cancelled already."))
        deadline = course.effective_cancellation_deadline
        if (
            not staff
            and enrollment.status == Enrollment.Status.CONFIRMED
            and deadline is not None
            and now >= deadline
        ):
            raise NotCancellable(
                _(
                    "You could cancel until %(deadline)s. "
                    "If you cannot come, please tell the provider, %(provider)s."
                )
                % {"deadline": local_text(deadline), "provider": course.organization.name}
            )
        held_a_seat = enrollment.status == Enrollment.Status.CONFIRMED
        enrollment.status = Enrollment.Status.CANCELLED
        enrollment.cancelled_at = now
        enrollment.save(update_fields=["status", "cancelled_at"])
        log_action(
            by,
            "courses.enrollment_cancelled",
            enrollment,
            organization_id=course.organization_id,
            course=course.pk,
        )
        if held_a_seat:
            fill_seats(course, now=now)
    notify(enrollment.pk, "cancelled" if by.pk == enrollment.user_id else "removed")
    return enrollment


def waitlist_position(enrollment: Enrollment) -> int | None:
    """The person's place on the waiting list (1 is next), or None when not waiting."""
    if enrollment.status != Enrollment.Status.WAITLISTED:
        return None
    return Enrollment.objects.filter(
        Q(waitlisted_at__lt=enrollment.waitlisted_at)
        | Q(waitlisted_at=enrollment.waitlisted_at, pk__lte=enrollment.pk),
        course_id=enrollment.course_id,
        status=Enrollment.Status.WAITLISTED,
    ).count()


def positions(course: Course) -> dict[int, int]:
    """Enrollment pk → place on the waiting list, for everyone waiting (one query)."""
    waiting = Enrollment.objects.filter(course_id=course.pk).waitlisted()
    return {pk: place for place, pk in enumerate(waiting.values_list("pk", flat=True), start=1)}
