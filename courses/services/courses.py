"""A course and its meetings: create and edit, plan dates, publish (with the devices it
needs), cancel, copy."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import log_action
from accounts.models import User
from booking import availability
from booking import services as booking
from core.errors import DomainError
from devices.models import DevicePool
from organizations.hours import OpeningCalendar, calendar_for
from organizations.models import Location, Organization

from ..models import Course, Enrollment, Meeting
from ..tasks import send_enrollment_email, send_meeting_removed
from .enrollment import fill_seats
from .rules import (
    CourseError,
    NotPublishable,
    clean_text,
    ensure_manages,
    local_text,
    locked_course,
)

MAX_PLANNED_MEETINGS = 52
MAX_QUESTIONS = 3
QUESTION_MAX_LENGTH = 200
MAX_WEEKS_LATER = 104
CANCEL_REASON_MAX_LENGTH = Course._meta.get_field("cancel_reason").max_length

# What save_course may set; status, publication and cancellation have their own services.
EDITABLE_FIELDS = (
    "title",
    "summary",
    "description",
    "prerequisites",
    "topic",
    "audience",
    "level",
    "language",
    "location",
    "capacity",
    "min_participants",
    "registration_opens",
    "registration_closes",
    "cancellation_deadline",
    "price",
    "pool",
    "devices_needed",
    "attendance_threshold",
    "questions",
)


def _related(values: dict[str, Any], name: str, model, organization: Organization, error: str):
    """``values[name]`` (an object, or its id as ``<name>_id``), which must belong to the
    organization; None stays None."""
    if f"{name}_id" in values:
        pk = values.pop(f"{name}_id")
        values[name] = None if pk is None else model.objects.filter(pk=pk).first() or model()
    if name not in values or values[name] is None:
        return
    if values[name].pk is None or values[name].organization_id != organization.pk:
        raise CourseError(error)


def _check_course_values(course: Course) -> None:
    """The rules a form cannot see alone, with messages that say what to do; then the
    field validators (lengths, ranges, choices)."""
    if course.pool_id is None and course.devices_needed:
        raise CourseError(_("Please choose the device pool the devices come from."))
    if course.pool_id is not None and course.devices_needed < 1:
        raise CourseError(_("Please say how many devices the course needs."))
    if course.min_participants > course.capacity:
        raise CourseError(_("The minimum number of participants cannot exceed the seats."))
    opens, closes = course.registration_opens, course.registration_closes
    if opens and closes and opens >= closes:
        raise CourseError(_("Registration must open before it closes."))
    for moment in (opens, closes, course.cancellation_deadline):
        if moment is not None and timezone.is_naive(moment):
            raise CourseError(_("Times need a time zone."))
    questions = [line.strip() for line in course.questions.splitlines() if line.strip()]
    if len(questions) > MAX_QUESTIONS:
        raise CourseError(
            _("Please ask at most %(max)d questions, one per line.") % {"max": MAX_QUESTIONS}
        )
    if any(len(question) > QUESTION_MAX_LENGTH for question in questions):
        raise CourseError(
            _("Please keep each question under %(max)d characters.") % {"max": QUESTION_MAX_LENGTH}
        )
    for name in ("title", "summary", "description", "prerequisites", "questions"):
        if "\x00" in getattr(course, name):
            raise CourseError(_("The text contains a character that is not allowed."))
    try:
        course.full_clean(exclude=["organization", "created_by", "copied_from"])
    except ValidationError as error:
        raise CourseError(" ".join(error.messages)) from error


def save_course(
    *, by: User, organization: Organization, course: Course | None = None, **values: Any
) -> Course:
    """Create a course of the organization (a draft), or change one. ``values`` are fields
    of EDITABLE_FIELDS (``location``/``pool`` also as ``location_id``/``pool_id``). The seats
    may not drop below the people confirmed; more seats confirm waiting people in order. The
    devices of a published course are fixed (its meetings hold reservations)."""
    ensure_manages(by, organization.pk)
    if course is not None and course.organization_id != organization.pk:
        raise PermissionDenied
    _related(
        values, "location", Location, organization, _("Please choose a venue of the provider.")
    )
    _related(
        values, "pool", DevicePool, organization, _("Please choose a device pool of the provider.")
    )
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"save_course() got unexpected fields: {sorted(unknown)}")
    if values.get("pool") is None and "pool" in values and "devices_needed" not in values:
        values["devices_needed"] = 0
    with transaction.atomic():
        if course is None:
            course = Course(organization=organization, created_by=by)
            action = "courses.created"
        else:
            course = locked_course(course)
            action = "courses.updated"
        devices_before = (course.pool_id, course.devices_needed)
        for name, value in values.items():
            setattr(course, name, value)
        _check_course_values(course)
        if course.pk is not None:
            if (
                course.status == Course.Status.PUBLISHED
                and (course.pool_id, course.devices_needed) != devices_before
            ):
                raise CourseError(
                    _(
                        "The devices of a published course cannot be changed. Please cancel "
                        "the course and publish a copy, or ask the staff of the pool."
                    )
                )
            confirmed = course.enrollments.filter(status=Enrollment.Status.CONFIRMED).count()
            if course.capacity < confirmed:
                raise CourseError(
                    ngettext(
                        "%(count)d person is confirmed already; "
                        "please keep at least that many seats.",
                        "%(count)d people are confirmed already; "
                        "please keep at least that many seats.",
                        confirmed,
                    )
                    % {"count": confirmed}
                )
        course.save()
        log_action(
            by,
            action,
            course,
            organization_id=organization.pk,
            fields=sorted(values),
        )
        if course.status == Course.Status.PUBLISHED:
            fill_seats(course)
    return course


@dataclass
class PlannedMeeting:
    """One date of a planned series; ``closure_name`` is set when the day is closed (then
    no meeting is made); ``outside_hours`` when it lies outside the venue's opening hours
    (then the provider confirms it)."""

    date: datetime.date
    start: datetime.datetime
    end: datetime.datetime
    closure_name: str | None = None
    outside_hours: bool = False


class OutsideOpeningHours(CourseError):
    """A date lies outside the venue's opening hours and the provider has not confirmed it
    (courses may meet in the evening on purpose)."""


def venue_organization(course: Course) -> Organization:
    """Whose opening hours a meeting falls in: the venue's organization, else the course's."""
    if course.location_id is not None:
        return course.location.organization
    return course.organization


def _within_hours(
    calendar: OpeningCalendar, start: datetime.datetime, end: datetime.datetime
) -> bool:
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    intervals = calendar.intervals(local_start.date())
    if intervals is None:  # hours not known: nothing to confirm
        return True
    return local_start.date() == local_end.date() and any(
        i.opens <= local_start.time() and local_end.time() <= i.closes for i in intervals
    )


def outside_opening_hours(
    course: Course, times: list[tuple[datetime.datetime, datetime.datetime]]
) -> list[datetime.datetime]:
    """The starts of the meetings that lie outside the venue's opening hours (none when its
    hours are not known). The opening calendar's two queries."""
    if not times:
        return []
    days = [timezone.localdate(start) for start, _end in times]
    calendar = calendar_for(venue_organization(course), min(days), max(days))
    return [start for start, end in times if not _within_hours(calendar, start, end)]


