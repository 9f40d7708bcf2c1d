"""API rate limits (core/throttling.py): per client address, per personal API token, and for
the open-data statistics (API and CSV); 429 with Retry-After."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from ninja.conf import settings as ninja_settings

from accounts.services import create_api_token
from core.throttling import api_throttles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_default")]

NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)
STATISTICS = "/api/v1/statistics?period=2026&scope=region"


@pytest.fixture
def rates(settings):
    """No limit unless the test sets one."""
    settings.LERNPOOL_API_RATES = {"address": None, "token": None, "open_data": None}
    return settings.LERNPOOL_API_RATES


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_an_address_over_its_limit_gets_429_with_retry_after(client, rates, clock):
    rates["address"] = "3/m"
    for _ in range(3):
        assert client.get("/api/v1/health").status_code == 200
    clock.shift(datetime.timedelta(seconds=20))
    response = client.get("/api/v1/health")
    assert response.status_code == 429
    assert response["Retry-After"] == "40"  # the first of the three leaves the minute then
    assert response.json() == {"detail": "Too many requests. Please wait a moment."}
    assert client.get("/api/v1/health", REMOTE_ADDR="192.0.2.8").status_code == 200
    clock.shift(datetime.timedelta(seconds=41))
    assert client.get("/api/v1/health").status_code == 200


def test_each_token_has_its_own_limit(client, rates, teacher, staff):
    rates["token"] = "2/m"
    _, mine = create_api_token(by=teacher, name="Stundenplan")
    _, theirs = create_api_token(by=staff, name="Inventar")
    assert [client.get("/api/v1/me", **_bearer(mine)).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert client.get("/api/v1/me", **_bearer(theirs)).status_code == 200
    # Anonymous requests are limited by address only.
    assert client.get("/api/v1/health").status_code == 200


def test_behind_the_proxy_a_client_cannot_pick_a_new_address_per_request(
    client, rates, monkeypatch
):
    monkeypatch.setattr(ninja_settings, "NUM_PROXIES", 1)
    rates["address"] = "2/m"
    statuses = [
        client.get(
            "/api/v1/health",
            # The client made up the first address; the proxy added the one it saw.
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.5",
        ).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    other = client.get("/api/v1/health", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.6")
    assert other.status_code == 200


def test_the_open_data_statistics_have_a_stricter_limit_shared_by_api_and_csv(client, rates):
    rates["open_data"] = "2/m"
    assert client.get(STATISTICS).status_code == 200
    assert client.get("/opendata/statistics.csv?period=2026&scope=region").status_code == 200
    refused = client.get("/opendata/statistics.csv?period=2026&scope=region")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert client.get(STATISTICS).status_code == 429
    assert client.get("/api/v1/health").status_code == 200  # other operations are not


def test_the_api_document_declares_429_with_retry_after(client):
    document = client.get("/api/v1/openapi.json").json()
    answer = document["paths"]["/api/v1/statistics"]["get"]["responses"]["429"]
    assert "Retry-After" in answer["headers"]


def test_the_429_answer_is_in_german_by_default(client, rates, settings):
    settings.LANGUAGE_CODE = "de"
    rates["address"] = "1/m"
    client.get("/api/v1/health")
    response = client.get("/api/v1/health", HTTP_ACCEPT_LANGUAGE="de")
    assert response.json() == {"detail": "Zu viele Anfragen. Bitte warten Sie einen Moment."}


def test_a_request_one_limit_refuses_still_counts_for_the_others(client, rates, teacher, clock):
    rates["address"] = "3/m"
    rates["token"] = "2/m"
    _, mine = create_api_token(by=teacher, name="Stundenplan")
    _, other = create_api_token(by=teacher, name="Kalender")
    statuses = [client.get("/api/v1/me", **_bearer(mine)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # the token's limit; the address counted all three
    refused = client.get("/api/v1/me", **_bearer(other))
    assert refused.status_code == 429  # the address's limit, though this token is fresh
    assert refused["Retry-After"] == "60"
    clock.shift(datetime.timedelta(seconds=61))
    assert client.get("/api/v1/me", **_bearer(mine)).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # autocommit, as a request runs
def test_with_the_database_cache_the_limits_cost_two_queries_a_request(rates, settings, teacher):
    """Both limits read in one query and written in one (core.cache), not six statements and
    a commit each."""
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.DatabaseCache", "LOCATION": "lernpool_cache"}
    }
    call_command("createcachetable", verbosity=0)
    rates["address"] = rates["token"] = "100/m"
    _, secret = create_api_token(by=teacher, name="Stundenplan")
    request = RequestFactory().get("/api/v1/me", **_bearer(secret))
    request.auth = request.user = teacher
    [limits] = api_throttles()
    assert limits.allow_request(request)  # the rows are there now
    with CaptureQueriesContext(connection) as queries:
        assert limits.allow_request(request)
    assert len(queries) == 2
    assert [
        len(history) for history in cache.get_many([limit.key for limit in limits.limits]).values()
    ] == [2, 2]
