"""Defects found in the review of issue #6, each pinned by a test: garbage that used to
raise a 500, text that a spreadsheet would run as a formula, a query per meeting on the
provider's course page, and calendars that kept a cancelled course."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from booking.services import local_datetime
from courses import services
from courses.models import Attendance, Course
from tests.factories import (
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    EnrollmentFactory,
    MeetingFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


def in_days(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    return local_datetime(
        timezone.localdate() + datetime.timedelta(days=days), datetime.time(hour, minute)
    )


@pytest.fixture
def held(organization):
    """A published course of the staff's organization whose first date is today."""
    course = CourseFactory(organization=organization, title="Tablet-Kurs", capacity=10)
    MeetingFactory(course=course, start=in_days(0, 0, 1), end=in_days(0, 2))
    return course


# ---------------------------------------------------------------------------------------
# Digits that str.isdigit() accepts but int() does not ("²", "①") were a 500


@pytest.mark.parametrize("value", ["²", "①", "1²"])
def test_attendance_refuses_digits_int_cannot_read(client, staff, held, value):
    EnrollmentFactory(course=held)
    meeting = held.meetings.get()
    client.force_login(staff)
    url = f"/manage/courses/{held.pk}/meetings/{meeting.pk}/attendance/"
    single = client.post(url, {"enrollment": value, f"present_{value}": "on"})
    whole = client.post(url, {"shown": value})
    assert single.status_code == whole.status_code == 400
    assert "That person is not enrolled in this course." in whole.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("value", ["²", "①"])
def test_the_sign_in_sheet_refuses_digits_int_cannot_read(client, staff, held, value):
    client.force_login(staff)
    response = client.get(f"/manage/courses/{held.pk}/sign-in.pdf", {"meeting": value})
    assert response.status_code == 400


# ---------------------------------------------------------------------------------------
# CSV injection: a person's name and email are free text, too


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "@SUM(1)"]
)
def test_a_name_that_looks_like_a_formula_stays_text_in_the_csv(client, staff, held, name):
    EnrollmentFactory(course=held, user=UserFactory(name=name, email="-2+3@example.org"))
    client.force_login(staff)
    rows = _csv_rows(client.get(f"/manage/courses/{held.pk}/participants.csv"))
    assert rows[1][0] == "'" + name
    assert rows[1][1] == "'-2+3@example.org"


def test_an_ordinary_name_is_unchanged_in_the_csv(client, staff, held):
    EnrollmentFactory(course=held, user=UserFactory(name="Anna Apfel", email="anna@example.org"))
    client.force_login(staff)
    rows = _csv_rows(client.get(f"/manage/courses/{held.pk}/participants.csv"))
    assert rows[1][:2] == ["Anna Apfel", "anna@example.org"]


# ---------------------------------------------------------------------------------------
# The device conflicts of a course: a constant number of queries, whatever its dates


@pytest.fixture
def with_devices(organization):
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 7")
    DeviceFactory.create_batch(3, pool=pool)
    return CourseFactory(
        organization=organization,
        status=Course.Status.DRAFT,
        published_at=None,
        pool=pool,
        devices_needed=2,
    )


def _weekly(course: Course, count: int) -> None:
    for week in range(count):
        MeetingFactory(
            course=course, start=in_days(7 + 7 * week, 18), end=in_days(7 + 7 * week, 19, 30)
        )


@pytest.mark.parametrize("count", [3, 40])
def test_device_conflicts_run_a_constant_number_of_queries(
    with_devices, count, django_assert_max_num_queries
):
    _weekly(with_devices, count)
    # Two devices are out during the second date only; one elsewhere overlaps nothing.
    ReservationFactory(
        pool=with_devices.pool, quantity=2, start=in_days(14, 17), end=in_days(14, 18, 30)
    )
    ReservationFactory(
        pool=with_devices.pool, quantity=3, start=in_days(15, 17), end=in_days(15, 18, 30)
    )
    with django_assert_max_num_queries(4):
        conflicts = services.device_conflicts(with_devices)
    assert [(meeting.start, free) for meeting, free in conflicts] == [(in_days(14, 18), 1)]


def test_device_conflicts_count_back_to_back_bookings_as_free(with_devices):
    _weekly(with_devices, 1)
    ReservationFactory(pool=with_devices.pool, quantity=3, start=in_days(7, 16), end=in_days(7, 18))
    ReservationFactory(
        pool=with_devices.pool, quantity=3, start=in_days(7, 19, 30), end=in_days(7, 21)
    )
    assert services.device_conflicts(with_devices) == []


@pytest.mark.parametrize("count", [3, 40])
def test_the_course_page_with_devices_runs_a_constant_number_of_queries(
    client, staff, with_devices, count, django_assert_max_num_queries
):
    _weekly(with_devices, count)
    client.force_login(staff)
    with django_assert_max_num_queries(16):
        page = client.get(f"/manage/courses/{with_devices.pk}/")
    assert page.status_code == 200


# ---------------------------------------------------------------------------------------
# A cancelled course leaves people's calendars


def test_the_course_cancelled_email_carries_the_dates_as_cancelled(
    staff, held, django_capture_on_commit_callbacks, settings
):
    MeetingFactory(course=held, start=in_days(7, 18), end=in_days(7, 19))
    EnrollmentFactory(course=held, user=UserFactory(email="anna@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_course(by=staff, course=held, reason="Dozent krank")
    (message,) = mail.outbox
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    calendar = Calendar.from_ical(attachment[1])
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    assert {str(event["status"]) for event in events} == {"CANCELLED"}
    # The same UIDs as in the confirmation, with a higher SEQUENCE, so that they replace it.
    assert {int(event["sequence"]) for event in events} == {1}
    assert {str(event["uid"]) for event in events} == {
        f"course-meeting-{meeting.pk}@{settings.LERNPOOL_SITE_URL.split('://')[-1]}"
        for meeting in held.meetings.all()
    }
