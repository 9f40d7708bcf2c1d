"""Attendance, certificates of participation, and the check of the minimum participants."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import User
from core import public_cache

from ..models import Attendance, Certificate, Course, Enrollment, Meeting
from ..tasks import tell_staff_minimum_not_reached
from .rules import CourseError, ensure_manages


def record_attendance(
    *,
    by: User,
    meeting: Meeting,
    enrollment: Enrollment,
    present: bool,
    now: datetime.datetime | None = None,
) -> Attendance:
    """Staff of the provider tick one person present or absent at one meeting (again and
    again: the last tap counts). From the day of the meeting on."""
    ensure_manages(by, meeting.course.organization_id)
    now = now or timezone.now()
    if (
        enrollment.course_id != meeting.course_id
        or enrollment.status != Enrollment.Status.CONFIRMED
    ):
        raise CourseError(_("This person is not enrolled in this course."))
    if timezone.localdate(meeting.start) > timezone.localdate(now):
        raise CourseError(_("Attendance can be taken from the day of the meeting on."))
    with transaction.atomic():
        attendance, _created = Attendance.objects.update_or_create(
            enrollment=enrollment,
            meeting=meeting,
            defaults={"present": bool(present), "recorded_by": by, "recorded_at": now},
        )
        log_action(
            by,
            "courses.attendance_recorded",
            attendance,
            organization_id=meeting.course.organization_id,
            meeting=meeting.pk,
            enrollment=enrollment.pk,
            present=bool(present),
        )
    return attendance


def attendance_summary(
    course: Course, *, now: datetime.datetime | None = None
) -> dict[int, tuple[int, int]]:
    """Confirmed enrollment pk → (meetings attended, meetings held so far). Two queries."""
    held = course.meetings.filter(start__lte=now or timezone.now()).count()
    attended = (
        Enrollment.objects.filter(course_id=course.pk, status=Enrollment.Status.CONFIRMED)
        .annotate(attended=Count("attendance", filter=Q(attendance__present=True)))
        .values_list("pk", "attended")
    )
    return {pk: (count, held) for pk, count in attended}


def eligible_for_certificate(course: Course) -> QuerySet[Enrollment]:
    """Confirmed people who attended at least the course's threshold of ALL its meetings."""
    total = course.meetings.count()
    if total == 0:
        return Enrollment.objects.none()
    needed = -(-total * course.attendance_threshold // 100)  # rounded up: 75 % of 3 is 3
    return (
        Enrollment.objects.filter(course_id=course.pk, status=Enrollment.Status.CONFIRMED)
        .annotate(attended=Count("attendance", filter=Q(attendance__present=True)))
        .filter(attended__gte=needed)
        .order_by("pk")
    )


def issue_certificates(
    *, by: User, course: Course, now: datetime.datetime | None = None
) -> list[Certificate]:
    """Certificates for everyone eligible who has none yet (running it twice adds none);
    returns the new ones. They keep what is printed on them. After the last meeting has
    begun. A person without a name on their account gets none: the certificate and its public
    verification page would otherwise show their email address."""
    ensure_manages(by, course.organization_id)
    now = now or timezone.now()
    meetings = list(course.meetings.order_by("start"))
    if not meetings or meetings[-1].start > now:
        raise CourseError(_("Certificates can be issued once the last meeting has begun."))
    hours = Decimal(str(sum(meeting.hours for meeting in meetings))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    with transaction.atomic():
        eligible = (
            eligible_for_certificate(course)
            .filter(certificate__isnull=True, user__isnull=False)
            .exclude(user__name="")
            .select_related("user", "course__organization")
        )
        certificates = Certificate.objects.bulk_create(
            Certificate(
                enrollment=enrollment,
                holder_name=enrollment.user.name,
                course_title=course.title,
                provider_name=course.organization.name,
                first_day=timezone.localdate(meetings[0].start),
                last_day=timezone.localdate(meetings[-1].start),
                hours=hours,
                issued_at=now,
            )
            for enrollment in eligible
        )
        # bulk_create sends no signal: "Meine Kurse" of each holder shows their certificate.
        public_cache.bump_people(certificate.enrollment.user_id for certificate in certificates)
        log_action(
            by,
            "courses.certificates_issued",
            course,
            organization_id=course.organization_id,
            count=len(certificates),
        )
    return certificates


def check_minimums(*, now: datetime.datetime | None = None) -> list[Course]:
    """Published courses whose registration has closed with fewer confirmed than their
    minimum: each organization's staff are emailed once per course (the course is marked),
    so that they can decide to cancel. Running it again tells nobody twice."""
    now = now or timezone.now()
    candidates = (
        Course.objects.with_counts()
        .filter(
            Q(registration_closes__lte=now)
            | Q(registration_closes__isnull=True, first_start__lte=now),
            status=Course.Status.PUBLISHED,
            minimum_checked_at__isnull=True,
            min_participants__gt=0,
            last_end__gt=now,
        )
        .order_by("pk")
    )
    told = []
    for course in candidates:
        if course.confirmed_count >= course.min_participants:
            continue
        with transaction.atomic():
            # Two runs at once: only the one that marks the course tells the staff.
            marked = Course.objects.filter(pk=course.pk, minimum_checked_at__isnull=True).update(
                minimum_checked_at=now
            )
            if not marked:
                continue
            log_action(
                None,
                "courses.minimum_not_reached",
                course,
                organization_id=course.organization_id,
                confirmed=course.confirmed_count,
                minimum=course.min_participants,
            )

            transaction.on_commit(partial(tell_staff_minimum_not_reached.enqueue, course.pk))
        course.minimum_checked_at = now
        told.append(course)
    return told
