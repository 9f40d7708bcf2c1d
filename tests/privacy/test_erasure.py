"""Erasing a person: afterwards no text column of any table holds their name or email, every
report figure is what it was, the rows the statistics count stay (without the person), what
was open is ended so that the next person gets the device or the seat, and an open loan
stops it all."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog, User
from accounts.privacy import ErasureBlocked, erase_person, erasure_blockers
from booking import services as booking
from booking.models import Loan, LoanItem, Reservation, Series
from courses import services as courses
from courses.models import Attendance, Certificate, Course, Enrollment
from devices.models import DeviceEvent
from lending import services as lending_services
from lending.models import WaitlistEntry
from reports.figures import build_report
from reports.opendata import build_statistics
from reports.periods import month_period
from reports.scope import region_scope
from tests.factories import CourseFactory, MeetingFactory, UserFactory

from .conftest import EMAIL, NAME

pytestmark = pytest.mark.django_db

TERMS = ("zelinda", "quorrbeck", EMAIL, EMAIL.split("@")[0])

# What introspection may call a column that holds text (JSON is text too).
TEXT_FIELD_TYPES = {
    "CharField",
    "TextField",
    "JSONField",
    "EmailField",
    "SlugField",
    "URLField",
    "GenericIPAddressField",
    "FilePathField",
}


def text_columns() -> list[tuple[str, str]]:
    """(table, column) for every column of every table that can hold text; a type the
    introspection does not know is searched too, rather than skipped."""
    introspection = connection.introspection
    columns = []
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            for column in introspection.get_table_description(cursor, table):
                try:
                    kind = introspection.get_field_type(column.type_code, column)
                except KeyError:
                    kind = None
                if kind is None or kind in TEXT_FIELD_TYPES:
                    columns.append((table, column.name))
    return columns


def columns_mentioning(terms=TERMS) -> set[tuple[str, str]]:
    """Every (table, column) in which some row contains one of ``terms``, ignoring case."""
    quote = connection.ops.quote_name
    found = set()
    with connection.cursor() as cursor:
        for table, column in text_columns():
            value = f"LOWER(CAST({quote(column)} AS TEXT))"
            condition = " OR ".join(f"{value} LIKE %s" for _term in terms)
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(table)} WHERE {condition}",
                [f"%{term.lower()}%" for term in terms],
            )
            if cursor.fetchone()[0]:
                found.add((table, column))
    return found


def column(model, field: str) -> tuple[str, str]:
    return model._meta.db_table, model._meta.get_field(field).column


def counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in (
            Reservation,
            Series,
            Loan,
            LoanItem,
            WaitlistEntry,
            Enrollment,
            Attendance,
            Certificate,
            Course,
            DeviceEvent,
        )
    }


def figures(month: datetime.date, now: datetime.datetime):
    period = month_period(month)
    return (
        build_report(scope=region_scope(), period=period, now=now),
        build_statistics(scope=region_scope(), period=period, now=now).rows,
    )


def test_after_erasure_no_text_in_the_database_names_the_person_and_the_figures_stay(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    person = world.person
    now = timezone.now()
    before = columns_mentioning()
    # The search sees the name wherever it is: plain text, JSON, the admin's history.
    assert {
        column(User, "email"),
        column(User, "name"),
        column(Reservation, "purpose"),
        column(Reservation, "decision_reason"),
        column(Series, "purpose"),
        column(LoanItem, "note"),
        column(DeviceEvent, "reason"),
        column(Enrollment, "answers"),
        column(Certificate, "holder_name"),
        column(apps.get_model("admin", "LogEntry"), "object_repr"),
        column(apps.get_model("admin", "LogEntry"), "change_message"),
        column(apps.get_model("account", "EmailAddress"), "email"),
    } <= before
    report_before, statistics_before = figures(world.month, now)
    assert report_before.courses != report_before.previous_courses  # there is something
    rows_before = counts()
    mine = {
        "reservations": [world.past_booking.pk, world.declined.pk, world.lesson.pk],
        "loans": [world.past_loan.pk, world.today_loan.pk],
        "enrolments": [world.enrolment.pk, world.seat.pk],
    }
    pk = person.pk

    with django_capture_on_commit_callbacks(execute=True):
        erase_person(person, by=person)

    assert columns_mentioning() == set()
    assert not User.objects.filter(pk=pk).exists()
    assert figures(world.month, now) == (report_before, statistics_before)
    assert counts() == rows_before
    assert Reservation.objects.filter(pk__in=mine["reservations"], user=None).count() == 3
    assert Loan.objects.filter(pk__in=mine["loans"], borrower=None).count() == 2
    assert Enrollment.objects.filter(pk__in=mine["enrolments"], user=None).count() == 2
    assert Attendance.objects.filter(enrollment=world.enrolment).count() == 2
    # Her colleague's request that she answered stays the colleague's.
    world.decided.refresh_from_db()
    assert world.decided.user_id is not None and world.decided.decided_by_id is None
    # The log keeps that it happened, with ids only.
    entry = AuditLog.objects.get(action="accounts.erased", target_id=str(pk))
    assert entry.actor_id is None
    assert entry.data == {"reason": "request", "by_self": True}
    # Her session is gone from the server; nobody was emailed about her.
    assert not Session.objects.filter(session_key=world.session.session_key).exists()
    assert all(EMAIL not in message.to for message in mailoutbox)


def test_what_was_still_open_is_ended_and_past_rows_stay(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        erase_person(world.person, by=world.person)

    statuses = dict(
        Reservation.objects.filter(
            pk__in=[world.past_booking.pk, world.lesson.pk, world.pickup.pk]
        ).values_list("pk", "status")
    )
    assert statuses == {
        world.past_booking.pk: Reservation.Status.CONFIRMED,
        world.lesson.pk: Reservation.Status.CANCELLED,
        world.pickup.pk: Reservation.Status.CANCELLED,
    }
    assert set(world.series.reservations.values_list("status", flat=True)) == {
        Reservation.Status.CANCELLED
    }
    world.waiting.refresh_from_db()
    assert world.waiting.status == WaitlistEntry.Status.LEFT
    world.seat.refresh_from_db()
    assert world.seat.status == Enrollment.Status.CANCELLED
    world.enrolment.refresh_from_db()
    assert world.enrolment.status == Enrollment.Status.CONFIRMED  # the past course: as it was


def test_a_staff_members_erasure_is_logged_as_theirs(world):
    erase_person(world.person, by=world.librarian, reason="staff")
    entry = AuditLog.objects.get(action="accounts.erased", target_id=str(world.person.pk))
    assert entry.actor_id == world.librarian.pk
    assert entry.data == {"reason": "staff", "by_self": False}


# --- an open loan blocks ------------------------------------------------------------------


def test_an_open_loan_blocks_erasure_and_nothing_changes(world):
    laptop = world.laptops.devices.get(name="Laptop 1")
    lending_services.lend_at_desk(
        by=world.librarian, pool=world.laptops, borrower=world.person, devices=[laptop]
    )
    rows_before = counts()
    log_before = AuditLog.objects.count()

    with pytest.raises(ErasureBlocked) as blocked:
        erase_person(world.person, by=world.person)

    message = str(blocked.value)
    assert "Laptop 1" in message and laptop.asset_tag in message
    assert world.library.name in message
    person = User.objects.get(pk=world.person.pk)
    assert (person.name, person.email) == (NAME, EMAIL)
    assert counts() == rows_before
    assert AuditLog.objects.count() == log_before
    world.lesson.refresh_from_db()
    assert world.lesson.status == Reservation.Status.CONFIRMED
    assert world.lesson.purpose.endswith(f"({NAME})")
    world.seat.refresh_from_db()
    assert world.seat.status == Enrollment.Status.CONFIRMED
    assert Certificate.objects.get(pk=world.certificate.pk).holder_name == NAME


def test_without_an_open_loan_nothing_blocks(world):
    assert erasure_blockers(world.person) == []


# --- the next person gets what is freed ----------------------------------------------------


def test_erasure_gives_the_confirmed_seat_to_the_first_person_waiting(world):
    assert world.queued.status == Enrollment.Status.WAITLISTED
    erase_person(world.person, by=world.person)
    world.queued.refresh_from_db()
    assert world.queued.status == Enrollment.Status.CONFIRMED


def test_the_seat_is_freed_even_past_the_cancellation_deadline(db):
    course = CourseFactory(capacity=1)
    MeetingFactory(course=course)
    person, waiting = UserFactory(), UserFactory()
    seat = courses.enrol(by=person, course=course)
    queued = courses.enrol(by=waiting, course=course)
    Course.objects.filter(pk=course.pk).update(
        cancellation_deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(courses.NotCancellable):  # the person could not cancel now
        courses.cancel_enrollment(by=person, enrollment=seat)

    erase_person(person, by=person)

    seat.refresh_from_db()
    queued.refresh_from_db()
    assert (seat.status, seat.user_id) == (Enrollment.Status.CANCELLED, None)
    assert queued.status == Enrollment.Status.CONFIRMED


def test_a_device_held_for_the_person_goes_to_the_next_one_waiting(world):
    booking.return_items(
        by=world.librarian,
        loan=world.tablet_loan,
        returns=[
            booking.ItemReturn(
                item_id=world.tablet_loan.items.get().pk, condition=LoanItem.Condition.COMPLETE
            )
        ],
    )
    lending_services.offer_next(pool=world.tablets)
    world.waiting.refresh_from_db()
    assert world.waiting.status == WaitlistEntry.Status.OFFERED
    hold = world.waiting.reservation

    erase_person(world.person, by=world.person)

    hold.refresh_from_db()
    assert hold.status == Reservation.Status.CANCELLED
    classmate = WaitlistEntry.objects.get(pool=world.tablets, user=world.classmate)
    assert classmate.status == WaitlistEntry.Status.OFFERED


# --- the certificate stays verifiable ------------------------------------------------------


def test_the_certificate_of_an_erased_person_is_still_genuine_without_the_name(world, client):
    erase_person(world.person, by=world.person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("courses:certificate_verify", args=[world.certificate.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This certificate is valid." in html
    assert "has been erased" in html
    assert world.certificate.course_title in html
    assert "Quorrbeck" not in html
