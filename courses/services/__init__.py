"""The course rules: create and publish courses (with the devices they need), enrol with a
waiting list that never overbooks, cancel, attendance, certificates, the minimum check.

Every write to Course, Meeting, Enrollment, Attendance and Certificate goes through here.
Changes to who holds a seat lock the course row, re-count and write; on SQLite the
IMMEDIATE transaction mode serializes writers. Callers import from ``courses.services``.
"""

from __future__ import annotations

from .attendance import (
    attendance_summary,
    check_minimums,
    eligible_for_certificate,
    issue_certificates,
    record_attendance,
)
from .courses import (
    CANCEL_REASON_MAX_LENGTH,
    EDITABLE_FIELDS,
    MAX_PLANNED_MEETINGS,
    OutsideOpeningHours,
    PlannedMeeting,
    add_meeting,
    add_meetings,
    cancel_course,
    copy_course,
    device_conflicts,
    plan_meetings,
    publish,
    remove_meeting,
    save_course,
)
from .enrollment import (
    ANSWER_MAX_LENGTH,
    EMAIL_KINDS,
    cancel_enrollment,
    enrol,
    fill_seats,
    positions,
    waitlist_position,
)
from .rules import (
    AlreadyEnrolled,
    CourseError,
    EnrollmentClosed,
    NotCancellable,
    NotPublishable,
    ensure_manages,
    manages,
)

__all__ = [
    "ANSWER_MAX_LENGTH",
    "CANCEL_REASON_MAX_LENGTH",
    "EDITABLE_FIELDS",
    "EMAIL_KINDS",
    "MAX_PLANNED_MEETINGS",
    "AlreadyEnrolled",
    "CourseError",
    "EnrollmentClosed",
    "NotCancellable",
    "NotPublishable",
    "OutsideOpeningHours",
    "PlannedMeeting",
    "add_meeting",
    "add_meetings",
    "attendance_summary",
    "cancel_course",
    "cancel_enrollment",
    "check_minimums",
    "copy_course",
    "device_conflicts",
    "eligible_for_certificate",
    "enrol",
    "ensure_manages",
    "fill_seats",
    "issue_certificates",
    "manages",
    "plan_meetings",
    "positions",
    "publish",
    "record_attendance",
    "remove_meeting",
    "save_course",
    "waitlist_position",
]
