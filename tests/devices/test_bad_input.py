"""Input a person or a script could send by mistake: a clear 4xx or a redirect, never a 500."""

from __future__ import annotations

import pytest

from devices import csv_io
from devices.models import DevicePool
from tests.factories import (
    DeviceFactory,
    DevicePoolFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "device=abc",
        "pool=abc",
        "device=",
        "pool=1.5",
        "device=99999999999999999999999",
        "device=-3",
    ],
)
def test_label_requests_with_bad_ids_are_a_400(client, staff, pool, query):
    # Every id typed into a query goes through core.request_input.parse_id (#15).
    client.force_login(staff)
    response = client.get(f"/devices/labels.pdf?{query}")
    assert response.status_code == 400
    assert "Anfrage nicht verstanden" in response.content.decode()


def test_a_label_request_without_devices_redirects_with_a_message(client, staff, pool):
    client.force_login(staff)
    response = client.get("/devices/labels.pdf", follow=True)
    assert response.status_code == 200
    assert "Wählen Sie mindestens ein Gerät aus" in response.content.decode()


def test_labels_are_capped_at_ten_sheets(client, staff, pool):
    DeviceFactory.create_batch(241, pool=pool)
    client.force_login(staff)
    response = client.get(f"/devices/labels.pdf?pool={pool.pk}", follow=True)
    assert "application/pdf" not in response["Content-Type"]
    assert "Höchstens 240 Etiketten" in response.content.decode()


@pytest.mark.parametrize("code", ["%00", "abc%00def", "x" * 40, "ÄÖÜ"])
def test_a_malformed_label_code_is_404(client, staff, code):
    client.force_login(staff)
    assert client.get(f"/d/{code}").status_code == 404


@pytest.mark.parametrize(
    "url", ["/api/v1/organizations?district=%00", "/api/v1/organizations/a%00b"]
)
def test_null_characters_in_the_organizations_api_are_rejected(client, url):
    # A NUL byte in any query value is a 400 before any view (#15).
    assert client.get(url).status_code in (400, 404)


def test_a_name_with_a_null_character_is_refused(teacher):
    from django.test import Client

    from accounts.services import create_api_token

    _token, secret = create_api_token(by=teacher, name="t")
    response = Client().patch(
        "/api/v1/me",
        {"name": "a\u0000b"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400  # a NUL byte anywhere in a JSON body (#15)


def test_absurd_pool_limits_are_refused_with_a_message(client, staff, organization):
    client.force_login(staff)
    response = client.post(
        f"/pools/new/?organization={organization.slug}",
        {
            "name": "Riesig",
            "booking_scope": "members",
            "max_booking_hours": 99999999999999,
            "min_notice_hours": 0,
            "max_days_ahead": 120,
            "per_person_limit": 0,
            "loan_period_days": 14,
            "max_renewals": 1,
        },
    )
    assert response.status_code == 400
    assert "kleiner oder gleich 336" in response.content.decode()
    assert not DevicePool.objects.exists()


def test_a_csv_line_with_a_null_character_is_reported(organization):
    result = csv_io.parse_device_csv(organization, "asset_tag;type\nX-1\x00;Apple iPad\n")
    assert {error.line for error in result.errors} == {2}
    assert any("Nullzeichen" in error.message for error in result.errors)
    assert not result.rows


def test_the_back_button_gets_the_whole_page_not_a_fragment(client, staff, pool):
    client.force_login(staff)
    response = client.get(
        "/devices/?status=lost",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]
    response = client.get(
        "/organizations/?kind=school",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def test_an_edit_shows_the_changed_fields_in_the_readers_language(client, staff, pool):
    from devices import services

    device = DeviceFactory(pool=pool)
    services.update_device(by=staff, device=device, name="iPad Neu", accessories="Stift")
    client.force_login(staff)
    html = client.get(device.get_absolute_url()).content.decode()
    assert "Name, Zubehör" in html or "Zubehör, Name" in html
    assert "accessories" not in html


def test_a_former_member_of_a_closed_organization_cannot_book_region_pools():
    closed = OrganizationFactory(is_active=False)
    teacher = MembershipFactory(organization=closed).user
    region_pool = DevicePoolFactory(booking_scope="region")
    assert region_pool not in DevicePool.objects.bookable_by(teacher)
    active_teacher = MembershipFactory().user
    assert region_pool in DevicePool.objects.bookable_by(active_teacher)
    assert region_pool not in DevicePool.objects.bookable_by(UserFactory())


def test_staff_of_two_organizations_create_pools_in_each(client, staff, organization):
    second = OrganizationFactory(name="Stadtbibliothek")
    MembershipFactory(user=staff, organization=second, role="staff")
    client.force_login(staff)
    html = client.get("/pools/").content.decode()
    assert f"/pools/new/?organization={organization.slug}" in html
    assert f"/pools/new/?organization={second.slug}" in html


@pytest.mark.parametrize("body", ["[]", "null", '"x"'])
def test_a_device_patch_that_is_not_an_object_is_422(staff, pool, body):
    from django.test import Client

    from accounts.services import create_api_token

    device = DeviceFactory(pool=pool, name="iPad 01")
    _token, secret = create_api_token(by=staff, name="t")
    response = Client().patch(
        f"/api/v1/devices/{device.pk}",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422
