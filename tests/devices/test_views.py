"""Staff pages of the inventory, and what everyone else gets there (404, never data)."""

from __future__ import annotations

import pytest

from accounts.models import AuditLog
from devices.models import Device, DeviceEvent, DevicePool
from tests.factories import DeviceFactory, DevicePoolFactory, DeviceTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(pool):
    return DeviceFactory(
        pool=pool, asset_tag="KRG-IPAD-001", name="iPad 01", serial_number="DMPXA1B2C3"
    )


def test_staff_see_their_inventory(client, staff, device):
    client.force_login(staff)
    response = client.get("/devices/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "KRG-IPAD-001" in html and "DMPXA1B2C3" not in html  # serials only on the device


def test_the_inventory_filters_live_and_keeps_filters_in_the_url(client, staff, pool, device):
    DeviceFactory(pool=pool, asset_tag="KRG-IPAD-002", name="iPad 02", status="in_repair")
    client.force_login(staff)
    response = client.get("/devices/", {"status": "in_repair"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert "KRG-IPAD-002" in html and "KRG-IPAD-001" not in html
    html = client.get("/devices/", {"q": "dmpxa1"}).content.decode()
    assert "KRG-IPAD-001" in html and "KRG-IPAD-002" not in html


@pytest.mark.parametrize("user", ["teacher", "resident", "outsider"])
def test_others_get_404_on_every_staff_page(client, request, user, device, pool):
    client.force_login(request.getfixturevalue(user))
    of_the_school = f"?organization={pool.organization.slug}"
    for url in [
        f"/devices/{of_the_school}",
        f"/devices/new/{of_the_school}",
        f"/devices/import/{of_the_school}",
        f"/devices/export.csv{of_the_school}",
        f"/pools/new/{of_the_school}",
        f"/devices/{device.pk}/",
        f"/devices/{device.pk}/edit/",
        f"/d/{device.label_code}",
        f"/pools/{pool.pk}/edit/",
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/devices/{device.pk}/status/", {"status": "lost", "reason": "x"}).status_code
        == 404
    )
    device.refresh_from_db()
    assert device.status == "in_service"
    response = client.get("/devices/labels.pdf", {"device": device.pk})
    assert response.status_code == 302 and "application/pdf" not in response.get("Content-Type")


def test_a_label_opens_a_login_page_for_someone_logged_out(client, device):
    response = client.get(f"/d/{device.label_code}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_label_opens_the_device_for_staff(client, staff, device):
    client.force_login(staff)
    response = client.get(f"/d/{device.label_code.lower()}")
    assert response.status_code == 200
    assert "KRG-IPAD-001" in response.content.decode()


def test_staff_add_a_device(client, staff, organization, pool):
    client.force_login(staff)
    device_type = DeviceTypeFactory()
    response = client.post(
        f"/devices/new/?organization={organization.slug}",
        {
            "device_type": device_type.pk,
            "asset_tag": "KRG-IPAD-099",
            "name": "iPad 99",
            "pool": pool.pk,
            "accessories": "Ladekabel, Hülle",
        },
    )
    device = Device.objects.get(asset_tag="KRG-IPAD-099")
    assert response.status_code == 302 and response["Location"] == device.get_absolute_url()
    assert device.pool == pool and device.organization == organization
    assert DeviceEvent.objects.filter(device=device, kind="created").exists()


def test_a_duplicate_asset_tag_is_refused_and_nothing_is_written(client, staff, device):
    client.force_login(staff)
    response = client.post(
        f"/devices/new/?organization={device.organization.slug}",
        {
            "device_type": device.device_type.pk,
            "asset_tag": "KRG-IPAD-001",
        },
    )
    assert response.status_code == 400
    assert "KRG-IPAD-001" in response.content.decode()
    assert Device.objects.count() == 1


def test_a_pool_of_another_organization_cannot_be_chosen(
    client, staff, organization, other_organization
):
    foreign = DevicePoolFactory(organization=other_organization)
    client.force_login(staff)
    response = client.post(
        f"/devices/new/?organization={organization.slug}",
        {
            "device_type": DeviceTypeFactory().pk,
            "asset_tag": "X-1",
            "pool": foreign.pk,
        },
    )
    assert response.status_code == 400
    assert not Device.objects.exists()


def test_a_status_change_needs_a_reason_and_is_in_the_history(client, staff, device):
    client.force_login(staff)
    response = client.post(f"/devices/{device.pk}/status/", {"status": "in_repair", "reason": ""})
    assert response.status_code == 400
    device.refresh_from_db()
    assert device.status == "in_service"
    response = client.post(
        f"/devices/{device.pk}/status/", {"status": "in_repair", "reason": "Display gesprungen"}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.status == "in_repair"
    html = client.get(device.get_absolute_url()).content.decode()
    assert "Display gesprungen" in html
    assert AuditLog.objects.filter(action="devices.status_changed", actor=staff).exists()


def test_a_retired_device_stays_retired(client, staff, device):
    client.force_login(staff)
    client.post(f"/devices/{device.pk}/status/", {"status": "retired", "reason": "Akku defekt"})
    response = client.post(
        f"/devices/{device.pk}/status/", {"status": "in_service", "reason": "doch wieder da"}
    )
    assert response.status_code == 400
    device.refresh_from_db()
    assert device.status == "retired"


def test_a_device_in_repair_does_not_count_toward_the_pool(staff, pool, device):
    DeviceFactory(pool=pool)
    assert DevicePool.objects.with_capacity().get(pk=pool.pk).capacity() == 2
    from devices.services import change_status

    change_status(by=staff, device=device, status="in_repair", reason="Akku")
    assert DevicePool.objects.with_capacity().get(pk=pool.pk).capacity() == 1
    assert pool.capacity() == 1


def test_capacity_is_each_pools_devices_in_service_counted_per_pool(pool, device):
    """``with_capacity`` equals the devices in service counted one by one (0 for a pool
    without any), and it counts them in a subquery per pool: the pools' own query is not
    grouped, so listing a person's few pools never joins every device of the region
    (bench/README.md, "Scale 3 against scale 1")."""
    DeviceFactory(pool=pool, status="in_repair")
    empty = DevicePoolFactory(organization=pool.organization)
    other = DevicePoolFactory()
    DeviceFactory.create_batch(3, pool=other)
    counted = dict(DevicePool.objects.with_capacity().values_list("pk", "capacity_now"))
    assert counted == {
        each.pk: Device.objects.filter(pool=each, status="in_service").count()
        for each in DevicePool.objects.all()
    }
    assert (counted[pool.pk], counted[empty.pk], counted[other.pk]) == (1, 0, 3)
    assert DevicePool.objects.with_capacity().query.group_by is None


def test_staff_edit_a_device(client, staff, device):
    client.force_login(staff)
    response = client.post(
        f"/devices/{device.pk}/edit/",
        {
            "device_type": device.device_type.pk,
            "asset_tag": device.asset_tag,
            "name": "iPad Eins",
            "pool": device.pool.pk,
        },
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.name == "iPad Eins"


def test_the_status_change_needs_post(client, staff, device):
    client.force_login(staff)
    assert client.get(f"/devices/{device.pk}/status/").status_code == 405


@pytest.mark.parametrize("rows", [3, 300])
def test_the_inventory_runs_a_constant_number_of_queries(
    client, staff, pool, rows, django_assert_max_num_queries
):
    DeviceFactory.create_batch(rows, pool=pool)
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        assert client.get("/devices/").status_code == 200


@pytest.mark.parametrize("rows", [3, 300])
def test_the_pool_page_runs_a_constant_number_of_queries(
    client, staff, pool, rows, django_assert_max_num_queries
):
    DeviceFactory.create_batch(rows, pool=pool)
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        assert client.get(pool.get_absolute_url()).status_code == 200


def test_teachers_see_pools_they_may_book_without_asset_tags(client, teacher, pool, device):
    client.force_login(teacher)
    html = client.get("/pools/").content.decode()
    assert "iPad-Koffer 1" in html
    html = client.get(pool.get_absolute_url()).content.decode()
    assert "iPad-Koffer 1" in html and "KRG-IPAD-001" not in html and "DMPXA1B2C3" not in html


def test_residents_see_resident_pools_only(client, resident, pool, other_organization):
    lending = DevicePoolFactory(
        organization=other_organization, name="Leih-Laptops", booking_scope="residents"
    )
    client.force_login(resident)
    html = client.get("/pools/").content.decode()
    assert "Leih-Laptops" in html and "iPad-Koffer 1" not in html
    assert client.get(pool.get_absolute_url()).status_code == 404
    assert client.get(lending.get_absolute_url()).status_code == 200


def test_a_teacher_sees_her_schools_pools_first_then_shared_ones_and_no_lending_pools(
    client, teacher, organization, other_organization
):
    from tests.factories import OrganizationFactory

    # Alphabetically "Albert-Schule" would come before "Kronberg-Gymnasium": her school wins.
    neighbour = OrganizationFactory(name="Albert-Schule")
    DevicePoolFactory(organization=organization, name="iPad-Koffer 2")
    DevicePoolFactory(organization=organization, name="iPad-Koffer 1")
    DevicePoolFactory(organization=neighbour, name="Geteilte Laptops", booking_scope="region")
    DevicePoolFactory(organization=neighbour, name="Nur fuer Albert", booking_scope="members")
    DevicePoolFactory(
        organization=other_organization, name="Leih-Laptops", booking_scope="residents"
    )
    client.force_login(teacher)
    html = client.get("/pools/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    own, shared = html.split('id="bookable-heading"')
    assert 'id="own-heading"' in own
    assert own.index("iPad-Koffer 1") < own.index("iPad-Koffer 2")
    assert "Geteilte Laptops" not in own and "Geteilte Laptops" in shared
    assert "Nur fuer Albert" not in html
    # The residents' pool is under "Borrow a device", with a pointer there.
    assert "Leih-Laptops" not in html
    assert 'href="/lending/"' in shared


def test_staff_create_a_pool(client, staff, organization):
    client.force_login(staff)
    response = client.post(
        f"/pools/new/?organization={organization.slug}",
        {
            "name": "Laptop-Wagen",
            "booking_scope": "members",
            "max_booking_hours": 8,
            "min_notice_hours": 0,
            "max_days_ahead": 120,
            "per_person_limit": 0,
            "loan_period_days": 14,
            "max_renewals": 1,
            "return_checklist": "16 Laptops\n16 Netzteile",
            "is_active": "on",
            "device_types": [DeviceTypeFactory().pk],
        },
    )
    pool = DevicePool.objects.get(name="Laptop-Wagen")
    assert response.status_code == 302
    assert pool.checklist_items() == ["16 Laptops", "16 Netzteile"]
    assert pool.device_types.count() == 1


def test_a_pool_needs_a_name(client, staff, organization):
    client.force_login(staff)
    response = client.post(f"/pools/new/?organization={organization.slug}", {"name": ""})
    assert response.status_code == 400
    assert not DevicePool.objects.exists()


def test_export_lists_the_filtered_inventory(client, staff, pool, device):
    DeviceFactory(pool=pool, asset_tag="KRG-IPAD-002", status="lost")
    client.force_login(staff)
    response = client.get("/devices/export.csv", {"status": "lost"})
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "KRG-IPAD-002" in text and "KRG-IPAD-001" not in text


def test_labels_download_as_a_pdf(client, staff, pool, device):
    client.force_login(staff)
    response = client.get("/devices/labels.pdf", {"pool": pool.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_services_refuse_a_blank_asset_tag_and_an_overlong_reason(staff, organization, device):
    from core.errors import DomainError
    from devices import services

    with pytest.raises(DomainError):
        services.create_device(
            by=staff, organization=organization, device_type=device.device_type, asset_tag="   "
        )
    with pytest.raises(DomainError):
        services.update_device(by=staff, device=device, asset_tag="")
    with pytest.raises(DomainError):
        services.change_status(by=staff, device=device, status="lost", reason="x" * 301)
    device.refresh_from_db()
    assert (device.asset_tag, device.status) == ("KRG-IPAD-001", "in_service")
    assert Device.objects.count() == 1


def test_staff_see_each_pool_once(client, staff, pool):
    client.force_login(staff)
    html = client.get("/pools/").content.decode()
    assert html.count(f'href="{pool.get_absolute_url()}"') == 1


@pytest.mark.parametrize("rows", [3, 60])
def test_the_pool_list_runs_a_constant_number_of_queries(
    client, teacher, organization, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        DeviceFactory(pool=DevicePoolFactory(organization=organization))
    client.force_login(teacher)
    with django_assert_max_num_queries(12):
        assert client.get("/pools/").status_code == 200


def test_the_device_form_has_no_untranslated_choice(client, staff, organization):
    client.force_login(staff)
    html = client.get(f"/devices/new/?organization={organization.slug}").content.decode()
    assert "Select an option" not in html
    assert "In keinem Geräteset" in html


def test_no_device_page_has_duplicate_ids(client, staff, organization, pool, device):
    import re
    from collections import Counter

    client.force_login(staff)
    for url in [
        "/devices/",
        "/devices/new/",
        "/devices/import/",
        "/pools/",
        "/pools/new/",
        device.get_absolute_url(),
        f"/devices/{device.pk}/edit/",
        pool.get_absolute_url(),
        f"/pools/{pool.pk}/edit/",
    ]:
        html = client.get(f"{url}?organization={organization.slug}").content.decode()
        ids = Counter(re.findall(r'\sid="([^"]+)"', html))
        assert not [i for i, n in ids.items() if n > 1], (url, ids.most_common(3))
