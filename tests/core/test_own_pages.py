"""A person's own pages ("Meine Buchungen", "Meine Ausleihen", "Meine Kurse") served from what
they answered last time (core.public_cache.own_page): a repeated visit renders nothing and runs
no query of the page's own; every kind of write door shows its change on the next visit; the
clock moves a booking to the past at its end and makes a loan overdue at its due time; a
rolled-back write changes nothing; and nobody ever gets another person's page or token.
The clock stands still on Monday 07.12.2026, 09:00 (Europe/Berlin)."""

from __future__ import annotations

import datetime
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.retention import unlink_rows
from accounts.services import create_api_token
from booking import services as booking_services
from booking.models import Loan, Reservation
from core import public_cache
from courses import services as course_services
from lending import services as lending_services
from organizations.models import Role
from tests.booking.conftest import ipad_case
from tests.factories import (
    DOUBLE_LESSON,
    CourseFactory,
    DeviceFactory,
    EnrollmentFactory,
    LendingPoolFactory,
    MeetingFactory,
    MembershipFactory,
    ReservationFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)  # a Monday
TOKEN = re.compile(r"[A-Za-z0-9]{64}")
MINE = "/bookings/"
LOANS = "/loans/"
COURSES = "/my-courses/"
# What a signed-in visit costs before any view runs: the session, the user, and the roles
# (the 2FA check; the menu shares them).
FRAME_QUERIES = 3


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    day = NOW.date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN)


def text(response) -> str:
    return response.content.decode()


def upcoming_part(html: str) -> str:
    return html.split('id="past-heading"')[0]


def past_part(html: str) -> str:
    return html.split('id="past-heading"')[1]


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pool(clock, organization):
    return ipad_case(organization, periods=DOUBLE_LESSON, max_days_ahead=120)


@pytest.fixture
def seen(client, teacher, pool):
    """The teacher's "Meine Buchungen" with a booking on Wednesday, kept after a first visit."""
    ReservationFactory(pool=pool, user=teacher, start=at(2, 8), end=at(2, 9), purpose="Mathe 7b")
    client.force_login(teacher)
    # The first visit makes the person's calendar address, a write about them: the second
    # visit renders once more, and from then on the page is kept.
    assert "Mathe 7b" in text(client.get(MINE))
    client.get(MINE)
    return client


def as_hit(client, path, django_assert_max_num_queries):
    with django_assert_max_num_queries(FRAME_QUERIES):
        return client.get(path)


# --- kept, and for whom -------------------------------------------------------------------


@pytest.mark.parametrize("path", [MINE, LOANS, COURSES])
def test_a_second_visit_is_the_same_page_without_a_query_of_its_own(
    client, teacher, pool, path, django_assert_max_num_queries
):
    ReservationFactory(pool=pool, user=teacher, start=at(2, 8), end=at(2, 9), purpose="Mathe 7b")
    client.force_login(teacher)
    client.get(path)  # "Meine Buchungen" makes the calendar address on the first visit
    first = client.get(path)
    assert first.status_code == 200
    second = as_hit(client, path, django_assert_max_num_queries)
    assert second.status_code == 200
    assert TOKEN.sub("T", text(second)) == TOKEN.sub("T", text(first))
    assert second["Cache-Control"] == "private, no-cache"


def test_nobody_gets_another_persons_page(client, teacher, organization, pool):
    other = MembershipFactory(organization=organization, role=Role.TEACHER).user
    ReservationFactory(pool=pool, user=teacher, start=at(2, 8), end=at(2, 9), purpose="Mathe 7b")
    ReservationFactory(pool=pool, user=other, start=at(3, 8), end=at(3, 9), purpose="Physik 9a")
    client.force_login(teacher)
    assert "Mathe 7b" in text(client.get(MINE))

    # The same browser, someone else signed in; and a second browser of that person.
    client.force_login(other)
    for visitor in (client, Client()):
        if visitor is not client:
            visitor.force_login(other)
        html = text(visitor.get(MINE))
        assert "Physik 9a" in html
        assert "Mathe 7b" not in html
    client.logout()
    assert client.get(MINE).status_code == 302  # to the login, never a kept page


def test_each_person_gets_their_own_working_csrf_token(seen, teacher):
    other = Client(enforce_csrf_checks=True)
    other.force_login(teacher)  # the same person in a second browser: its own token
    for browser in (other, other):
        html = text(browser.get(MINE))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        answer = browser.post(reverse("booking:calendar_reset"), {"csrfmiddlewaretoken": token})
        assert answer.status_code == 302
    assert public_cache.PLACEHOLDER.decode() not in html