def _ensure_confirmed(
    course: Course, times: list[tuple[datetime.datetime, datetime.datetime]], confirmed: bool
) -> None:
    outside = outside_opening_hours(course, times)
    if outside and not confirmed:
        raise OutsideOpeningHours(
            _(
                "Outside the opening hours of %(venue)s: %(dates)s. If the course meets then "
                "on purpose, confirm it with “The course meets outside the opening hours”."
            )
            % {
                "venue": venue_organization(course).name,
                "dates": ", ".join(local_text(start) for start in outside),
            }
        )


def plan_meetings(
    *,
    course: Course,
    first_date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    count: int | None = None,
    until: datetime.date | None = None,
    interval_weeks: int = 1,
) -> list[PlannedMeeting]:
    """Every ``interval_weeks`` from ``first_date``: ``count`` dates, or until ``until``
    (whichever ends first when both are given). Days on which the provider is closed are
    listed with the closure's name and are not counted as meetings. At most 52 dates."""
    if count is None and until is None:
        raise CourseError(_("Please give the number of dates or the last date."))
    if start_time >= end_time:
        raise CourseError(_("The end must be after the start."))
    if not 1 <= interval_weeks <= 4:
        raise CourseError(_("Dates repeat every week, or every second, third or fourth week."))
    if count is not None and not 1 <= count <= MAX_PLANNED_MEETINGS:
        raise CourseError(
            _("Please plan between 1 and %(max)d dates.") % {"max": MAX_PLANNED_MEETINGS}
        )
    if until is not None and until < first_date:
        raise CourseError(_("The last date must not be before the first."))
    step = datetime.timedelta(weeks=interval_weeks)
    days: list[datetime.date] = []
    day = first_date
    while (until is None or day <= until) and (count is None or len(days) < count):
        if len(days) == MAX_PLANNED_MEETINGS:
            raise CourseError(
                _("A series can have at most %(max)d dates. Please end it on %(last)s or earlier.")
                % {"max": MAX_PLANNED_MEETINGS, "last": date_format(days[-1], "SHORT_DATE_FORMAT")}
            )
        days.append(day)
        day += step
    # Closures skip a date; a day outside the venue's opening hours is asked about, not
    # skipped (a Saturday workshop, an evening course).
    closures = calendar_for(course.organization, days[0], days[-1])
    plan = [
        PlannedMeeting(
            date=day,
            start=booking.local_datetime(day, start_time),
            end=booking.local_datetime(day, end_time),
            closure_name=closures.closure_on(day),
        )
        for day in days
    ]
    outside = set(
        outside_opening_hours(course, [(p.start, p.end) for p in plan if p.closure_name is None])
    )
    for planned in plan:
        planned.outside_hours = planned.start in outside
    return plan


