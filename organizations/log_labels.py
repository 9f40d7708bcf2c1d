"""Words for the audit log: a label for every action the code logs, and the groups the log
page filters by.

The actions are the strings passed to ``accounts.audit.log_action`` across the apps; a test
collects them from the source so that a new one cannot go without a label. An action that is
not here (an old one, or one added without a label) shows its raw code.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ACTION_LABELS: dict[str, str | Promise] = {
    # Bookings of device sets
    "booking.requested": _("Booking requested"),
    "booking.reserved": _("Booked"),
    "booking.series_reserved": _("Weekly booking made"),
    "booking.cancelled": _("Booking cancelled"),
    "booking.series_cancelled": _("Weekly booking cancelled"),
    "booking.approved": _("Booking request confirmed"),
    "booking.declined": _("Booking request declined"),
    "booking.calendar_token_reset": _("Calendar link renewed"),
    # Lending: hand-outs, returns, residents
    "booking.handed_out": _("Devices handed out"),
    "booking.returned": _("Devices returned"),
    "booking.lent_at_desk": _("Devices lent at the desk"),
    "booking.loan_reserved": _("Loan reserved"),
    "booking.renewed": _("Loan renewed"),
    "booking.waitlist_joined": _("Joined the waiting list"),
    "booking.waitlist_left": _("Left the waiting list"),
    "booking.waitlist_offered": _("Devices offered to the next person waiting"),
    "booking.waitlist_hold_ended": _("Offer to the waiting list ran out"),
    "booking.not_picked_up": _("Reserved devices not picked up"),
    "booking.agreement_published": _("Borrowing agreement published"),
    "booking.agreement_accepted": _("Borrowing agreement accepted"),
    "booking.library_card_set": _("Library card number saved"),
    "booking.library_card_removed": _("Library card number removed"),
    # Courses
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
    # Devices and pools
    "devices.created": _("Device added"),
    "devices.edited": _("Device changed"),
    "devices.status_changed": _("Device status changed"),
    "devices.imported": _("Devices imported from CSV"),
    "devices.pool_created": _("Device pool created"),
    "devices.pool_edited": _("Device pool changed"),
    # Members and roles
    "organizations.member_added": _("Member added"),
    "organizations.role_changed": _("Role changed"),
    "organizations.member_removed": _("Member removed"),
    "organizations.role_claimed": _("Role given by the identity provider"),
    "organizations.claimed_role_removed": _("Role taken away by the identity provider"),
    "organizations.claimed_role_kept": _(
        "Role kept although the identity provider no longer grants it (last admin)"
    ),
    # Personal data and accounts
    "accounts.exported": _("Personal data exported"),
    "accounts.erased": _("Account deleted"),
    "accounts.erasure_requested": _("Deletion of an account requested on the person's behalf"),
    "accounts.erasure_objected": _("The person objected to the deletion of their account"),
    "accounts.token_created": _("API token created"),
    "accounts.token_revoked": _("API token revoked"),
    "accounts.barrier_reported": _("Barrier reported"),
    "accounts.inactivity_warned": _("Warned that an unused account will be deleted"),
    "booking.retention_applied": _("Old bookings and loans made anonymous"),
    "courses.retention_applied": _("Old course enrolments made anonymous"),
    # Reports
    "reports.requested": _("Report requested"),
}

GROUPS: dict[str, str | Promise] = {
    "bookings": pgettext_lazy("log group", "Bookings"),
    "lending": pgettext_lazy("log group", "Lending"),
    "courses": pgettext_lazy("log group", "Courses"),
    "devices": pgettext_lazy("log group", "Devices"),
    "members": pgettext_lazy("log group", "Members and roles"),
    "privacy": pgettext_lazy("log group", "Personal data"),
}

GROUP_ACTIONS: dict[str, tuple[str, ...]] = {
    "bookings": (
        "booking.requested",
        "booking.reserved",
        "booking.series_reserved",
        "booking.cancelled",
        "booking.series_cancelled",
        "booking.approved",
        "booking.declined",
        "booking.calendar_token_reset",
    ),
    "lending": (
        "booking.handed_out",
        "booking.returned",
        "booking.lent_at_desk",
        "booking.loan_reserved",
        "booking.renewed",
        "booking.waitlist_joined",
        "booking.waitlist_left",
        "booking.waitlist_offered",
        "booking.waitlist_hold_ended",
        "booking.not_picked_up",
        "booking.agreement_published",
        "booking.agreement_accepted",
        "booking.library_card_set",
        "booking.library_card_removed",
    ),
    "courses": tuple(action for action in ACTION_LABELS if action.startswith("courses.")),
    "devices": tuple(action for action in ACTION_LABELS if action.startswith("devices.")),
    "members": tuple(action for action in ACTION_LABELS if action.startswith("organizations.")),
    "privacy": (
        *(action for action in ACTION_LABELS if action.startswith("accounts.")),
        "booking.retention_applied",
        "courses.retention_applied",
    ),
}

# Logged only by the daily jobs and by what a change sets off (log_action(None, ...)): an
# entry without an actor is the system's, not a deleted person's.
SYSTEM_ACTIONS = frozenset(
    {
        "booking.waitlist_offered",
        "booking.waitlist_hold_ended",
        "booking.not_picked_up",
        "courses.promoted",
        "courses.minimum_not_reached",
        "accounts.inactivity_warned",
        "booking.retention_applied",
        "courses.retention_applied",
    }
)

# Objects the log links to, by "app_label.model": the URL name of their page. Each of these
# pages is scoped to managed_by(user), which includes the organization's admins and region
# admins, so the admin reading the log may open it (while the object exists).
TARGET_URLS: dict[str, str] = {
    "devices.device": "devices:device_detail",
    "devices.devicepool": "devices:pool_detail",
    "booking.reservation": "booking:reservation_detail",
    "booking.loan": "booking:loan_return",
    "courses.course": "provide:course",
}


def action_label(action: str) -> str:
    """The words for ``action``; its raw code when it has none."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def is_system_action(action: str, data: dict | None = None) -> bool:
    """Whether an entry without an actor was written by a job rather than by a person since
    deleted (an erasure by a job, not on request, says so in its data)."""
    if action in SYSTEM_ACTIONS:
        return True
    return action == "accounts.erased" and (data or {}).get("reason") not in (
        None,
        "request",
        "staff_request",
    )
