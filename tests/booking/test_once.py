"""Submitting twice makes one booking (issue #15), on the pages: the forms that create a
reservation, a series or an enrolment carry a one-time token, so a double click, a
resubmitted form or the back button creates nothing twice. Without the token (the control),
the same two POSTs do create two."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from booking.models import Reservation, Series
from courses.models import Enrollment
from tests.factories import CourseFactory, DeviceFactory, MeetingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


def token_in(html: str) -> str:
    return re.search(r'name="once" value="([^"]+)"', html).group(1)


def booking_form(day: datetime.date, **values) -> dict:
    return {
        "date": day.isoformat(),
        "start_time": "08:00",
        "end_time": "09:30",
        "quantity": "2",
        "purpose": "7b",
        "repeat": "once",
        "until": "",
        **values,
    }


def next_monday() -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=7 - today.weekday())


def test_the_booking_form_sent_twice_books_once(client, teacher, pool):
    client.force_login(teacher)
    once = token_in(client.get(f"/pools/{pool.pk}/book/").content.decode())
    data = booking_form(next_monday(), once=once)
    first = client.post(f"/pools/{pool.pk}/book/", data)
    second = client.post(f"/pools/{pool.pk}/book/", data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Reservation.objects.count() == 1
    page = client.get(second["Location"]).content.decode()
    assert "already been sent" in page


def test_control_without_the_token_the_same_posts_book_twice(client, teacher, pool):
    client.force_login(teacher)
    data = booking_form(next_monday())
    client.post(f"/pools/{pool.pk}/book/", data)
    client.post(f"/pools/{pool.pk}/book/", data)
    assert Reservation.objects.count() == 2


def test_a_refused_booking_gives_the_token_back(client, teacher, pool):
    client.force_login(teacher)
    once = token_in(client.get(f"/pools/{pool.pk}/book/").content.decode())
    too_many = client.post(
        f"/pools/{pool.pk}/book/", booking_form(next_monday(), quantity="50", once=once)
    )
    assert too_many.status_code == 400
    fixed = client.post(f"/pools/{pool.pk}/book/", booking_form(next_monday(), once=once))
    assert fixed.status_code == 302 and Reservation.objects.count() == 1


def test_the_series_confirmed_twice_books_once(client, teacher, pool):
    client.force_login(teacher)
    day = next_monday()
    data = booking_form(day, repeat="weekly", until=(day + datetime.timedelta(weeks=2)).isoformat())
    preview = client.post(f"/pools/{pool.pk}/book/", data).content.decode()
    once = token_in(preview.split('id="preview"', 1)[1])
    dates = [(day + datetime.timedelta(weeks=n)).isoformat() for n in range(3)]
    confirm = data | {"confirm": "1", "dates": dates, "once": once}
    first = client.post(f"/pools/{pool.pk}/book/", confirm)
    second = client.post(f"/pools/{pool.pk}/book/", confirm)
    assert first.status_code == second.status_code == 302
    assert Series.objects.count() == 1 and Reservation.objects.count() == 3


def test_the_enrolment_sent_twice_enrols_once_without_an_error(client, resident):
    course = CourseFactory(capacity=10)
    start = timezone.now() + datetime.timedelta(days=14)
    MeetingFactory(course=course, start=start, end=start + datetime.timedelta(minutes=90))
    client.force_login(resident)
    page = client.get(course.get_absolute_url()).content.decode()
    once = token_in(page)
    first = client.post(f"/courses/{course.pk}/enrol/", {"once": once})
    second = client.post(f"/courses/{course.pk}/enrol/", {"once": once})
    assert first.status_code == second.status_code == 302
    assert Enrollment.objects.filter(user=resident).count() == 1


def test_a_residents_loan_reservation_sent_twice_reserves_once(client):
    from booking.models import Reservation as Booking
    from tests.factories import LendingPoolFactory, UserFactory

    pool = LendingPoolFactory(per_person_limit=0)
    DeviceFactory.create_batch(3, pool=pool)
    person = UserFactory()
    client.force_login(person)
    page = client.get(f"/lending/{pool.pk}/").content.decode()
    once = token_in(page)
    day = timezone.localdate() + datetime.timedelta(days=2)
    data = {"pickup_date": day.isoformat(), "quantity": "1", "once": once}
    first = client.post(f"/lending/{pool.pk}/", data)
    second = client.post(f"/lending/{pool.pk}/", data)
    assert first.status_code == 302, first.content.decode()[:3000]
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Booking.objects.filter(user=person).count() == 1
