"""What courses forgets by itself, and its privacy-notice lines (see accounts/privacy.py).

``courses_days`` after a course's last meeting (certificates can be downloaded until then)
its enrolments are unlinked from the people, their answers to the enrolment questions are
cleared, the names on its certificates are blanked (the verification page then says the
name was removed) and the staff links (who recorded attendance, who created the course)
are removed. The log entries about the enrolments no longer name the person (see
``accounts.retention.unlink_rows``). Enrolment and attendance rows stay, anonymous, for the
statistics.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy, ngettext

from accounts.audit import log_action
from accounts.privacy import Retention, register_retention, retention_setting
from accounts.retention import unlink_rows

from .models import Attendance, Certificate, Course, Enrollment, Meeting


def ended_courses(cutoff: datetime.datetime):
    """Ids of the courses whose last meeting ended (or, without meetings, that were
    cancelled) at or before ``cutoff``."""
    last_end = (
        Meeting.objects.filter(course=OuterRef("pk"))
        .order_by()
        .values("course")
        .annotate(last=Max("end"))
        .values("last")
    )
    return (
        Course.objects.alias(ended=Coalesce(Subquery(last_end), "cancelled_at"))
        .filter(ended__lte=cutoff)
        .values("pk")
    )


def unlink_participants(now: datetime.datetime) -> int:
    """Unlink people from the courses that ended more than ``courses_days`` ago, and from the
    log entries about their enrolments. Returns how many rows changed (log entries not
    counted)."""
    cutoff = now - datetime.timedelta(days=retention_setting("courses_days"))
    with transaction.atomic():
        ended = ended_courses(cutoff)
        enrollments = unlink_rows(
            Enrollment.objects.filter(course__in=ended).filter(
                Q(user__isnull=False) | ~Q(answers={})
            ),
            "user",
            user=None,
            answers={},
        )
        certificates = (
            Certificate.objects.filter(enrollment__course__in=ended)
            .exclude(holder_name="")
            .update(holder_name="")
        )
        attendance = Attendance.objects.filter(
            meeting__course__in=ended, recorded_by__isnull=False
        ).update(recorded_by=None)
        creators = Course.objects.filter(pk__in=ended, created_by__isnull=False).update(
            created_by=None
        )
        changed = enrollments + certificates + attendance + creators
        if changed:
            log_action(None, "courses.retention_applied", changed=changed)
    return changed


def _kept() -> str:
    days = retention_setting("courses_days")
    return ngettext(
        "%(days)d day after the course's last date (certificates can be downloaded until "
        "then); then your name is removed",
        "%(days)d days after the course's last date (certificates can be downloaded until "
        "then); then your name is removed",
        days,
    ) % {"days": days}


register_retention(
    Retention(
        key="courses.enrolments",
        purpose=gettext_lazy("Courses: enrolment, attendance and certificates"),
        stored=gettext_lazy(
            "Your enrolments and places on course waiting lists, your answers to a course's "
            "questions, your attendance and the name on your certificates; for staff, who "
            "created a course or recorded attendance."
        ),
        kept=_kept,
        apply=unlink_participants,
        order=30,
    )
)
