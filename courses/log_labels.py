"""Words for the audit log of courses: registered when the app loads (apps.py), looked up
through organizations.log_labels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.audit import register_log_labels


def register() -> None:
    register_log_labels(
        {
            "courses.created": _("Course created"),
            "courses.updated": _("Course changed"),
            "courses.published": _("Course published"),
            "courses.cancelled": _("Course cancelled"),
            "courses.copied": _("Course copied"),
            "courses.meeting_added": _("Course date added"),
            "courses.meetings_added": _("Course dates added"),
            "courses.meeting_removed": _("Course date removed"),
            "courses.enrolled": _("Enrolled in a course"),
            "courses.enrollment_cancelled": _("Enrolment cancelled"),
            "courses.promoted": _("Moved up from the course waiting list"),
            "courses.minimum_not_reached": _("Course below its minimum number of participants"),
            "courses.attendance_recorded": _("Attendance recorded"),
            "courses.certificates_issued": _("Certificates issued"),
        },
        groups={"courses": (30, pgettext_lazy("log group", "Courses"))},
        group_actions={
            "courses": (
                "courses.created",
                "courses.updated",
                "courses.published",
                "courses.cancelled",
                "courses.copied",
                "courses.meeting_added",
                "courses.meetings_added",
                "courses.meeting_removed",
                "courses.enrolled",
                "courses.enrollment_cancelled",
                "courses.promoted",
                "courses.minimum_not_reached",
                "courses.attendance_recorded",
                "courses.certificates_issued",
            )
        },
        system=(
            "courses.promoted",
            "courses.minimum_not_reached",
        ),
        target_urls={"courses.course": "provide:course"},
    )
    register_log_labels(
        {
            "courses.retention_applied": _("Old course enrolments made anonymous"),
        },
        # In both groups, as before: a course's and the personal data's.
        group_actions={
            "privacy": ("courses.retention_applied",),
            "courses": ("courses.retention_applied",),
        },
        system=("courses.retention_applied",),
    )
