"""Undo instead of only asking: after a teacher cancels one booking (on the confirmation
page), the success message offers "Rückgängig machen" for ten minutes. The undo goes through
``services.restore``, which holds the devices again (``booking.capacity.hold``) and refuses
when they were taken meanwhile, after the window, or for someone else's booking."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from html import unescape

import pytest
import time_machine

from accounts.models import AuditLog
from booking import services
from booking.models import Reservation
from organizations.models import Role
from tests.factories import (
    ClosureFactory,
    DeviceFactory,
    MembershipFactory,
    give_hours,
    pool_with_devices,
)

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
MONDAY_MORNING = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN)
LESSON_START = datetime.datetime(2026, 12, 15, 9, 45, tzinfo=BERLIN)  # Tuesday next week
LESSON_END = datetime.datetime(2026, 12, 15, 11, 15, tzinfo=BERLIN)
UNDO_FORM = re.compile(
    r'<form method="post" action="/bookings/(\d+)/restore/" class="message-undo">.*?'
    r"Rückgängig machen",
    re.S,
)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pool(organization):
    return pool_with_devices(organization, 4, name="iPad-Koffer 1")


@pytest.fixture
def booking(teacher, pool):
    return services.reserve(
        by=teacher,
        pool=pool,
        quantity=3,
        start=LESSON_START,
        end=LESSON_END,
        purpose="Mathe 7b",
    )


def cancel(client, booking):
    return client.post(f"/bookings/{booking.pk}/cancel/", {"scope": "one"}, follow=True)


def status(booking) -> str:
    return Reservation.objects.get(pk=booking.pk).status


def test_the_message_after_cancelling_offers_undo_and_undo_brings_the_booking_back(
    client, teacher, booking
):
    client.force_login(teacher)

    html = cancel(client, booking).content.decode()

    assert status(booking) == "cancelled"
    assert "Storniert: Mathe 7b, iPad-Koffer 1" in html
    assert "Sie können das bis 10:10 Uhr rückgängig machen." in html
    assert UNDO_FORM.search(html).group(1) == str(booking.pk)

    html = client.post(f"/bookings/{booking.pk}/restore/", follow=True).content.decode()

    assert status(booking) == "confirmed"
    assert Reservation.objects.get(pk=booking.pk).cancelled_at is None
    assert "Wiederhergestellt: Mathe 7b, iPad-Koffer 1" in html
    assert not UNDO_FORM.search(html)
    entry = AuditLog.objects.get(action="booking.restored")
    assert entry.actor == teacher and entry.target_id == str(booking.pk)


def test_undo_is_refused_when_the_devices_were_booked_meanwhile(
    client, teacher, organization, pool, booking
):
    client.force_login(teacher)
    cancel(client, booking)
    colleague = MembershipFactory(organization=organization, role=Role.TEACHER).user
    services.reserve(by=colleague, pool=pool, quantity=2, start=LESSON_START, end=LESSON_END)

    html = client.post(f"/bookings/{booking.pk}/restore/", follow=True).content.decode()

    assert status(booking) == "cancelled"
    assert "kann nicht wiederhergestellt werden" in html
    assert "Nur 2 Geräte sind für die ganze Zeit frei." in html
    assert not AuditLog.objects.filter(action="booking.restored").exists()


def test_undo_is_refused_when_the_opening_hours_changed_meanwhile(
    client, teacher, organization, booking
):
    """The school opens on Tuesdays only from noon now: the restored booking would be picked
    up outside its hours, so the undo asks the same rule as booking and approving do."""
    client.force_login(teacher)
    cancel(client, booking)
    give_hours(organization, {1: "12-16"})

    response = client.post(f"/bookings/{booking.pk}/restore/", follow=True)

    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert status(booking) == "cancelled"
    assert Reservation.objects.get(pk=booking.pk).cancelled_at is not None
    assert (
        "Die Buchung kann nicht wiederhergestellt werden: "
        "Die Öffnungszeiten haben sich seitdem geändert." in html
    )
    assert "Kronberg-Gymnasium hat am Dienstag, 15.12. nur 12:00–16:00 geöffnet" in html
    assert "Wiederhergestellt" not in html
    assert not AuditLog.objects.filter(action="booking.restored").exists()


def test_undo_is_refused_on_a_day_closed_meanwhile(teacher, organization, booking):
    services.cancel(by=teacher, reservation=booking)
    ClosureFactory(
        organization=organization,
        name="Pädagogischer Tag",
        start=LESSON_START.date(),
        end=LESSON_START.date() + datetime.timedelta(days=1),
    )

    with pytest.raises(services.NotRestorable, match="Pädagogischer Tag"):
        services.restore(by=teacher, reservation=Reservation.objects.get(pk=booking.pk))
    assert status(booking) == "cancelled"
    assert not AuditLog.objects.filter(action="booking.restored").exists()


def test_undo_works_when_the_new_opening_hours_still_hold_the_booking(
    teacher, organization, booking
):
    services.cancel(by=teacher, reservation=booking)
    give_hours(organization, {1: "8-12"})

    restored = services.restore(by=teacher, reservation=Reservation.objects.get(pk=booking.pk))

    assert restored.status == "confirmed"
    assert status(booking) == "confirmed"


def test_undo_is_refused_after_ten_minutes(client, teacher, booking, clock):
    client.force_login(teacher)
    cancel(client, booking)
    clock.shift(datetime.timedelta(minutes=9, seconds=59))
    # Within the window it would still work: the refusal below is the clock's doing.
    assert services.undo_cancel_until(Reservation.objects.get(pk=booking.pk)) > (
        MONDAY_MORNING + datetime.timedelta(minutes=9, seconds=59)
    )
    clock.shift(datetime.timedelta(seconds=2))

    html = client.post(f"/bookings/{booking.pk}/restore/", follow=True).content.decode()

    assert status(booking) == "cancelled"
    assert "Die 10 Minuten zum Rückgängigmachen sind vorbei" in html
    assert not AuditLog.objects.filter(action="booking.restored").exists()


def test_another_user_cannot_undo(client, teacher, organization, pool, booking):
    client.force_login(teacher)
    cancel(client, booking)
    colleague = MembershipFactory(organization=organization, role=Role.TEACHER).user
    staff = MembershipFactory(organization=organization, role=Role.STAFF).user
    for other in (colleague, staff):
        client.force_login(other)
        assert client.post(f"/bookings/{booking.pk}/restore/").status_code == 404
    assert status(booking) == "cancelled"


def test_undo_is_a_post(client, teacher, booking):
    client.force_login(teacher)
    cancel(client, booking)
    assert client.get(f"/bookings/{booking.pk}/restore/").status_code == 405
    assert status(booking) == "cancelled"


def test_a_booking_staff_cancelled_offers_no_undo_and_cannot_be_restored(
    client, teacher, organization, booking
):
    staff = MembershipFactory(organization=organization, role=Role.STAFF).user
    client.force_login(staff)
    html = cancel(client, booking).content.decode()
    assert status(booking) == "cancelled" and not UNDO_FORM.search(html)

    client.force_login(teacher)
    html = client.post(f"/bookings/{booking.pk}/restore/", follow=True).content.decode()

    assert status(booking) == "cancelled"
    assert "vom Personal des Gerätesets storniert" in html


def test_cancelling_the_rest_of_a_series_offers_no_undo(client, teacher, pool):
    series = services.book_series(
        by=teacher,
        pool=pool,
        quantity=1,
        first_date=LESSON_START.date(),
        until=LESSON_START.date() + datetime.timedelta(weeks=2),
        start_time=datetime.time(9, 45),
        end_time=datetime.time(11, 15),
    )
    first = series.reservations.order_by("start").first()
    client.force_login(teacher)

    html = client.post(f"/bookings/{first.pk}/cancel/", {"scope": "rest"}, follow=True)

    assert "Storniert" in html.content.decode() and not UNDO_FORM.search(html.content.decode())


# --- the service -------------------------------------------------------------------------


def test_a_restored_request_is_a_request_again(other_organization, pool):
    """A teacher of another school asked for a region-shared pool and cancelled: the undo
    brings back the request, not a confirmed booking nobody approved."""
    pool.booking_scope = "region"
    pool.save(update_fields=["booking_scope"])
    asker = MembershipFactory(organization=other_organization, role=Role.TEACHER).user
    request = services.reserve(by=asker, pool=pool, quantity=1, start=LESSON_START, end=LESSON_END)
    assert request.status == "requested"
    services.cancel(by=asker, reservation=request)

    restored = services.restore(by=asker, reservation=Reservation.objects.get(pk=request.pk))

    assert restored.status == "requested"


def test_restore_refuses_a_booking_that_has_begun(teacher, booking, clock):
    services.cancel(by=teacher, reservation=booking)
    with time_machine.travel(LESSON_START + datetime.timedelta(minutes=1), tick=False):
        # Cancelled a minute before it began: still within ten minutes, but it has begun.
        reservation = Reservation.objects.get(pk=booking.pk)
        reservation.cancelled_at = LESSON_START - datetime.timedelta(minutes=1)
        reservation.save(update_fields=["cancelled_at"])
        with pytest.raises(services.NotRestorable):
            services.restore(by=teacher, reservation=reservation)
    assert status(booking) == "cancelled"


def test_restore_refuses_a_booking_that_is_not_cancelled(teacher, booking):
    with pytest.raises(services.NotRestorable):
        services.restore(by=teacher, reservation=booking)
    assert status(booking) == "confirmed"


def test_a_residents_reservation_comes_back_only_through_lending(resident):
    from tests.factories import LendingPoolFactory, OrganizationFactory, ReservationFactory

    library = OrganizationFactory(kind="library")
    lending = LendingPoolFactory(organization=library)
    DeviceFactory(pool=lending)
    reservation = ReservationFactory(
        pool=lending, user=resident, quantity=1, start=LESSON_START, end=LESSON_END
    )
    services.cancel(by=resident, reservation=reservation)

    with pytest.raises(services.InvalidBooking):
        services.restore(by=resident, reservation=Reservation.objects.get(pk=reservation.pk))
    assert status(reservation) == "cancelled"
