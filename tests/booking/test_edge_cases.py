"""Edges found in review: odd query values that must not be a 500, a device moved out of its
pool, staff cancelling the rest of a series, and the requests page across many pools."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from booking import services
from booking.models import Reservation
from devices import services as device_services
from organizations.models import Role
from tests.factories import (
    DeviceFactory,
    DevicePoolFactory,
    MembershipFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


@pytest.fixture
def pool(organization):
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 1")
    for number in range(3):
        DeviceFactory(pool=pool, asset_tag=f"KRG-{number}")
    return pool


def tomorrow(hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_a_quantity_in_odd_digits_is_ignored_not_a_500(client, teacher, pool):
    client.force_login(teacher)
    response = client.get(f"/pools/{pool.pk}/book/", {"quantity": "²"})
    assert response.status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_desk_and_pool_calendar_refuse_extreme_days_with_a_400(client, staff, pool, day):
    client.force_login(staff)
    for url in ("/desk/", f"/pools/{pool.pk}/calendar/"):
        response = client.get(url, {"date": day})
        assert response.status_code == 400, url
        assert "between the years 2000 and 2100" in response.content.decode()


def test_a_pool_feed_token_with_a_nul_byte_is_a_404(client, pool):
    assert client.get(f"/calendar/pools/{pool.pk}/a%00b.ics").status_code == 404


def test_moving_a_device_out_of_its_pool_marks_the_shortfall_and_tells_the_teacher(
    staff, teacher, pool, organization, django_capture_on_commit_callbacks, mailoutbox
):
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


def test_staff_cancelling_the_rest_of_a_series_tell_the_teacher_once(
    staff, teacher, pool, django_capture_on_commit_callbacks, mailoutbox
):
    first = tomorrow(8).date()
    series = services.book_series(
        by=teacher,
        pool=pool,
        quantity=1,
        first_date=first,
        until=first + datetime.timedelta(weeks=3),
        start_time=datetime.time(8),
        end_time=datetime.time(9),
    )
    second = series.reservations.order_by("start")[1]
    with django_capture_on_commit_callbacks(execute=True):
        count = services.cancel_rest_of_series(by=staff, reservation=second)
    assert count == 3
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [teacher.email]
    assert teacher.preferred_language == "de"
    assert mailoutbox[0].subject.startswith("Wöchentliche Buchung storniert")


@pytest.mark.parametrize("pools", [3, 30])
def test_the_requests_page_runs_the_same_queries_for_3_or_30_pools(
    client, django_assert_max_num_queries, other_organization, pools
):
    region_admin = UserFactory(is_region_admin=True)
    asker = MembershipFactory(organization=other_organization, role=Role.TEACHER).user
    for number in range(pools):
        shared = DevicePoolFactory(booking_scope="region", name=f"Geteilt {number}")
        DeviceFactory(pool=shared)
        ReservationFactory(
            pool=shared, user=asker, start=tomorrow(8), end=tomorrow(9), status="requested"
        )
    client.force_login(region_admin)
    with django_assert_max_num_queries(12):
        response = client.get("/desk/requests/")
    assert response.status_code == 200
    assert response.content.decode().count("Confirm") >= pools
    assert Reservation.objects.filter(status="requested").count() == pools


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