def _meeting_problem(course: Course, start: datetime.datetime, end: datetime.datetime, now):
    if timezone.is_naive(start) or timezone.is_naive(end):
        return _("Times need a time zone.")
    if start >= end:
        return _("The end must be after the start.")
    if start < now:
        return _("%(when)s has passed; please choose a later date.") % {"when": local_text(start)}
    return None


def _reserve_devices(*, by: User, course: Course, meeting: Meeting, now) -> str | None:
    """Book the course's devices for the meeting (inside the caller's transaction); the
    problem as text when the pool says no."""
    try:
        reservation = booking.reserve(
            by=by,
            pool=course.pool,
            quantity=course.devices_needed,
            start=meeting.start,
            end=meeting.end,
            purpose=course.title,
            now=now,
            notify=False,
            opening_hours=False,  # the venue's hours are settled by _ensure_confirmed
        )
    except PermissionDenied:
        return _("%(when)s: you may not book this device pool.") % {
            "when": local_text(meeting.start)
        }
    except DomainError as error:
        return f"{local_text(meeting.start)}: {error}"
    meeting.reservation = reservation
    meeting.save(update_fields=["reservation"])
    return None


def _create_meetings(
    *, by: User, course: Course, times: list[tuple[datetime.datetime, datetime.datetime]], now
) -> list[Meeting]:
    """With the course locked: write the meetings; for a published course with devices, book
    them for each, all or nothing."""
    if course.status == Course.Status.CANCELLED:
        raise CourseError(_("This course has been cancelled."))
    for start, end in times:
        problem = _meeting_problem(course, start, end, now)
        if problem:
            raise CourseError(problem)
    meetings = [Meeting.objects.create(course=course, start=start, end=end) for start, end in times]
    Course.objects.filter(pk=course.pk).refresh_meetings_end()
    if course.status == Course.Status.PUBLISHED and course.pool_id is not None:
        problems = [
            problem
            for meeting in meetings
            if (problem := _reserve_devices(by=by, course=course, meeting=meeting, now=now))
        ]
        if problems:
            raise CourseError(" ".join(problems))
    return meetings


def add_meetings(
    *,
    by: User,
    course: Course,
    first_date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    count: int | None = None,
    until: datetime.date | None = None,
    interval_weeks: int = 1,
    now: datetime.datetime | None = None,
    outside_hours_confirmed: bool = False,
) -> list[Meeting]:
    """Add the planned dates that are not closed (see plan_meetings); dates outside the
    venue's opening hours only when the provider confirmed them."""
    ensure_manages(by, course.organization_id)
    now = now or timezone.now()
    plan = plan_meetings(
        course=course,
        first_date=first_date,
        start_time=start_time,
        end_time=end_time,
        count=count,
        until=until,
        interval_weeks=interval_weeks,
    )
    times = [(planned.start, planned.end) for planned in plan if planned.closure_name is None]
    if not times:
        raise CourseError(_("The provider is closed on every one of these dates."))
    _ensure_confirmed(course, times, outside_hours_confirmed)
    with transaction.atomic():
        course = locked_course(course)
        meetings = _create_meetings(by=by, course=course, times=times, now=now)
        log_action(
            by,
            "courses.meetings_added",
            course,
            organization_id=course.organization_id,
            meetings=[meeting.pk for meeting in meetings],
        )
    return meetings


