"""Course dates as iCalendar (RFC 5545): one event per meeting, for the course page, the
confirmation email and the API's feed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Course, Meeting

PRODID = "-//Lernpool//Lernpool courses//DE"


def course_url(course: Course) -> str:
    """The public course page, absolute (for emails and calendar files)."""
    return settings.LERNPOOL_SITE_URL + course.get_absolute_url()


def manage_url(course: Course) -> str:
    """The provider's page of the course, absolute (for emails to staff)."""
    return settings.LERNPOOL_SITE_URL + reverse("provide:course", args=[course.pk])


def venue(course: Course) -> str:
    """Where the course takes place, as one line: the venue and its street, the provider and
    its address."""
    organization = course.organization
    parts = []
    if course.location is not None:
        parts.append(course.location.name)
        if course.location.street:
            parts.append(course.location.street)
    parts.append(organization.name)
    if course.location is None or not course.location.street:
        parts.append(organization.address)
    return ", ".join(part for part in parts if part)


def _meetings(items: Iterable[Course | Meeting]) -> list[Meeting]:
    meetings: list[Meeting] = []
    for item in items:
        if isinstance(item, Course):
            # Uses a prefetch of "meetings" when the caller made one.
            for meeting in item.meetings.all():
                meeting.course = item
                meetings.append(meeting)
        else:
            meetings.append(item)
    return sorted(meetings, key=lambda meeting: (meeting.start, meeting.pk))


def calendar_for(courses_or_meetings: Iterable[Course | Meeting], name: str) -> bytes:
    """An iCalendar with one event per meeting (of the courses given, or the meetings given;
    select_related course__organization and course__location for meetings, prefetch
    meetings for courses). Meetings of a cancelled course are sent as cancelled, so that
    subscribed calendars remove them. The UID stays the same per meeting."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    host = settings.LERNPOOL_SITE_URL.split("://")[-1]
    stamp = timezone.now()
    for meeting in _meetings(courses_or_meetings):
        course = meeting.course
        event = Event()
        event.add("uid", f"course-meeting-{meeting.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.start)
        event.add("dtend", meeting.end)
        event.add("summary", course.title)
        if course.summary:
            event.add("description", course.summary)
        event.add("location", venue(course))
        event.add("url", course_url(course))
        if course.status == Course.Status.CANCELLED:
            # The same UID with a higher SEQUENCE: calendar apps replace the event they
            # imported from the confirmation with this cancelled one.
            event.add("status", "CANCELLED")
            event.add("sequence", 1)
        else:
            event.add("status", "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()


def removed_meeting_calendar(
    course: Course, *, meeting_id: int, start: datetime.datetime, end: datetime.datetime
) -> bytes:
    """The cancelled event of a date removed from the course: the UID that the confirmation
    gave it, a higher SEQUENCE and STATUS:CANCELLED (RFC 5546), so that calendars drop it."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", course.title)
    host = settings.LERNPOOL_SITE_URL.split("://")[-1]
    event = Event()
    event.add("uid", f"course-meeting-{meeting_id}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", course.title)
    event.add("location", venue(course))
    event.add("url", course_url(course))
    event.add("status", "CANCELLED")
    event.add("sequence", 1)
    cal.add_component(event)
    return cal.to_ical()
