"""One rule, every door (issue #15): a pool lent to residents is reserved only through the
lending service (its overdue block, agreement, horizon, per-person limit and waiting list),
so the teachers' booking form, the series form and ``POST /api/v1/reservations`` refuse it;
and a single booking on a closure day is refused, as series skip closures. Each door answers
with a clear 4xx and writes nothing."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import create_api_token
from booking.models import Reservation, Series
from organizations.models import Role
from tests.factories import (
    ClosureFactory,
    DeviceFactory,
    LendingPoolFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages", "english_default")]


def api(user) -> Client:
    _token, secret = create_api_token(by=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def next_monday() -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=7 - today.weekday())


def local(day: datetime.date, hour: int) -> str:
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    return moment.isoformat()


@pytest.fixture
def lending_pool(db):
    pool = LendingPoolFactory(name="E-Reader", per_person_limit=1)
    DeviceFactory.create_batch(3, pool=pool)
    return pool


@pytest.fixture
def library_member(lending_pool):
    """Someone with a role at the library: the booking form is open to them."""
    return MembershipFactory(organization=lending_pool.organization, role=Role.TEACHER).user


# --- pools lent to residents ---------------------------------------------------------------


def test_the_api_refuses_a_pool_lent_to_residents(lending_pool):
    resident = UserFactory()
    day = next_monday()
    payload = {
        "pool_id": lending_pool.pk,
        "quantity": 1,
        "start": local(day, 10),
        "end": local(day, 12),
    }
    response = api(resident).post(
        "/api/v1/reservations", json.dumps(payload), content_type="application/json"
    )
    assert 400 <= response.status_code < 500 and response.status_code != 404
    assert "lent to residents" in response.json()["detail"]
    assert not Reservation.objects.exists()


def test_the_booking_form_refuses_a_pool_lent_to_residents(client, library_member, lending_pool):
    client.force_login(library_member)
    day = next_monday()
    data = {
        "date": day.isoformat(),
        "start_time": "10:00",
        "end_time": "12:00",
        "quantity": "1",
        "purpose": "",
        "repeat": "once",
        "until": "",
    }
    response = client.post(f"/pools/{lending_pool.pk}/book/", data)
    assert response.status_code == 400
    assert "lent to residents" in response.content.decode()
    assert not Reservation.objects.exists()


def test_the_series_form_refuses_a_pool_lent_to_residents(client, library_member, lending_pool):
    client.force_login(library_member)
    day = next_monday()
    data = {
        "date": day.isoformat(),
        "start_time": "10:00",
        "end_time": "12:00",
        "quantity": "1",
        "purpose": "",
        "repeat": "weekly",
        "until": (day + datetime.timedelta(weeks=3)).isoformat(),
    }
    preview = client.post(f"/pools/{lending_pool.pk}/book/", data)
    dates = [(day + datetime.timedelta(weeks=n)).isoformat() for n in range(4)]
    confirmed = client.post(
        f"/pools/{lending_pool.pk}/book/", data | {"confirm": "1", "dates": dates}
    )
    for response in (preview, confirmed):
        assert response.status_code == 400
        assert "lent to residents" in response.content.decode()
    assert not Reservation.objects.exists() and not Series.objects.exists()


# --- closure days --------------------------------------------------------------------------


@pytest.fixture
def closed_day(organization):
    day = next_monday()
    ClosureFactory(
        organization=organization,
        name="Studientag",
        start=day,
        end=day + datetime.timedelta(days=1),
    )
    return day


def test_the_api_refuses_a_booking_on_a_closure_day(teacher, pool, closed_day):
    payload = {
        "pool_id": pool.pk,
        "quantity": 2,
        "start": local(closed_day, 8),
        "end": local(closed_day, 10),
    }
    response = api(teacher).post(
        "/api/v1/reservations", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 409
    assert "Studientag" in response.json()["detail"]
    assert not Reservation.objects.exists()


def test_the_booking_form_refuses_a_closure_day(client, teacher, pool, closed_day):
    client.force_login(teacher)
    data = {
        "date": closed_day.isoformat(),
        "start_time": "08:00",
        "end_time": "10:00",
        "quantity": "2",
        "purpose": "",
        "repeat": "once",
        "until": "",
    }
    response = client.post(f"/pools/{pool.pk}/book/", data)
    assert response.status_code == 400
    assert "Studientag" in response.content.decode()
    assert not Reservation.objects.exists()


def test_a_booking_the_day_after_a_closure_is_fine(teacher, pool, closed_day):
    day = closed_day + datetime.timedelta(days=1)
    payload = {
        "pool_id": pool.pk,
        "quantity": 2,
        "start": local(day, 8),
        "end": local(day, 10),
    }
    response = api(teacher).post(
        "/api/v1/reservations", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 201
