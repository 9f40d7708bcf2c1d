"""Input that must never be a server error: a NUL byte, digits that are not ASCII, an
oversized body or URL. Each is a clear 400 (or 414), under /api/ in the API's JSON shape."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.services import create_api_token
from core.request_input import MAX_URL_LENGTH, ascii_int, is_id, parse_id

from ..factories import DeviceFactory, DevicePoolFactory

pytestmark = pytest.mark.django_db


def _api(user) -> Client:
    _token, secret = create_api_token(by=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _is_api_error(response, status: int) -> bool:
    return (
        response.status_code == status
        and response["Content-Type"].startswith("application/json")
        and isinstance(response.json().get("detail"), str | list)
    )


def test_the_id_helper_takes_only_ascii_digits():
    assert ascii_int("42") == 42
    for bad in ("²", "٣", "4²", "", None, "-1", " 1", "1" * 20):
        assert ascii_int(bad) is None, bad
    assert is_id("1") and not is_id("0") and not is_id(str(2**63))
    assert parse_id("7") == 7


@pytest.mark.parametrize(
    "url",
    [
        "/desk/requests/?organization=%00",
        "/desk/?organization=kronberg%00",
        "/devices/?q=%00",
        "/courses/?q=a%00b",
        "/organizations/?page=%00",
    ],
)
def test_a_nul_byte_in_a_query_value_is_a_400(client, staff, url):
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 400, url
    assert "Anfrage nicht verstanden" in response.content.decode()


def test_a_nul_byte_in_a_query_name_or_form_value_is_a_400(client, staff):
    client.force_login(staff)
    assert client.get("/devices/?q%00=1").status_code == 400
    response = client.post("/account/", {"name": "Ann\x00a"})
    assert response.status_code == 400


def test_a_nul_byte_under_the_api_is_a_json_400(staff):
    api = _api(staff)
    assert _is_api_error(api.get("/api/v1/devices?organization=%00"), 400)
    response = api.post(
        "/api/v1/reservations",
        data=json.dumps({"pool_id": 1, "quantity": 1, "purpose": "a\u0000"}),
        content_type="application/json",
    )
    assert _is_api_error(response, 400)


def test_non_ascii_digits_in_an_id_are_a_400(client, staff, organization):
    client.force_login(staff)
    device = DeviceFactory(organization=organization)
    pool = DevicePoolFactory(organization=organization)
    ok = client.get(f"/devices/labels.pdf?organization={organization.slug}&device={device.pk}")
    assert ok.status_code == 200
    for query in ("device=²", "device=1²", f"pool={pool.pk}&pool=٣", "device=abc"):
        response = client.get(f"/devices/labels.pdf?organization={organization.slug}&{query}")
        assert response.status_code == 400, query


def test_an_oversized_body_under_the_api_is_a_json_400(staff, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api = _api(staff)
    body = json.dumps({"pool_id": 1, "quantity": 1, "purpose": "x" * 5000})
    response = api.post("/api/v1/reservations", data=body, content_type="application/json")
    assert _is_api_error(response, 400)
    form = api.post("/api/v1/reservations", data={"purpose": "x" * 5000})
    assert _is_api_error(form, 400)


def test_an_overlong_url_is_a_414_and_json_under_the_api(client, staff):
    long_query = "q=" + "x" * MAX_URL_LENGTH
    assert _is_api_error(_api(staff).get("/api/v1/devices?" + long_query), 414)
    client.force_login(staff)
    page = client.get("/devices/?" + long_query)
    assert page.status_code == 414
    assert "text/html" in page["Content-Type"]


def test_an_unknown_api_address_is_a_json_404(client):
    assert _is_api_error(client.get("/api/v1/no-such-thing"), 404)


# The NUL cases that the forms and API operations used to check one by one; the middleware
# answers all of them now, before any view, and nothing is written.
@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/courses?q=a%00b", None),
        ("get", "/api/v1/devices?q=%00", None),
        ("get", "/api/v1/statistics?period=2026-02&scope=org:kronberg%00", None),
        ("post", "/api/v1/reservations", {"pool_id": 1, "quantity": 1, "purpose": "M\x00"}),
        ("post", "/api/v1/devices", {"organization": "kronberg-gymnasium", "name": "iPad\x00"}),
        ("patch", "/api/v1/devices/1", {"notes": "a\x00b"}),
        ("post", "/api/v1/devices/1/status", {"status": "lost", "reason": "weg\x00"}),
        ("patch", "/api/v1/me", {"name": "a\x00b"}),
        ("post", "/api/v1/courses/1/enrollment", {"answers": {"a\x00": "b"}}),
    ],
)
def test_a_nul_byte_anywhere_in_an_api_request_is_a_json_400(staff, method, url, body):
    api = _api(staff)
    kwargs = {} if body is None else {"data": json.dumps(body), "content_type": "application/json"}
    from booking.models import Reservation
    from devices.models import Device

    response = getattr(api, method)(url, **kwargs)
    assert _is_api_error(response, 400), response.content
    assert not Reservation.objects.exists() and not Device.objects.exists()


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/courses/?q=a%00b", None),
        ("get", "/reports/view/?period=2026-03&scope=region%00", None),
        ("get", "/reports/view/report.csv?period=2026-03&scope=region%00", None),
        ("get", "/opendata/statistics.csv?period=2026-02&scope=org:%00", None),
        ("get", "/manage/privacy/?organization=kronberg-gymnasium&q=a%00b", None),
        ("post", "/pools/1/book/", {"purpose": "a\x00b"}),
    ],
)
def test_a_nul_byte_in_a_page_request_is_the_400_page(client, staff, method, url, data):
    client.force_login(staff)
    response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    assert response.status_code == 400
    assert "Anfrage nicht verstanden" in response.content.decode()
