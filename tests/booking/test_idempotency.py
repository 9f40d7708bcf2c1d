"""Submitting twice makes one booking (issue #15), over the API: ``Idempotency-Key``. The same
key with the same body within 24 hours returns the first answer and books nothing more; the
same key with a different body is a 409; without a key, two identical requests book twice
(the control that shows the test can see a double booking)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from accounts.idempotency import forget_old_keys
from accounts.models import IdempotentRequest
from accounts.services import create_api_token
from booking.models import Reservation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_default")]


def api(user) -> Client:
    _token, secret = create_api_token(by=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def payload(pool, **values) -> str:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=7 - today.weekday())
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8)))
    data = {
        "pool_id": pool.pk,
        "quantity": 2,
        "start": start.isoformat(),
        "end": (start + datetime.timedelta(minutes=90)).isoformat(),
        "purpose": "7b",
        **values,
    }
    return json.dumps(data)


def post(client, body, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        "/api/v1/reservations", body, content_type="application/json", headers=headers
    )


def test_without_a_key_two_identical_requests_book_twice(teacher, pool):
    """The control: what the key prevents really happens without it."""
    client = api(teacher)
    assert post(client, payload(pool)).status_code == 201
    assert post(client, payload(pool)).status_code == 201
    assert Reservation.objects.count() == 2


def test_the_same_key_and_body_returns_the_first_answer_and_books_once(teacher, pool):
    client = api(teacher)
    first = post(client, payload(pool), key="booking-1")
    again = post(client, payload(pool), key="booking-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Reservation.objects.count() == 1


def test_the_same_key_with_a_different_body_is_a_409(teacher, pool):
    client = api(teacher)
    assert post(client, payload(pool), key="booking-1").status_code == 201
    response = post(client, payload(pool, quantity=3), key="booking-1")
    assert response.status_code == 409
    assert "different request" in response.json()["detail"]
    assert Reservation.objects.count() == 1


def test_keys_of_different_people_never_meet(teacher, staff, pool):
    assert post(api(teacher), payload(pool), key="k").status_code == 201
    assert post(api(staff), payload(pool), key="k").status_code == 201
    assert Reservation.objects.count() == 2


def test_a_refusal_is_the_first_answer_too(teacher, pool):
    client = api(teacher)
    first = post(client, payload(pool, quantity=50), key="too-many")
    again = post(client, payload(pool, quantity=50), key="too-many")
    assert first.status_code == again.status_code == 409
    assert again.json() == first.json() and not Reservation.objects.exists()


def test_after_24_hours_the_key_is_forgotten(teacher, pool):
    client = api(teacher)
    assert post(client, payload(pool), key="k").status_code == 201
    IdempotentRequest.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert post(client, payload(pool), key="k").status_code == 201
    assert Reservation.objects.count() == 2
    IdempotentRequest.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert forget_old_keys(timezone.now()) == 1 and not IdempotentRequest.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "a\tb"])
def test_a_bad_key_is_a_400_and_books_nothing(teacher, pool, key):
    response = post(api(teacher), payload(pool), key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Reservation.objects.exists()
