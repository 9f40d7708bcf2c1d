"""A client that retries at once (a double click, a network retry) sends the same POST with
the same Idempotency-Key several times at the same moment: exactly one reservation is made,
and every other request gets the first answer or a 409 saying the first one is still being
answered. The control sends the same requests without the key and shows that the race is
visible: more than one reservation."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import create_api_token
from booking.models import Reservation
from organizations.models import Role
from tests.concurrency.race import race
from tests.factories import DeviceFactory, DevicePoolFactory, MembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


@pytest.fixture
def pool(organization):
    pool = DevicePoolFactory(organization=organization)
    DeviceFactory.create_batch(THREADS * 2, pool=pool)
    return pool


@pytest.fixture
def secret(organization):
    teacher = MembershipFactory(organization=organization, role=Role.TEACHER).user
    return create_api_token(by=teacher, name="retrying client")[1]


def _body(pool) -> str:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=7 - today.weekday())
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8)))
    return json.dumps(
        {
            "pool_id": pool.pk,
            "quantity": 1,
            "start": start.isoformat(),
            "end": (start + datetime.timedelta(minutes=90)).isoformat(),
        }
    )


def _send_all(pool, secret, key: str | None) -> list[int]:
    statuses: list[int] = []
    headers = {"Authorization": f"Bearer {secret}"}
    if key is not None:
        headers["Idempotency-Key"] = key

    def send() -> None:
        response = Client(headers=headers).post(
            "/api/v1/reservations", _body(pool), content_type="application/json"
        )
        statuses.append(response.status_code)

    outcomes = race([send] * THREADS, classify=lambda error: f"error: {error!r}")
    assert outcomes == ["ok"] * THREADS, outcomes
    return statuses


def test_the_same_key_at_once_books_once(pool, secret):
    statuses = _send_all(pool, secret, key="double-click")
    assert Reservation.objects.count() == 1
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses


def test_control_without_the_key_the_same_requests_book_several_times(pool, secret):
    _send_all(pool, secret, key=None)
    assert Reservation.objects.count() > 1