def test_a_new_calendar_address_and_its_message_show_at_once(seen):
    before = re.search(r'id="calendar-url" value="([^"]+)"', text(seen.get(MINE))).group(1)
    answer = seen.post(reverse("booking:calendar_reset"), follow=True)
    html = text(answer)
    # The message waiting for the person is shown (the page is rendered for it) ...
    assert "kern-alert" in html
    after = re.search(r'id="calendar-url" value="([^"]+)"', html).group(1)
    assert after != before
    # ... and the next visit, kept again, shows the new address without the message.
    html = text(seen.get(MINE))
    assert after in html and before not in html and "kern-alert--success" not in html


# --- every kind of door shows its change at once ------------------------------------------


def test_a_booking_through_the_service_shows_at_once(seen, teacher, pool):
    booking_services.reserve(
        by=teacher, pool=pool, quantity=5, start=at(1, 8), end=at(1, 9), purpose="Deutsch 5c"
    )
    assert "Deutsch 5c" in upcoming_part(text(seen.get(MINE)))


def test_a_booking_through_the_api_shows_at_once(seen, teacher, pool, settings):
    settings.LANGUAGE_CODE = "en"
    _token, secret = create_api_token(by=teacher, name="t")
    payload = {
        "pool_id": pool.pk,
        "quantity": 2,
        "start": at(1, 10).isoformat(),
        "end": at(1, 11).isoformat(),
        "purpose": "Englisch 8d",
    }
    answer = Client(headers={"Authorization": f"Bearer {secret}"}).post(
        "/api/v1/reservations", json.dumps(payload), content_type="application/json"
    )
    assert answer.status_code == 201
    assert "Englisch 8d" in text(seen.get(MINE))


def test_a_series_written_in_bulk_and_cancelled_in_one_update_shows_at_once(seen, teacher, pool):
    series = booking_services.book_series(
        by=teacher,
        pool=pool,
        quantity=3,
        first_date=NOW.date() + datetime.timedelta(days=1),
        until=NOW.date() + datetime.timedelta(days=22),
        start_time=datetime.time(9, 45),
        end_time=datetime.time(11, 15),
        purpose="Bio 6a",
    )
    assert 'class="series-row"' in text(seen.get(MINE))
    first = series.reservations.order_by("start").first()
    booking_services.cancel_rest_of_series(by=teacher, reservation=first)
    html = text(seen.get(MINE))
    assert 'class="series-row"' not in html
    assert "Bio 6a" in past_part(html)


def test_a_hand_out_at_the_desk_and_a_shortfall_show_at_once(seen, teacher, pool, staff):
    reservation = Reservation.objects.get(user=teacher)
    devices = list(pool.devices.all()[:1])
    with time_machine.travel(at(2, 8, 5), tick=False):
        booking_services.hand_out(by=staff, reservation=reservation, devices=devices)
        assert "handed out" in text(seen.get(MINE))

    # Devices out of service: the task marks the booking in one UPDATE.
    Reservation.objects.filter(pk=reservation.pk).update(quantity=30)
    public_cache.bump_people([teacher.pk])
    seen.get(MINE)
    pool.devices.exclude(pk=devices[0].pk).update(status="in_repair")
    assert booking_services.update_shortfalls(pool_id=pool.pk) == [reservation.pk]
    assert "out of service" in text(seen.get(MINE))


def test_a_renamed_pool_or_organization_shows_at_once(seen, pool, organization):
    pool.name = "iPad-Koffer Nord"
    pool.save()  # the admin's and the inventory's door
    assert "iPad-Koffer Nord" in text(seen.get(MINE))
    organization.name = "Kronberg-Gymnasium Aschaffenburg"
    organization.save()
    assert "Kronberg-Gymnasium Aschaffenburg" in text(seen.get(MINE))


def test_a_new_role_shows_in_the_menu_at_once(client, clock, resident, organization):
    client.force_login(resident)
    client.get(LOANS)
    assert 'href="/bookings/"' not in text(client.get(LOANS))
    MembershipFactory(user=resident, organization=organization, role=Role.TEACHER)
    assert 'href="/bookings/"' in text(client.get(LOANS))


def test_retention_unlinking_a_booking_takes_it_off_the_page(seen, teacher):
    unlink_rows(Reservation.objects.filter(user=teacher), "user", user=None)
    assert "Mathe 7b" not in text(seen.get(MINE))


def test_a_bulk_write_about_very_many_people_renders_every_own_page_anew(
    seen, teacher, monkeypatch
):
    monkeypatch.setattr(public_cache, "MANY_PEOPLE", 2)
    Reservation.objects.filter(user=teacher).update(purpose="Chemie 10b")
    public_cache.bump_people([teacher.pk + 1, teacher.pk + 2, teacher.pk + 3])  # not the teacher
    assert "Chemie 10b" in text(seen.get(MINE))


def test_a_write_for_everyone_renders_every_own_page_anew(
    seen, teacher, django_assert_max_num_queries
):
    as_hit(seen, MINE, django_assert_max_num_queries)
    Reservation.objects.filter(user=teacher).update(purpose="Chemie 10b")  # as the demo seed
    public_cache.bump(public_cache.EVERYONE)
    assert "Chemie 10b" in text(seen.get(MINE))