def add_meeting(
    *,
    by: User,
    course: Course,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime | None = None,
    outside_hours_confirmed: bool = False,
) -> Meeting:
    """One more date (closures are not checked: staff chose this day on purpose; a time
    outside the venue's opening hours is, unless confirmed)."""
    ensure_manages(by, course.organization_id)
    now = now or timezone.now()
    if timezone.is_aware(start) and timezone.is_aware(end) and start < end:
        _ensure_confirmed(course, [(start, end)], outside_hours_confirmed)
    with transaction.atomic():
        course = locked_course(course)
        (meeting,) = _create_meetings(by=by, course=course, times=[(start, end)], now=now)
        log_action(by, "courses.meeting_added", meeting, organization_id=course.organization_id)
    return meeting


def _release_devices(*, by: User, meeting: Meeting, now) -> None:
    reservation = meeting.reservation
    if reservation is None or not reservation.is_active or reservation.start <= now:
        return
    booking.cancel(by=by, reservation=reservation, now=now)


def _tell_participants_a_date_is_removed(course, meeting_id, start, end) -> None:
    """Everyone confirmed gets the cancelled event of the removed date, after commit."""

    for enrollment_id in course.enrollments.confirmed().values_list("pk", flat=True):
        transaction.on_commit(
            partial(
                send_meeting_removed.enqueue,
                enrollment_id,
                meeting_id,
                start.isoformat(),
                end.isoformat(),
            )
        )


def remove_meeting(*, by: User, meeting: Meeting, now: datetime.datetime | None = None) -> None:
    """Delete a date that has not begun, and cancel its device booking. A published course
    keeps at least one date (cancel the course instead)."""
    ensure_manages(by, meeting.course.organization_id)
    now = now or timezone.now()
    with transaction.atomic():
        course = locked_course(meeting.course)
        meeting = (
            Meeting.objects.select_related("reservation__pool")
            .filter(pk=meeting.pk, course=course)
            .first()
        )
        if meeting is None:
            raise CourseError(_("This date has been removed already."))
        if course.status != Course.Status.DRAFT:
            if meeting.start <= now:
                raise CourseError(_("This date has begun; it cannot be removed any more."))
            if course.meetings.count() == 1:
                raise CourseError(
                    _("This is the only date of the course. Please cancel the course instead.")
                )
        _release_devices(by=by, meeting=meeting, now=now)
        meeting_id, start, end = meeting.pk, meeting.start, meeting.end
        meeting.delete()
        Course.objects.filter(pk=course.pk).refresh_meetings_end()
        if course.status == Course.Status.PUBLISHED:
            _tell_participants_a_date_is_removed(course, meeting_id, start, end)
        log_action(
            by,
            "courses.meeting_removed",
            course,
            organization_id=course.organization_id,
            meeting=meeting_id,
        )


def _lacking_devices(course: Course):
    """The meetings of a course with devices that hold no active reservation."""
    return (
        course.meetings.exclude(reservation__status__in=booking.ACTIVE_STATUSES)
        .select_related("reservation")
        .order_by("start", "pk")
    )


def device_conflicts(course: Course) -> list[tuple[Meeting, int]]:
    """Meetings without a device booking for which the pool has fewer devices free than the
    course needs, each with the number free. Three queries, however many meetings: the
    meetings, the devices in service, and the pool's bookings over all of them at once."""
    if course.pool_id is None:
        return []
    lacking = list(_lacking_devices(course))
    if not lacking:
        return []
    capacity = booking.lendable_capacity(DevicePool(pk=course.pool_id))
    intervals = availability.reserved_intervals(
        course.pool_id,
        min(meeting.start for meeting in lacking),
        max(meeting.end for meeting in lacking),
    )
    conflicts = []
    for meeting in lacking:
        reserved = availability.peak_in(intervals, meeting.start, meeting.end)
        free = max(capacity - reserved, 0)
        if free < course.devices_needed:
            conflicts.append((meeting, free))
    return conflicts


def publish(*, by: User, course: Course, now: datetime.datetime | None = None) -> Course:
    """Put a draft in the catalog. In one transaction, book the devices for every meeting
    that has none; if any meeting cannot get them, nothing is written and NotPublishable
    lists every date with its reason."""
    ensure_manages(by, course.organization_id)
    now = now or timezone.now()
    with transaction.atomic():
        course = locked_course(course)
        if course.status == Course.Status.PUBLISHED:
            raise CourseError(_("This course is published already."))
        if course.status == Course.Status.CANCELLED:
            raise CourseError(
                _("This course has been cancelled. Please copy it to offer it again.")
            )
        problems: list[str] = []
        meetings = list(course.meetings.order_by("start", "pk"))
        if not meetings:
            problems.append(_("The course has no dates yet."))
        elif meetings[0].start <= now:
            problems.append(
                _("%(when)s has passed; please remove that date or choose a later one.")
                % {"when": local_text(meetings[0].start)}
            )
        if not problems and course.pool_id is not None:
            course.pool = DevicePool.objects.get(pk=course.pool_id)
            for meeting in _lacking_devices(course):
                problem = _reserve_devices(by=by, course=course, meeting=meeting, now=now)
                if problem:
                    problems.append(problem)
        if problems:
            # Leaving the atomic block by the exception rolls back the reservations made.
            raise NotPublishable(
                _("The course cannot be published yet: %(problems)s")
                % {"problems": " ".join(problems)},
                problems,
            )
        course.status = Course.Status.PUBLISHED
        course.published_at = now
        course.save(update_fields=["status", "published_at"])
        log_action(by, "courses.published", course, organization_id=course.organization_id)
    return course


