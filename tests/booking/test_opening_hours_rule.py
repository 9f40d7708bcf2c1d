"""A pool's devices are picked up and brought back while its organization is open (issue #18,
left over from #17): a teacher booking a library's region-shared pool at a time outside the
library's opening hours on an open day is refused by the booking service, so the form, the
live check, the API and a series all say so and write nothing. A school's lesson periods are
its own times; an organization without hours on record is open unless closed.

The clock stands still on Monday, 7 December 2026, 09:00 (Berlin)."""

from __future__ import annotations

import datetime
import json
import zoneinfo

import pytest
import time_machine
from django.test import Client

from accounts.models import AuditLog
from accounts.services import create_api_token
from booking import services
from booking.models import Reservation, Series
from core.dates import local_datetime
from organizations.models import OpeningSchedule, Role
from tests.booking.conftest import shared_library_pool
from tests.factories import (
    LessonPeriodFactory,
    MembershipFactory,
    give_hours,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages", "english_default")]

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)  # a Monday
TUESDAY = datetime.date(2026, 12, 8)  # the library: 10–13, 14–18
CLOSED_OUTSIDE = "Stadtbücherei Miltenberg is open on Tuesday, 08.12. only 10:00–13:00, 14:00–18:00"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def library_pool(other_organization):
    return shared_library_pool(other_organization, 12)


def at(day: datetime.date, time: str) -> datetime.datetime:
    return local_datetime(day, datetime.time.fromisoformat(time))


def api_post(user, pool, start: datetime.datetime, end: datetime.datetime):
    _token, secret = create_api_token(by=user, name="t")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    payload = {
        "pool_id": pool.pk,
        "quantity": 5,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    return client.post("/api/v1/reservations", json.dumps(payload), content_type="application/json")


def once(day: datetime.date, start: str, end: str, **overrides) -> dict:
    return {
        "date": day.isoformat(),
        "start_time": start,
        "end_time": end,
        "quantity": "5",
        "purpose": "7b Informatik",
        "repeat": "once",
        "until": "",
    } | overrides


# --- the service ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("08:00", "10:00"),  # picked up before opening
        ("16:00", "19:00"),  # brought back after closing
        ("13:15", "13:45"),  # in the lunch break
    ],
)
def test_the_service_refuses_a_time_outside_the_opening_hours(teacher, library_pool, start, end):
    with pytest.raises(services.InvalidBooking) as error:
        services.reserve(
            by=teacher,
            pool=library_pool,
            quantity=5,
            start=at(TUESDAY, start),
            end=at(TUESDAY, end),
        )
    assert "Please choose a time within the opening hours." in str(error.value)
    assert not Reservation.objects.exists()


def test_the_service_accepts_a_time_within_the_opening_hours(teacher, library_pool):
    # Picked up before the lunch break, brought back after it: both while the library is open.
    reservation = services.reserve(
        by=teacher,
        pool=library_pool,
        quantity=5,
        start=at(TUESDAY, "12:00"),
        end=at(TUESDAY, "15:00"),
    )
    assert reservation.status == Reservation.Status.REQUESTED


def test_a_return_on_a_later_day_is_checked_against_that_days_hours(teacher, library_pool):
    library_pool.max_booking_hours = 48
    library_pool.save()
    wednesday = TUESDAY + datetime.timedelta(days=1)  # 10–18
    with pytest.raises(services.InvalidBooking, match=r"Wednesday, 09\.12\. only 10:00–18:00"):
        services.reserve(
            by=teacher,
            pool=library_pool,
            quantity=1,
            start=at(TUESDAY, "17:00"),
            end=at(wednesday, "09:00"),
        )
    services.reserve(
        by=teacher,
        pool=library_pool,
        quantity=1,
        start=at(TUESDAY, "17:00"),
        end=at(wednesday, "10:00"),
    )


# --- the doors --------------------------------------------------------------------------


def test_the_api_refuses_a_time_outside_the_opening_hours(teacher, library_pool):
    response = api_post(teacher, library_pool, at(TUESDAY, "18:00"), at(TUESDAY, "19:00"))
    assert response.status_code == 409
    assert CLOSED_OUTSIDE in response.json()["detail"]
    assert not Reservation.objects.exists()
    response = api_post(teacher, library_pool, at(TUESDAY, "10:00"), at(TUESDAY, "12:00"))
    assert response.status_code == 201


def test_the_booking_form_refuses_a_time_outside_the_opening_hours(client, teacher, library_pool):
    client.force_login(teacher)
    response = client.post(f"/pools/{library_pool.pk}/book/", once(TUESDAY, "18:00", "19:00"))
    assert response.status_code == 400
    html = response.content.decode()
    assert CLOSED_OUTSIDE in html and 'id="error-summary"' in html
    assert not Reservation.objects.exists()