def test_a_renewal_and_a_pick_up_show_on_my_loans(client, clock, resident):
    pool = LendingPoolFactory(name="E-Reader", loan_period_days=14, max_renewals=2)
    DeviceFactory.create_batch(2, pool=pool)
    client.force_login(resident)
    assert "E-Reader" not in text(client.get(LOANS))
    lending_services.reserve_loan(by=resident, pool=pool, pickup_date=NOW.date())
    assert "E-Reader" in text(client.get(LOANS))

    loan = Loan.objects.create(pool=pool, borrower=resident, due_at=at(14, 23, 59))
    before = text(client.get(LOANS))
    lending_services.renew(by=resident, loan=loan)
    after = text(client.get(LOANS))
    assert "Renewed 1 of 2 times" in after and "Renewed 1 of 2 times" not in before


def test_enrolment_attendance_and_certificates_show_on_my_courses(
    client, clock, resident, provider, provider_staff
):
    course = CourseFactory(organization=provider, title="Tablet-Grundkurs", capacity=5)
    meeting = MeetingFactory(course=course, start=at(0, 10), end=at(0, 11))
    client.force_login(resident)
    assert "Tablet-Grundkurs" not in text(client.get(COURSES))
    enrollment = course_services.enrol(by=resident, course=course)
    assert "Tablet-Grundkurs" in text(client.get(COURSES))

    clock.move_to(at(0, 11, 30))
    assert "did not attend" not in text(client.get(COURSES))
    course_services.record_attendance(
        by=provider_staff, meeting=meeting, enrollment=enrollment, present=True
    )
    assert "1 of 1 meetings" in text(client.get(COURSES))
    [certificate] = course_services.issue_certificates(by=provider_staff, course=course)
    assert certificate.code in text(client.get(COURSES))


# --- the clock ----------------------------------------------------------------------------


def test_a_booking_moves_to_the_past_at_its_end(seen, clock):
    html = text(seen.get(MINE))
    assert "Mathe 7b" in upcoming_part(html) and "Cancel" in upcoming_part(html)

    clock.move_to(at(2, 8))  # it begins: no more "Cancel"
    html = text(seen.get(MINE))
    assert "Mathe 7b" in upcoming_part(html) and "Cancel" not in upcoming_part(html)
    clock.move_to(at(2, 8, 59))
    assert "Mathe 7b" in upcoming_part(text(seen.get(MINE)))
    clock.move_to(at(2, 9))  # it ends
    html = text(seen.get(MINE))
    assert "Mathe 7b" not in upcoming_part(html)
    assert "Mathe 7b" in past_part(html) and "not picked up" in past_part(html)


def test_a_loan_becomes_overdue_at_its_due_time(client, clock, resident):
    pool = LendingPoolFactory(name="E-Reader")
    Loan.objects.create(pool=pool, borrower=resident, due_at=at(1, 18))
    client.force_login(resident)
    html = text(client.get(LOANS))
    assert "E-Reader" in html and "Overdue" not in html
    clock.move_to(at(1, 18))  # due: not overdue yet
    assert "Overdue" not in text(client.get(LOANS))
    clock.move_to(at(1, 18) + datetime.timedelta(seconds=1))
    assert "Overdue" in text(client.get(LOANS))


def test_a_course_moves_to_the_past_after_its_last_meeting(client, clock, resident, provider):
    course = CourseFactory(organization=provider, title="Tablet-Grundkurs")
    MeetingFactory(course=course, start=at(0, 10), end=at(0, 11))
    EnrollmentFactory(course=course, user=resident)
    client.force_login(resident)
    assert "Past courses" in text(client.get(COURSES))
    html = text(client.get(COURSES))
    assert html.index("Tablet-Grundkurs") < html.index('id="past-heading"')
    clock.move_to(at(0, 11))
    html = text(client.get(COURSES))
    assert html.index("Tablet-Grundkurs") > html.index('id="past-heading"')


# --- a rollback changes nothing -----------------------------------------------------------


def test_a_rolled_back_write_does_not_bump(seen, teacher, pool, django_assert_max_num_queries):
    kept = text(as_hit(seen, MINE, django_assert_max_num_queries))

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        booking_services.reserve(
            by=teacher, pool=pool, quantity=1, start=at(1, 8), end=at(1, 9), purpose="Kunst 4a"
        )
        assert "Kunst 4a" in text(seen.get(MINE))  # the writer sees its own write
        raise Undo

    again = as_hit(seen, MINE, django_assert_max_num_queries)  # still the kept page
    assert TOKEN.sub("T", text(again)) == TOKEN.sub("T", kept)
    # The control: the same write, kept, is a new page.
    booking_services.reserve(
        by=teacher, pool=pool, quantity=1, start=at(1, 8), end=at(1, 9), purpose="Kunst 4a"
    )
    assert "Kunst 4a" in text(seen.get(MINE))
