"""When a device leaves service (repair, lost) and the confirmed bookings of its pool then
need more devices than are left, the affected upcoming bookings are marked and their people
emailed once; when it comes back, the mark goes.

The check runs after the status change commits (signal → task), with the real clock, so the
bookings here lie a few days after today."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from booking import services
from booking.models import Reservation
from devices import services as device_services
from devices.models import Device
from devices.services import change_status
from tests.booking.conftest import tomorrow
from tests.factories import DeviceFactory, DevicePoolFactory, ReservationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def in_days(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def pool(organization):
    pool = DevicePoolFactory(organization=organization, name="Koffer Physik")
    DeviceFactory.create_batch(4, pool=pool)
    return pool


@pytest.fixture
def anna(db):
    return UserFactory(preferred_language="en")


@pytest.fixture
def ben(db):
    return UserFactory(preferred_language="en")


@pytest.fixture
def bookings(pool, anna, ben):
    """Two bookings that need every device at once, one that needs half, and others that
    do not count: over already, only requested."""
    return {
        "anna": ReservationFactory(
            pool=pool, user=anna, quantity=2, start=in_days(3, 8), end=in_days(3, 10)
        ),
        "ben": ReservationFactory(
            pool=pool, user=ben, quantity=2, start=in_days(3, 9), end=in_days(3, 11)
        ),
        "half": ReservationFactory(pool=pool, quantity=2, start=in_days(4, 8), end=in_days(4, 9)),
        "past": ReservationFactory(pool=pool, quantity=4, start=in_days(-3, 8), end=in_days(-3, 9)),
        "requested": ReservationFactory(
            pool=pool, quantity=4, start=in_days(5, 8), end=in_days(5, 9), status="requested"
        ),
    }


def marked() -> set[str]:
    return set(Reservation.objects.filter(shortfall=True).values_list("purpose", flat=True))


def flags(bookings) -> dict[str, bool]:
    return {
        name: Reservation.objects.get(pk=reservation.pk).shortfall
        for name, reservation in bookings.items()
    }


def test_a_device_going_to_repair_marks_the_affected_bookings_and_emails_them_once(
    staff, pool, bookings, anna, ben, django_capture_on_commit_callbacks, mailoutbox
):
    device = pool.devices.first()
    with django_capture_on_commit_callbacks(execute=True):
        change_status(by=staff, device=device, status=Device.Status.IN_REPAIR, reason="Akku")
    assert flags(bookings) == {
        "anna": True,
        "ben": True,
        "half": False,
        "past": False,
        "requested": False,
    }
    assert sorted(message.to[0] for message in mailoutbox) == sorted([anna.email, ben.email])
    assert all(
        message.subject == "Not enough devices for your booking: Koffer Physik"
        for message in mailoutbox
    )
    assert all("gone to repair or are lost" in message.body for message in mailoutbox)

    # Checking again (another device status change, or the task run twice) sends nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.update_shortfalls(pool_id=pool.pk) == []
        other = DeviceFactory(pool=DevicePoolFactory(organization=pool.organization))
        change_status(by=staff, device=other, status=Device.Status.LOST, reason="Weg")
    assert len(mailoutbox) == 2


def test_the_device_coming_back_clears_the_mark(
    staff, pool, bookings, django_capture_on_commit_callbacks, mailoutbox
):
    device = pool.devices.first()
    with django_capture_on_commit_callbacks(execute=True):
        change_status(by=staff, device=device, status=Device.Status.LOST, reason="Nicht zurück")
    assert flags(bookings)["anna"]
    with django_capture_on_commit_callbacks(execute=True):
        change_status(by=staff, device=device, status=Device.Status.IN_SERVICE, reason="Gefunden")
    assert not any(flags(bookings).values())
    assert len(mailoutbox) == 2  # nobody is emailed about the all-clear twice


def test_cancelling_an_affected_booking_clears_the_others(
    staff, pool, bookings, anna, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change_status(
            by=staff, device=pool.devices.first(), status=Device.Status.IN_REPAIR, reason="Akku"
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(by=anna, reservation=bookings["anna"])
    assert flags(bookings) == {
        "anna": False,
        "ben": False,
        "half": False,
        "past": False,
        "requested": False,
    }


def test_a_second_device_leaving_marks_bookings_that_now_fall_short(
    staff, pool, bookings, django_capture_on_commit_callbacks, mailoutbox
):
    first, second, third = pool.devices.all()[:3]
    with django_capture_on_commit_callbacks(execute=True):
        change_status(by=staff, device=first, status=Device.Status.IN_REPAIR, reason="Akku")
        change_status(by=staff, device=second, status=Device.Status.IN_REPAIR, reason="Akku")
    assert len(mailoutbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        change_status(by=staff, device=third, status=Device.Status.RETIRED, reason="Alt")
    # One device left: the booking of two the next day is short now; only its person is told.
    assert flags(bookings)["half"]
    assert len(mailoutbox) == 3


def test_the_check_ignores_bookings_that_are_over(pool, bookings):
    Device.objects.filter(pk__in=list(pool.devices.values_list("pk", flat=True)[:3])).update(
        status=Device.Status.IN_REPAIR
    )
    newly = services.update_shortfalls(pool_id=pool.pk, now=in_days(3, 10))
    # At 10:00 Anna's booking is over; Ben's is still running and the next day's is to come.
    assert set(newly) == {bookings["ben"].pk, bookings["half"].pk}
    assert not Reservation.objects.get(pk=bookings["past"].pk).shortfall


@pytest.fixture
def pool_of_three(organization):
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 1")
    for number in range(3):
        DeviceFactory(pool=pool, asset_tag=f"KRG-{number}")
    return pool


def test_moving_a_device_out_of_its_pool_marks_the_shortfall_and_tells_the_teacher(
    staff, teacher, pool_of_three, organization, django_capture_on_commit_callbacks, mailoutbox
):
    pool = pool_of_three
    other = DevicePoolFactory(organization=organization, name="Reserve")
    booking = ReservationFactory(
        pool=pool, user=teacher, quantity=3, start=tomorrow(8), end=tomorrow(10)
    )
    device = pool.devices.first()
    with django_capture_on_commit_callbacks(execute=True):
        device_services.update_device(by=staff, device=device, pool=other)
    booking.refresh_from_db()
    assert booking.shortfall
    assert [message.to for message in mailoutbox] == [[teacher.email]]
    with django_capture_on_commit_callbacks(execute=True):
        device_services.update_device(by=staff, device=device, pool=pool)
    booking.refresh_from_db()
    assert not booking.shortfall
