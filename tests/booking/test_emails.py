"""Booking emails: in the recipient's language, plain text and HTML, with an .ics file that
calendar apps read. Emails go out as tasks after the transaction commits."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from icalendar import Calendar

from booking import emails, ical, services
from booking.models import Reservation
from devices.models import DevicePool
from organizations.models import Role
from tests.booking.conftest import tomorrow
from tests.factories import (
    DeviceFactory,
    DevicePoolFactory,
    LocationFactory,
    MembershipFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 7, 0, tzinfo=BERLIN)
START = datetime.datetime(2027, 2, 2, 8, 0, tzinfo=BERLIN)
END = datetime.datetime(2027, 2, 2, 9, 30, tzinfo=BERLIN)


@pytest.fixture
def pool(organization):
    pool = DevicePoolFactory(
        organization=organization,
        name="Koffer Mathe",
        booking_scope=DevicePool.Scope.REGION,
        location=LocationFactory(organization=organization, name="Medienraum"),
    )
    DeviceFactory.create_batch(10, pool=pool)
    return pool


@pytest.fixture
def english_teacher(organization):
    user = UserFactory(preferred_language="en", name="Anna Schmitt")
    MembershipFactory(user=user, organization=organization, role=Role.TEACHER)
    return user


@pytest.fixture
def german_teacher(organization):
    user = UserFactory(name="Bernd Weber")  # German is the default
    MembershipFactory(user=user, organization=organization, role=Role.TEACHER)
    return user


def book(user, pool, capture, **kwargs):
    with capture(execute=True):
        return services.reserve(
            by=user,
            pool=pool,
            quantity=kwargs.pop("quantity", 4),
            start=START,
            end=END,
            purpose="Klasse 7b, Mathematik",
            now=NOW,
            **kwargs,
        )


def calendar_of(message) -> Calendar:
    (name, content, mimetype) = message.attachments[0]
    assert name.endswith(".ics")
    assert mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def test_a_confirmed_booking_comes_with_an_ics_file_that_calendars_read(
    english_teacher, pool, django_capture_on_commit_callbacks, mailoutbox
):
    reservation = book(english_teacher, pool, django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert message.to == [english_teacher.email]
    (event,) = calendar_of(message).walk("VEVENT")
    assert event.decoded("dtstart") == START
    assert event.decoded("dtend") == END
    assert event.decoded("dtend") - event.decoded("dtstart") == datetime.timedelta(minutes=90)
    assert str(event["summary"]) == "4 × Koffer Mathe – Klasse 7b, Mathematik"
    assert str(event["location"]) == "Medienraum"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["uid"]).startswith(f"reservation-{reservation.pk}@")
    assert str(event["url"]).endswith(reservation.get_absolute_url())


def test_emails_go_out_in_the_recipients_language(
    english_teacher, pool, django_capture_on_commit_callbacks, mailoutbox
):
    with translation.override("de"):  # whatever language the booking happened in
        book(english_teacher, pool, django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert message.subject == "Booking confirmed: Koffer Mathe"
    assert "your booking is confirmed." in message.body
    assert "Devices: 4 × Koffer Mathe" in message.body
    html = message.alternatives[0].content
    assert '<html lang="en">' in html


def test_german_is_the_default_language_of_emails(
    german_teacher, pool, django_capture_on_commit_callbacks, mailoutbox
):
    with translation.override("en"):
        book(german_teacher, pool, django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert '<html lang="de">' in message.alternatives[0].content
    assert message.subject == "Buchung bestätigt: Koffer Mathe"


def test_every_email_has_a_plain_text_and_an_html_part(
    english_teacher, pool, django_capture_on_commit_callbacks, mailoutbox
):
    book(english_teacher, pool, django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert message.content_subtype == "plain"
    assert "Hello Anna" in message.body
    assert "<" not in message.body.replace("<html", "")  # no markup in the text part
    assert "Tuesday, 2. February 2027, 08:00–09:30" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert "<li>When: Tuesday, 2. February 2027, 08:00–09:30</li>" in html
    assert "Klasse 7b, Mathematik" in html


def test_a_request_is_acknowledged_without_a_calendar_file(
    pool, other_organization, django_capture_on_commit_callbacks, mailoutbox
):
    outside = UserFactory(preferred_language="en")
    MembershipFactory(user=outside, organization=other_organization, role=Role.TEACHER)
    reservation = book(outside, pool, django_capture_on_commit_callbacks)
    assert reservation.status == Reservation.Status.REQUESTED
    (message,) = mailoutbox
    assert message.subject == "Request sent: Koffer Mathe"
    assert message.attachments == []


@pytest.mark.parametrize(
    ("kind", "subject", "text", "ics"),
    [
        ("approved", "Booking confirmed: Koffer Mathe", "your request has been confirmed.", True),
        ("declined", "Request declined: Koffer Mathe", "Reason: Prüfungswoche", False),
        ("cancelled", "Booking cancelled: Koffer Mathe", "cancelled by the staff", True),
        (
            "shortfall",
            "Not enough devices for your booking: Koffer Mathe",
            "not enough devices in service",
            False,
        ),
    ],
)
def test_each_kind_of_email(english_teacher, pool, mailoutbox, kind, subject, text, ics):
    reservation = ReservationFactory(
        pool=pool,
        user=english_teacher,
        start=START,
        end=END,
        decision_reason="Prüfungswoche",
    )
    emails.send_reservation_email(reservation.pk, kind)
    (message,) = mailoutbox
    assert message.subject == subject
    assert text in message.body
    assert bool(message.attachments) is ics


def test_no_email_for_a_reservation_without_a_person(pool, mailoutbox):
    reservation = ReservationFactory(pool=pool, user=None, start=START, end=END)
    emails.send_reservation_email(reservation.pk, "confirmed")
    emails.send_reservation_email(999_999, "confirmed")  # deleted meanwhile
    assert mailoutbox == []


def test_an_unknown_kind_is_a_programming_error(pool):
    reservation = ReservationFactory(pool=pool, start=START, end=END)
    with pytest.raises(ValueError):
        emails.send_reservation_email(reservation.pk, "hello")


def test_a_weekly_booking_is_one_email_with_every_date(
    english_teacher, pool, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        series = services.book_series(
            by=english_teacher,
            pool=pool,
            quantity=3,
            first_date=START.date(),
            until=START.date() + datetime.timedelta(weeks=3),
            start_time=datetime.time(8),
            end_time=datetime.time(9, 30),
            purpose="AG Robotik",
            now=NOW,
        )
    (message,) = mailoutbox
    assert message.subject == "Weekly booking confirmed: Koffer Mathe"
    assert message.body.count("08:00–09:30") == 4
    events = calendar_of(message).walk("VEVENT")
    assert [event.decoded("dtstart") for event in events] == [
        START + datetime.timedelta(weeks=week) for week in range(4)
    ]
    assert series.reservations.count() == 4
    assert '<html lang="en">' in message.alternatives[0].content


def test_the_staff_calendar_names_the_person_and_marks_cancelled_and_requested(pool, teacher):
    confirmed = ReservationFactory(pool=pool, user=teacher, start=START, end=END)
    requested = ReservationFactory(
        pool=pool, user=teacher, start=START, end=END, status="requested"
    )
    cancelled = ReservationFactory(
        pool=pool, user=teacher, start=START, end=END, status="cancelled"
    )
    reservations = Reservation.objects.select_related(
        "pool__location", "pool__organization", "user"
    ).order_by("pk")
    staff_view = Calendar.from_ical(
        ical.calendar(reservations, name="Koffer", with_person=ical.named)
    )
    statuses = {
        str(event["uid"]).split("@")[0]: str(event["status"]) for event in staff_view.walk("VEVENT")
    }
    assert statuses == {
        f"reservation-{confirmed.pk}": "CONFIRMED",
        f"reservation-{requested.pk}": "TENTATIVE",
        f"reservation-{cancelled.pk}": "CANCELLED",
    }
    assert all(str(teacher) in str(event["summary"]) for event in staff_view.walk("VEVENT"))
    personal = Calendar.from_ical(ical.calendar(reservations, name="Meine Buchungen"))
    assert not any(str(teacher) in str(event["summary"]) for event in personal.walk("VEVENT"))
    assert str(personal["x-wr-calname"]) == "Meine Buchungen"


def test_a_cancellation_email_carries_the_cancelled_event_with_a_higher_sequence(
    english_teacher, pool, organization, django_capture_on_commit_callbacks, mailoutbox
):
    """RFC 5546: the same UID with a higher SEQUENCE and STATUS:CANCELLED, so that calendar
    apps remove the event that the confirmation put there (#15)."""
    reservation = book(english_teacher, pool, django_capture_on_commit_callbacks)
    (confirmation,) = mailoutbox
    (confirmed,) = calendar_of(confirmation).walk("VEVENT")
    staff = MembershipFactory(organization=organization, role=Role.STAFF).user
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(by=staff, reservation=reservation, now=NOW)

    cancellation = mailoutbox[-1]
    assert cancellation is not confirmation
    (cancelled,) = calendar_of(cancellation).walk("VEVENT")
    assert str(cancelled["uid"]) == str(confirmed["uid"])
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled.get("sequence", 0)) > int(confirmed.get("sequence", 0))


