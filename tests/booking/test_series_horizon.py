"""How far ahead a pool may be booked holds for every date of a series as it does for a
single booking, at every door: the booking page (preview and booking) and the API. The
clock stands still on Monday 07.12.2026, 09:00; the pool may be booked 30 days ahead, so
until Wednesday 06.01.2027 09:00."""

from __future__ import annotations

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format

from accounts.services import create_api_token
from booking.models import Reservation, Series
from tests.booking.conftest import ipad_case
from tests.factories import DOUBLE_LESSON, DeviceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages", "english_default")]

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)
TUESDAY = datetime.date(2026, 12, 8)
# Tuesdays 08.12. to 16.02.: 08.12., 15.12., 22.12., 29.12. and 05.01. lie within 30 days;
# 12.01., 19.01., 26.01., 02.02., 09.02. and 16.02. do not.
UNTIL = datetime.date(2027, 2, 16)
WITHIN = [TUESDAY + datetime.timedelta(weeks=n) for n in range(5)]
BEYOND = [TUESDAY + datetime.timedelta(weeks=n) for n in range(5, 11)]


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pool(organization):
    return ipad_case(organization, periods=DOUBLE_LESSON, max_days_ahead=30)


def form(**overrides) -> dict:
    return {
        "date": TUESDAY.isoformat(),
        "first_period": "3",
        "last_period": "4",
        "start_time": "",
        "end_time": "",
        "quantity": "25",
        "purpose": "Mathe 7b",
        "repeat": "weekly",
        "until": UNTIL.isoformat(),
    } | overrides


def test_the_preview_names_the_dates_beyond_how_far_ahead(client, teacher, pool):
    client.force_login(teacher)
    response = client.post(f"/pools/{pool.pk}/book/", form())
    html = response.content.decode()
    assert response.status_code == 200
    assert "6 dates are after 06.01. and will not be booked" in html
    assert "12.01., 19.01., 26.01., 02.02., 09.02., 16.02." in html
    for day in WITHIN:
        assert f'name="dates" value="{day.isoformat()}"' in html
    for day in BEYOND:
        assert f'name="dates" value="{day.isoformat()}"' not in html
    assert not Series.objects.exists()


def test_the_page_books_only_the_dates_within_reach(client, teacher, pool):
    client.force_login(teacher)
    chosen = {"dates": [day.isoformat() for day in WITHIN], "confirm": "1"}
    response = client.post(f"/pools/{pool.pk}/book/", form() | chosen)
    assert response.status_code == 302
    booked = [r.start.astimezone(BERLIN).date() for r in Reservation.objects.order_by("start")]
    assert booked == WITHIN


def test_the_page_refuses_a_date_beyond_it_sent_anyway(client, teacher, pool):
    client.force_login(teacher)
    forged = {"dates": [WITHIN[0].isoformat(), BEYOND[0].isoformat()], "confirm": "1"}
    response = client.post(f"/pools/{pool.pk}/book/", form() | forged)
    html = response.content.decode()
    assert response.status_code == 400
    assert "12.01.2027" in html and "at most 30 days ahead" in html
    assert not Reservation.objects.exists() and not Series.objects.exists()


def api(user) -> Client:
    _token, secret = create_api_token(by=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def api_body(pool, **overrides) -> str:
    return json.dumps(
        {
            "pool_id": pool.pk,
            "quantity": 25,
            "first_date": TUESDAY.isoformat(),
            "until": UNTIL.isoformat(),
            "start_time": "09:45",
            "end_time": "11:15",
            "purpose": "Mathe 7b",
        }
        | overrides
    )


def test_the_api_books_the_dates_within_reach_and_names_the_others(teacher, pool):
    response = api(teacher).post("/api/v1/series", api_body(pool), content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert [r["start"][:10] for r in data["reservations"]] == [d.isoformat() for d in WITHIN]
    assert [s["date"] for s in data["skipped"]] == [d.isoformat() for d in BEYOND]
    assert all("at most 30 days ahead" in s["reason"] for s in data["skipped"])
    assert Reservation.objects.count() == 5


def test_the_api_refuses_a_date_beyond_it_asked_for(teacher, pool):
    body = api_body(pool, dates=[WITHIN[0].isoformat(), BEYOND[0].isoformat()])
    response = api(teacher).post("/api/v1/series", body, content_type="application/json")
    assert response.status_code == 409
    with translation.override("en"):  # the API answers in the site's language
        assert date_format(BEYOND[0], "SHORT_DATE_FORMAT") in response.json()["detail"]
    assert "at most 30 days ahead" in response.json()["detail"]
    assert not Reservation.objects.exists() and not Series.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"quantity": 0},
        {"interval_weeks": 3},
        {"first_date": "2026-13-01"},
        {"until": "9999-12-31"},
        {"start_time": "25:00"},
        {"dates": "2026-12-08"},
    ],
    ids=["no devices", "every third week", "no such day", "year 9999", "no such time", "dates"],
)
def test_bad_series_input_to_the_api_is_422_and_writes_nothing(teacher, pool, overrides):
    body = api_body(pool, **overrides)
    response = api(teacher).post("/api/v1/series", body, content_type="application/json")
    assert response.status_code == 422
    assert not Series.objects.exists()


def test_the_series_api_is_404_for_a_pool_outside_the_callers_scope(outsider, pool):
    response = api(outsider).post("/api/v1/series", api_body(pool), content_type="application/json")
    assert response.status_code == 404
    assert not Series.objects.exists()


def test_the_series_api_takes_only_post(teacher, pool):
    assert api(teacher).get("/api/v1/series").status_code == 405


def test_the_series_api_refuses_a_pool_lent_to_residents(teacher, other_organization):
    from tests.factories import LendingPoolFactory

    lending = LendingPoolFactory(organization=other_organization)
    DeviceFactory.create_batch(5, pool=lending)
    body = api_body(lending, quantity=1)
    response = api(teacher).post("/api/v1/series", body, content_type="application/json")
    assert response.status_code == 409
    assert "lent to residents" in response.json()["detail"]
    assert not Series.objects.exists()
