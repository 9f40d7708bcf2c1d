"""What courses holds about a person: export, erase (registered with accounts.privacy).

Erasure takes the person out of every course that is not over (through the enrolment
service, so the first person waiting gets the seat), clears their answers and the name on
their certificates, and leaves enrolments and attendance as anonymous rows for the
statistics. A certificate stays verifiable by its code: the public page says that it is
genuine and that its holder's name was erased.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import log_action
from accounts.models import User
from accounts.privacy import PersonalData, register

from . import services
from .models import Attendance, Certificate, Course, Enrollment
from .services import fill_seats
from .services.rules import locked_course

OPEN = (Enrollment.Status.CONFIRMED, Enrollment.Status.WAITLISTED)


def _label(choices, value: str) -> str:
    return str(dict(choices).get(value, value))


def _answers(answers: Any) -> str:
    """The answers with their questions, as one text."""
    if not isinstance(answers, dict):
        return ""
    return "\n".join(f"{question} {answer}" for question, answer in answers.items() if answer)


# --- enrolments ----------------------------------------------------------------------------


def _place_in_queue() -> Subquery:
    """How many wait before the enrolment, itself included (1 is next): one subquery."""
    ahead = (
        Enrollment.objects.filter(
            course_id=OuterRef("course_id"), status=Enrollment.Status.WAITLISTED
        )
        .filter(
            Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
            | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("course_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(ahead)


def export_enrollments(user: User) -> list[dict[str, Any]]:
    rows = (
        Enrollment.objects.filter(user=user)
        .annotate(place=_place_in_queue())
        .order_by("created_at", "pk")
        .values(
            "course__title",
            "course__organization__name",
            "status",
            "place",
            "created_at",
            "cancelled_at",
            "answers",
        )
    )
    return [
        {
            "course": row["course__title"],
            "organization": row["course__organization__name"],
            "status": _label(Enrollment.Status.choices, row["status"]),
            "position": row["place"] if row["status"] == Enrollment.Status.WAITLISTED else None,
            "enrolled": row["created_at"],
            "cancelled": row["cancelled_at"],
            "answers": _answers(row["answers"]),
        }
        for row in rows
    ]


def _leave_after_deadline(user: User, enrollment: Enrollment) -> None:
    """Past the cancellation deadline the person cannot cancel themselves, but an erased
    person will not come: the seat goes to the first person waiting, as it would if staff
    took them off."""

    with transaction.atomic():
        course = locked_course(enrollment.course)
        now = timezone.now()
        enrollment = Enrollment.objects.get(pk=enrollment.pk)
        if enrollment.status not in OPEN:
            return
        held_a_seat = enrollment.status == Enrollment.Status.CONFIRMED
        enrollment.status = Enrollment.Status.CANCELLED
        enrollment.cancelled_at = now
        enrollment.save(update_fields=["status", "cancelled_at"])
        log_action(
            user,
            "courses.enrollment_cancelled",
            enrollment,
            organization_id=course.organization_id,
            course=course.pk,
            erased=True,
        )
        if held_a_seat:
            fill_seats(course, now=now)


def erase_enrollments(user: User) -> None:

    now = timezone.now()
    open_enrollments = (
        Enrollment.objects.filter(user=user, status__in=OPEN)
        .exclude(course__status=Course.Status.CANCELLED)
        .select_related("course__organization")
        .order_by("pk")
    )
    for enrollment in open_enrollments:
        if enrollment.course.is_over(now):
            continue
        try:
            # By the person: the email it queues finds nobody to send to once they are gone.
            services.cancel_enrollment(by=user, enrollment=enrollment, now=now)
        except services.NotCancellable:
            _leave_after_deadline(user, enrollment)
    Enrollment.objects.filter(user=user).update(answers={})
    Certificate.objects.filter(enrollment__user=user).exclude(holder_name="").update(holder_name="")


def enrolled_with(organization_ids: Iterable[int]) -> Iterable[int]:
    return (
        Enrollment.objects.filter(course__organization_id__in=organization_ids, user__isnull=False)
        .values_list("user_id", flat=True)
        .distinct()
    )


register(
    PersonalData(
        key="enrollments",
        label=_("Course enrolments"),
        covers=("courses.Enrollment.user",),
        export=export_enrollments,
        columns=(
            ("course", _("Course")),
            ("organization", _("Provider")),
            ("status", _("Status")),
            ("position", _("Place on the waiting list")),
            ("enrolled", _("Enrolled")),
            ("cancelled", _("Cancelled")),
            ("answers", _("Your answers")),
        ),
        erase=erase_enrollments,
        people=enrolled_with,
    )
)


# --- attendance ----------------------------------------------------------------------------


def export_attendance(user: User) -> list[dict[str, Any]]:
    return [
        {
            "course": row["meeting__course__title"],
            "meeting": row["meeting__start"],
            "present": row["present"],
        }
        for row in Attendance.objects.filter(enrollment__user=user)
        .order_by("meeting__start", "pk")
        .values("meeting__course__title", "meeting__start", "present")
    ]


register(
    PersonalData(
        key="attendance",
        label=_("Attendance"),
        covers=(),
        export=export_attendance,
        columns=(
            ("course", _("Course")),
            ("meeting", _("Date")),
            ("present", _("Present")),
        ),
    )
)


# --- certificates --------------------------------------------------------------------------


def export_certificates(user: User) -> list[dict[str, Any]]:
    return [
        {
            "code": row["code"],
            "course": row["course_title"],
            "provider": row["provider_name"],
            "name": row["holder_name"],
            "issued": row["issued_at"],
        }
        for row in Certificate.objects.filter(enrollment__user=user)
        .order_by("issued_at", "pk")
        .values("code", "course_title", "provider_name", "holder_name", "issued_at")
    ]


register(
    PersonalData(
        key="certificates",
        label=_("Certificates"),
        covers=(),
        export=export_certificates,
        columns=(
            ("code", _("Code")),
            ("course", _("Course")),
            ("provider", _("Provider")),
            ("name", _("Name on the certificate")),
            ("issued", _("Issued")),
        ),
    )
)


# --- what the person did as staff ----------------------------------------------------------


def export_courses_created(user: User) -> list[dict[str, Any]]:
    return [
        {
            "course": row["title"],
            "organization": row["organization__name"],
            "status": _label(Course.Status.choices, row["status"]),
            "created": row["created_at"],
        }
        for row in Course.objects.filter(created_by=user)
        .order_by("created_at", "pk")
        .values("title", "organization__name", "status", "created_at")
    ]


register(
    PersonalData(
        key="courses_created",
        label=_("Courses you created"),
        covers=("courses.Course.created_by",),
        export=export_courses_created,
        columns=(
            ("course", _("Course")),
            ("organization", _("Provider")),
            ("status", _("Status")),
            ("created", _("Created")),
        ),
    )
)


def export_attendance_recorded(user: User) -> list[dict[str, Any]]:
    # Whose attendance it was is not said: that is another person.
    return [
        {
            "course": row["meeting__course__title"],
            "meeting": row["meeting__start"],
            "recorded": row["recorded_at"],
        }
        for row in Attendance.objects.filter(recorded_by=user)
        .order_by("recorded_at", "pk")
        .values("meeting__course__title", "meeting__start", "recorded_at")
    ]


register(
    PersonalData(
        key="attendance_recorded",
        label=_("Attendance you recorded"),
        covers=("courses.Attendance.recorded_by",),
        export=export_attendance_recorded,
        columns=(
            ("course", _("Course")),
            ("meeting", _("Date")),
            ("recorded", _("Recorded")),
        ),
    )
)