def test_a_request_tells_the_owner_s_staff_in_their_language(
    organization, other_organization, django_capture_on_commit_callbacks, mailoutbox
):
    shared = DevicePoolFactory(organization=other_organization, booking_scope="region")
    DeviceFactory(pool=shared)
    keeper = MembershipFactory(organization=other_organization, role=Role.STAFF).user
    keeper.preferred_language = "en"
    keeper.save()
    MembershipFactory(organization=other_organization, role=Role.TEACHER)  # not told
    asker = MembershipFactory(organization=organization, role=Role.TEACHER).user
    with django_capture_on_commit_callbacks(execute=True):
        request_ = services.reserve(
            by=asker, pool=shared, quantity=1, start=tomorrow(8), end=tomorrow(9)
        )
    assert request_.status == "requested"
    to_staff = [message for message in mailoutbox if message.to == [keeper.email]]
    assert len(to_staff) == 1 and len(mailoutbox) == 2  # the keeper, and the asker
    assert to_staff[0].subject == f"Request to confirm: {shared.name}"
    assert str(asker) in to_staff[0].body and "/desk/requests/" in to_staff[0].body


def test_a_weekly_request_tells_the_staff_once_with_the_number_of_dates(
    organization, other_organization, django_capture_on_commit_callbacks, mailoutbox
):
    shared = DevicePoolFactory(organization=other_organization, booking_scope="region")
    DeviceFactory(pool=shared)
    keeper = MembershipFactory(organization=other_organization, role=Role.ORG_ADMIN).user
    asker = MembershipFactory(organization=organization, role=Role.TEACHER).user
    first = tomorrow(8).date()
    with django_capture_on_commit_callbacks(execute=True):
        services.book_series(
            by=asker,
            pool=shared,
            quantity=1,
            first_date=first,
            until=first + datetime.timedelta(weeks=2),
            start_time=datetime.time(8),
            end_time=datetime.time(9),
        )
    to_staff = [message for message in mailoutbox if message.to == [keeper.email]]
    assert len(to_staff) == 1
    assert "an 3 Terminen" in to_staff[0].body  # German by default