def cancel_course(
    *, by: User, course: Course, reason: str, now: datetime.datetime | None = None
) -> Course:
    """Cancel the course: its device bookings are released, and everyone confirmed or
    waiting is emailed the reason once."""
    ensure_manages(by, course.organization_id)
    reason = clean_text(
        reason,
        max_length=CANCEL_REASON_MAX_LENGTH,
        too_long=_("Please keep the reason under %(max)d characters."),
    )
    if not reason:
        raise CourseError(_("Please give a reason; it is sent to everyone enrolled."))
    now = now or timezone.now()
    with transaction.atomic():
        course = locked_course(course)
        if course.status == Course.Status.CANCELLED:
            raise CourseError(_("This course has been cancelled already."))
        last_end = course.meetings.order_by("-end").values_list("end", flat=True).first()
        if last_end is not None and last_end <= now:
            raise CourseError(
                _("This course is over, so it cannot be cancelled. Copy it to run it again.")
            )
        course.status = Course.Status.CANCELLED
        course.cancelled_at = now
        course.cancel_reason = reason
        course.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        for meeting in course.meetings.filter(
            reservation__status__in=booking.ACTIVE_STATUSES, start__gt=now
        ).select_related("reservation__pool"):
            _release_devices(by=by, meeting=meeting, now=now)
        told = list(
            course.enrollments.filter(
                status__in=(Enrollment.Status.CONFIRMED, Enrollment.Status.WAITLISTED)
            ).values_list("pk", flat=True)
        )
        log_action(
            by,
            "courses.cancelled",
            course,
            organization_id=course.organization_id,
            enrollments=len(told),
        )

    for enrollment_id in told:
        transaction.on_commit(
            partial(send_enrollment_email.enqueue, enrollment_id, "course_cancelled")
        )
    return course


def _weeks_later(moment: datetime.datetime | None, weeks: int) -> datetime.datetime | None:
    """The same local wall-clock time ``weeks`` later (18:00 stays 18:00 across DST)."""
    if moment is None:
        return None
    local = timezone.localtime(moment)
    return booking.local_datetime(local.date() + datetime.timedelta(weeks=weeks), local.time())


def copy_course(*, by: User, course: Course, weeks_later: int = 0) -> Course:
    """A draft copy to run the course again: the same fields, every date (and the
    registration dates) moved ``weeks_later`` weeks, no people, no device bookings."""
    ensure_manages(by, course.organization_id)
    if not 0 <= weeks_later <= MAX_WEEKS_LATER:
        raise CourseError(
            _("Please move the dates by 0 to %(max)d weeks.") % {"max": MAX_WEEKS_LATER}
        )
    with transaction.atomic():
        copy = Course(
            organization_id=course.organization_id,
            created_by=by,
            copied_from=course,
            status=Course.Status.DRAFT,
            **{
                name: getattr(course, name)
                for name in EDITABLE_FIELDS
                if name
                not in ("registration_opens", "registration_closes", "cancellation_deadline")
            },
        )
        copy.registration_opens = _weeks_later(course.registration_opens, weeks_later)
        copy.registration_closes = _weeks_later(course.registration_closes, weeks_later)
        copy.cancellation_deadline = _weeks_later(course.cancellation_deadline, weeks_later)
        copy.save()
        Meeting.objects.bulk_create(
            Meeting(
                course=copy,
                start=_weeks_later(meeting.start, weeks_later),
                end=_weeks_later(meeting.end, weeks_later),
            )
            for meeting in course.meetings.order_by("start", "pk")
        )
        Course.objects.filter(pk=copy.pk).refresh_meetings_end()
        log_action(
            by,
            "courses.copied",
            copy,
            organization_id=course.organization_id,
            copied_from=course.pk,
            weeks_later=weeks_later,
        )
    return copy