def test_the_live_check_says_it_too(client, teacher, library_pool):
    client.force_login(teacher)
    response = client.get(
        f"/pools/{library_pool.pk}/book/check/",
        once(TUESDAY, "08:00", "09:00"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<html" not in html and CLOSED_OUTSIDE in html
    assert "devices are free at that time" not in html


def test_a_series_outside_the_opening_hours_is_refused_date_by_date(client, teacher, library_pool):
    client.force_login(teacher)
    data = once(TUESDAY, "18:00", "19:00", repeat="weekly", until="2026-12-22")
    preview = client.post(f"/pools/{library_pool.pk}/book/", data)
    assert preview.content.decode().count("Please choose a time within the opening hours.") == 3
    dates = ["2026-12-08", "2026-12-15", "2026-12-22"]
    response = client.post(
        f"/pools/{library_pool.pk}/book/", data | {"confirm": "1", "dates": dates}
    )
    assert response.status_code == 400
    assert "Please choose a time within the opening hours." in response.content.decode()
    assert not Reservation.objects.exists() and not Series.objects.exists()


# --- schools ----------------------------------------------------------------------------


def test_a_school_without_hours_on_record_is_open_all_day(teacher, pool):
    services.reserve(
        by=teacher,
        pool=pool,
        quantity=1,
        start=at(TUESDAY, "18:00"),
        end=at(TUESDAY, "20:00"),
    )


def test_a_schools_lesson_periods_are_its_own_times(teacher, pool, organization):
    """Hours until 13:00, an eighth period in the afternoon: booked by that period it is fine;
    a free time in the afternoon is outside the hours."""
    give_hours(organization, {weekday: "7:30-13" for weekday in range(5)})
    LessonPeriodFactory(
        organization=organization, number=8, start=datetime.time(13, 45), end=datetime.time(14, 30)
    )
    services.reserve(
        by=teacher,
        pool=pool,
        quantity=1,
        start=at(TUESDAY, "13:45"),
        end=at(TUESDAY, "14:30"),
    )
    with pytest.raises(services.InvalidBooking, match="only 07:30–13:00"):
        services.reserve(
            by=teacher,
            pool=pool,
            quantity=1,
            start=at(TUESDAY, "15:00"),
            end=at(TUESDAY, "16:00"),
        )
    assert Reservation.objects.count() == 1


# --- approving a request later ----------------------------------------------------------


@pytest.fixture
def library_staff(other_organization):
    return MembershipFactory(organization=other_organization, role=Role.STAFF).user


@pytest.fixture
def request_then_shorter_hours(teacher, library_pool, other_organization):
    """A teacher asks for Tuesday 10–12 while the library is open then; before staff decide,
    the library opens on Tuesdays only in the afternoon."""
    request_ = services.reserve(
        by=teacher,
        pool=library_pool,
        quantity=5,
        start=at(TUESDAY, "10:00"),
        end=at(TUESDAY, "12:00"),
    )
    assert request_.status == Reservation.Status.REQUESTED
    OpeningSchedule.objects.filter(organization=other_organization).delete()
    give_hours(other_organization, {1: "14-18", 2: "10-18"})
    return request_


AFTERNOON_ONLY = "Stadtbücherei Miltenberg is open on Tuesday, 08.12. only 14:00–18:00"


def test_approval_re_checks_the_opening_hours(library_staff, request_then_shorter_hours):
    with pytest.raises(services.InvalidBooking, match=AFTERNOON_ONLY):
        services.approve(by=library_staff, reservation=request_then_shorter_hours)
    request_then_shorter_hours.refresh_from_db()
    assert request_then_shorter_hours.status == Reservation.Status.REQUESTED
    assert request_then_shorter_hours.decided_by is None
    assert not AuditLog.objects.filter(action="booking.approved").exists()


def test_the_desk_refuses_to_approve_a_request_outside_the_new_hours(
    client, library_staff, request_then_shorter_hours
):
    client.force_login(library_staff)
    response = client.post(
        f"/desk/requests/{request_then_shorter_hours.pk}/", {"action": "approve"}
    )
    assert response.status_code == 400
    assert AFTERNOON_ONLY in response.content.decode()
    request_then_shorter_hours.refresh_from_db()
    assert request_then_shorter_hours.status == Reservation.Status.REQUESTED


def test_a_request_within_the_hours_is_approved(teacher, library_pool, library_staff):
    request_ = services.reserve(
        by=teacher,
        pool=library_pool,
        quantity=5,
        start=at(TUESDAY, "14:00"),
        end=at(TUESDAY, "16:00"),
    )
    approved = services.approve(by=library_staff, reservation=request_)
    assert approved.status == Reservation.Status.CONFIRMED
