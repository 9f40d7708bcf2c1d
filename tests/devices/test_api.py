from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import AuditLog
from accounts.services import create_api_token
from devices.models import Device, DeviceEvent, DevicePool, DeviceType
from organizations.models import Role
from tests.factories import LocationFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

CSRF_TOKEN = "a" * 32  # a valid unmasked secret: used as the cookie and the header


# --- helpers ------------------------------------------------------------------------------


def api(user) -> Client:
    """A client that sends a personal API token of ``user`` with every request."""
    _token, secret = create_api_token(by=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post_json(client: Client, url: str, data, **kwargs):
    return client.post(url, json.dumps(data), content_type="application/json", **kwargs)


def patch_json(client: Client, url: str, data, **kwargs):
    return client.patch(url, json.dumps(data), content_type="application/json", **kwargs)


def make_type(make="Apple", model="iPad 10", kind=DeviceType.Kind.TABLET, os="iPadOS"):
    return DeviceType.objects.create(kind=kind, make=make, model=model, operating_system=os)


def make_pool(organization, name="iPad-Koffer 1", device_types=(), **values):
    pool = DevicePool.objects.create(organization=organization, name=name, **values)
    pool.device_types.set(device_types)
    return pool


def make_device(organization, device_type, asset_tag="INV-001", **values):
    return Device.objects.create(
        organization=organization, device_type=device_type, asset_tag=asset_tag, **values
    )


def counts() -> tuple[int, int, int]:
    """Devices, their events and the inventory's log entries (not the tokens' ones)."""
    logged = AuditLog.objects.filter(action__startswith="devices.")
    return Device.objects.count(), DeviceEvent.objects.count(), logged.count()


@pytest.fixture
def ipad():
    return make_type()


@pytest.fixture
def pool(organization, ipad):
    return make_pool(
        organization,
        name="iPad-Koffer 2",
        device_types=[ipad],
        description="30 iPads mit Stift",
        location=LocationFactory(organization=organization, name="Medienraum"),
        max_booking_hours=6,
    )


@pytest.fixture
def device(organization, ipad, pool):
    return make_device(
        organization, ipad, "KG-0001", pool=pool, name="iPad 01", serial_number="SN-AAA-1"
    )


@pytest.fixture
def foreign_device(other_organization, ipad):
    pool = make_pool(other_organization, name="Leih-Tablets", device_types=[ipad])
    return make_device(other_organization, ipad, "SB-0001", pool=pool, serial_number="SN-ZZZ-9")


# --- GET /pools ---------------------------------------------------------------------------


def test_pools_lists_what_a_teacher_may_book_with_capacity_and_limits(
    teacher, organization, other_organization, pool, device, ipad
):
    make_device(organization, ipad, "KG-0002", pool=pool)
    region = make_pool(other_organization, name="Laptopwagen", booking_scope="region")
    residents = make_pool(other_organization, name="Leih-Laptops", booking_scope="residents")
    make_pool(other_organization, name="Nur intern")  # members only, of another organization
    make_pool(organization, name="Ausgemustert", is_active=False)

    response = api(teacher).get("/api/v1/pools")

    assert response.status_code == 200
    body = response.json()["items"]
    assert response.json()["count"] == 3
    assert {p["id"] for p in body} == {pool.pk, region.pk, residents.pk}
    mine = next(p for p in body if p["id"] == pool.pk)
    assert mine == {
        "id": pool.pk,
        "name": "iPad-Koffer 2",
        "description": "30 iPads mit Stift",
        "organization": {
            "id": organization.pk,
            "name": organization.name,
            "slug": "kronberg-gymnasium",
        },
        "location": "Medienraum",
        "booking_scope": "members",
        "capacity": 2,
        "device_types": [
            {
                "id": ipad.pk,
                "kind": "tablet",
                "make": "Apple",
                "model": "iPad 10",
                "operating_system": "iPadOS",
            }
        ],
        "max_booking_hours": 6,
        "min_notice_hours": 0,
        "max_days_ahead": 120,
        "per_person_limit": 0,
        "loan_period_days": 14,
        "max_renewals": 1,
    }
    assert next(p for p in body if p["id"] == region.pk)["location"] is None
    assert "KG-0001" not in response.content.decode()
    assert "SN-AAA-1" not in response.content.decode()


def test_a_device_in_repair_does_not_count_in_the_pools_capacity(
    teacher, staff, organization, pool, device, ipad
):
    make_device(organization, ipad, "KG-0002", pool=pool)
    make_device(organization, ipad, "KG-0003", pool=pool, status=Device.Status.LOST)
    client = api(teacher)
    assert client.get("/api/v1/pools").json()["items"][0]["capacity"] == 2

    response = post_json(
        api(staff),
        f"/api/v1/devices/{device.pk}/status",
        {"status": "in_repair", "reason": "Display gebrochen"},
    )

    assert response.status_code == 200
    assert client.get("/api/v1/pools").json()["items"][0]["capacity"] == 1
    assert client.get(f"/api/v1/pools/{pool.pk}").json()["capacity"] == 1


def test_a_resident_sees_only_pools_lent_to_residents(resident, organization, other_organization):
    make_pool(organization, name="iPad-Koffer 1")
    make_pool(other_organization, name="Laptopwagen", booking_scope="region")
    lent = make_pool(other_organization, name="Leih-Laptops", booking_scope="residents")

    response = api(resident).get("/api/v1/pools")

    assert response.status_code == 200
    assert [p["id"] for p in response.json()["items"]] == [lent.pk]


def test_an_outsider_does_not_see_a_members_only_pool(outsider, pool, other_organization):
    own = make_pool(other_organization, name="Leih-Tablets")
    response = api(outsider).get("/api/v1/pools")
    assert [p["id"] for p in response.json()["items"]] == [own.pk]
    assert "iPad-Koffer" not in response.content.decode()


def test_pools_need_authentication(client, pool):
    response = client.get("/api/v1/pools")
    assert response.status_code == 401
    assert response.json()["detail"]
    response = client.get("/api/v1/pools", headers={"Authorization": "Bearer lp_made-up"})
    assert response.status_code == 401


def test_pools_accept_a_session(client, teacher, pool):
    client.force_login(teacher)
    response = client.get("/api/v1/pools")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["items"]] == [pool.pk]


def test_pools_are_read_only(teacher, pool):
    client = api(teacher)
    assert post_json(client, "/api/v1/pools", {"name": "Neu"}).status_code == 405
    assert client.delete(f"/api/v1/pools/{pool.pk}").status_code == 405
    assert DevicePool.objects.count() == 1


@pytest.mark.parametrize("n", [3, 300])
def test_pools_take_a_constant_number_of_queries(
    n, teacher, organization, other_organization, ipad, django_assert_max_num_queries
):
    laptop = make_type("Lenovo", "ThinkPad", kind=DeviceType.Kind.LAPTOP, os="Linux")
    location = LocationFactory(organization=organization)
    pools = DevicePool.objects.bulk_create(
        DevicePool(
            organization=organization if i % 2 else other_organization,
            name=f"Koffer {i}",
            location=location if i % 2 else None,
            booking_scope="members" if i % 2 else "region",
        )
        for i in range(n)
    )
    Through = DevicePool.device_types.through
    Through.objects.bulk_create(
        Through(devicepool_id=p.pk, devicetype_id=t.pk) for p in pools for t in (ipad, laptop)
    )
    Device.objects.bulk_create(
        Device(organization=p.organization, pool=p, device_type=ipad, asset_tag=f"T-{p.pk}")
        for p in pools
    )
    client = api(teacher)

    # +1: the token's 2FA check; +1: the count of the pools.
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/pools", {"limit": 200})

    assert response.status_code == 200
    assert response.json()["count"] == n
    assert len(response.json()["items"]) == min(n, 200)
    assert all(p["capacity"] == 1 for p in response.json()["items"])
    assert all(len(p["device_types"]) == 2 for p in response.json()["items"])


def test_pools_come_in_pages_like_the_courses(resident, other_organization):
    lent = [
        make_pool(other_organization, name=f"Leih-Laptops {i:02}", booking_scope="residents")
        for i in range(25)
    ]
    client = api(resident)

    first = client.get("/api/v1/pools").json()
    rest = client.get("/api/v1/pools", {"limit": 20, "offset": 20}).json()

    assert first["count"] == rest["count"] == 25
    assert [p["name"] for p in first["items"]] == [p.name for p in lent[:20]]
    assert [p["name"] for p in rest["items"]] == [p.name for p in lent[20:]]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "x"}])
def test_pools_refuse_a_bad_page(resident, query):
    response = api(resident).get("/api/v1/pools", query)
    assert response.status_code == 422


# --- GET /pools/{id} ----------------------------------------------------------------------


def test_a_pool_shows_to_who_may_book_it(teacher, pool, device):
    response = api(teacher).get(f"/api/v1/pools/{pool.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == "iPad-Koffer 2"
    assert response.json()["capacity"] == 1
    assert "KG-0001" not in response.content.decode()


def test_staff_see_their_own_inactive_pool_but_teachers_do_not(teacher, staff, organization):
    stored = make_pool(organization, name="Im Aufbau", is_active=False)
    assert api(staff).get(f"/api/v1/pools/{stored.pk}").status_code == 200
    assert api(teacher).get(f"/api/v1/pools/{stored.pk}").status_code == 404


def test_an_outsider_gets_404_for_a_members_only_pool(outsider, pool):
    response = api(outsider).get(f"/api/v1/pools/{pool.pk}")
    assert response.status_code == 404
    assert response.json()["detail"]
    assert "iPad" not in response.content.decode()


def test_a_resident_gets_404_for_a_members_only_pool(resident, pool):
    assert api(resident).get(f"/api/v1/pools/{pool.pk}").status_code == 404


def test_an_unknown_pool_is_404(teacher, pool):
    client = api(teacher)
    assert client.get("/api/v1/pools/999999").status_code == 404
    assert client.get(f"/api/v1/pools/{2**70}").status_code == 404
    assert client.get("/api/v1/pools/abc").status_code == 422


def test_a_pool_needs_authentication(client, pool):
    assert client.get(f"/api/v1/pools/{pool.pk}").status_code == 401


@pytest.mark.parametrize("n", [3, 300])
def test_a_pool_takes_a_constant_number_of_queries(
    n, staff, organization, pool, ipad, django_assert_max_num_queries
):
    Device.objects.bulk_create(
        Device(organization=organization, pool=pool, device_type=ipad, asset_tag=f"T-{i}")
        for i in range(n)
    )
    client = api(staff)
    with django_assert_max_num_queries(6):  # +1: the token's 2FA check
        response = client.get(f"/api/v1/pools/{pool.pk}")
    assert response.json()["capacity"] == n


# --- GET /devices -------------------------------------------------------------------------


def test_staff_list_their_organizations_devices(staff, organization, device, foreign_device):
    response = api(staff).get("/api/v1/devices")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"] == [
        {
            "id": device.pk,
            "organization": "kronberg-gymnasium",
            "asset_tag": "KG-0001",
            "label_code": device.label_code,
            "name": "iPad 01",
            "serial_number": "SN-AAA-1",
            "status": "in_service",
            "device_type": {
                "id": device.device_type_id,
                "kind": "tablet",
                "make": "Apple",
                "model": "iPad 10",
                "operating_system": "iPadOS",
            },
            "pool": {"id": device.pool_id, "name": "iPad-Koffer 2"},
            "home_location": None,
            "accessories": "",
            "notes": "",
        }
    ]
    assert "SB-0001" not in response.content.decode()


def test_a_region_admin_lists_every_organizations_devices(region_admin, device, foreign_device):
    response = api(region_admin).get("/api/v1/devices")
    assert {d["asset_tag"] for d in response.json()["items"]} == {"KG-0001", "SB-0001"}


def test_the_device_list_filters(org_admin, organization, pool, device, ipad):
    laptop = make_type("Lenovo", "ThinkPad", kind=DeviceType.Kind.LAPTOP, os="Linux")
    broken = make_device(organization, laptop, "KG-0100", status=Device.Status.IN_REPAIR)
    named = make_device(organization, ipad, "KG-0101", name="Lehrer-iPad")
    second = OrganizationFactory(slug="vhs")
    MembershipFactory(user=org_admin, organization=second, role=Role.STAFF)
    elsewhere = make_device(second, ipad, "VHS-1")
    client = api(org_admin)

    def ids(**params):
        response = client.get("/api/v1/devices", params)
        assert response.status_code == 200, response.content
        return {d["id"] for d in response.json()["items"]}

    assert ids() == {device.pk, broken.pk, named.pk, elsewhere.pk}
    assert ids(organization="vhs") == {elsewhere.pk}
    assert ids(pool=pool.pk) == {device.pk}
    assert ids(status="in_repair") == {broken.pk}
    assert ids(type=laptop.pk) == {broken.pk}
    assert ids(q="sn-aaa") == {device.pk}
    assert ids(q="lehrer") == {named.pk}
    assert ids(q="kg-01") == {broken.pk, named.pk}
    assert ids(q="nichts") == set()


def test_the_device_list_pages(staff, organization, ipad):
    for i in range(5):
        make_device(organization, ipad, f"KG-{i:04}")
    client = api(staff)
    response = client.get("/api/v1/devices", {"limit": 2, "offset": 2})
    assert response.status_code == 200
    assert response.json()["count"] == 5
    assert [d["asset_tag"] for d in response.json()["items"]] == ["KG-0002", "KG-0003"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "broken"},
        {"pool": "abc"},
        {"type": "-1"},
        {"limit": "0"},
        {"limit": "501"},
        {"offset": str(10**20)},
        {"q": "x" * 101},
    ],
)
def test_a_bad_filter_is_422(staff, device, params):
    response = api(staff).get("/api/v1/devices", params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_a_teacher_gets_404_for_the_inventory(teacher, device):
    response = api(teacher).get("/api/v1/devices")
    assert response.status_code == 404
    assert "KG-0001" not in response.content.decode()


def test_a_resident_gets_404_for_the_inventory(resident, device):
    assert api(resident).get("/api/v1/devices").status_code == 404


def test_an_outsider_sees_none_of_the_organizations_devices(outsider, device, foreign_device):
    client = api(outsider)
    response = client.get("/api/v1/devices")
    assert [d["asset_tag"] for d in response.json()["items"]] == ["SB-0001"]
    response = client.get("/api/v1/devices", {"organization": "kronberg-gymnasium"})
    assert response.status_code == 404
    assert "KG-0001" not in response.content.decode()
    response = client.get("/api/v1/devices", {"pool": device.pool_id})
    assert response.json() == {"items": [], "count": 0}


def test_the_inventory_needs_authentication(client, device):
    assert client.get("/api/v1/devices").status_code == 401


def test_the_inventory_has_no_put_or_delete(staff, device):
    client = api(staff)
    assert client.put("/api/v1/devices").status_code == 405
    assert client.delete(f"/api/v1/devices/{device.pk}").status_code == 405
    assert Device.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize("n", [3, 300])
def test_the_device_list_takes_a_constant_number_of_queries(
    n, staff, organization, pool, ipad, django_assert_max_num_queries
):
    location = LocationFactory(organization=organization)
    Device.objects.bulk_create(
        Device(
            organization=organization,
            pool=pool,
            device_type=ipad,
            home_location=location,
            asset_tag=f"T-{i:04}",
        )
        for i in range(n)
    )
    client = api(staff)
    with django_assert_max_num_queries(6):  # +1: the token's 2FA check
        response = client.get("/api/v1/devices", {"limit": 500})
    assert response.json()["count"] == n
    assert len(response.json()["items"]) == n


# --- GET /devices/{id} --------------------------------------------------------------------


def test_staff_get_one_device(staff, device):
    response = api(staff).get(f"/api/v1/devices/{device.pk}")
    assert response.status_code == 200
    assert response.json()["asset_tag"] == "KG-0001"


def test_an_outsider_or_a_teacher_gets_404_for_a_device(outsider, teacher, device):
    for user in (outsider, teacher):
        response = api(user).get(f"/api/v1/devices/{device.pk}")
        assert response.status_code == 404
        assert "KG-0001" not in response.content.decode()


def test_a_device_needs_authentication(client, device):
    assert client.get(f"/api/v1/devices/{device.pk}").status_code == 401


@pytest.mark.parametrize("n", [3, 300])
def test_a_device_takes_a_constant_number_of_queries(
    n, staff, organization, device, ipad, django_assert_max_num_queries
):
    Device.objects.bulk_create(
        Device(organization=organization, device_type=ipad, asset_tag=f"T-{i}") for i in range(n)
    )
    client = api(staff)
    with django_assert_max_num_queries(4):  # +1: the token's 2FA check
        assert client.get(f"/api/v1/devices/{device.pk}").status_code == 200


# --- POST /devices ------------------------------------------------------------------------


def new_device(organization, ipad, **values):
    return {"organization": organization.slug, "device_type_id": ipad.pk, **values}


def test_staff_add_a_device(staff, organization, pool, ipad):
    location = LocationFactory(organization=organization, name="Sekretariat")
    payload = new_device(
        organization,
        ipad,
        asset_tag="  KG-0042 ",
        pool_id=pool.pk,
        name="iPad 42",
        serial_number="SN-42",
        home_location_id=location.pk,
        accessories="Ladekabel, Stift",
        notes="Hülle blau",
    )

    response = post_json(api(staff), "/api/v1/devices", payload)

    assert response.status_code == 201, response.content
    body = response.json()
    device = Device.objects.get()
    assert body["id"] == device.pk
    assert body["asset_tag"] == "KG-0042" == device.asset_tag
    assert body["organization"] == "kronberg-gymnasium"
    assert body["status"] == "in_service"
    assert body["pool"] == {"id": pool.pk, "name": "iPad-Koffer 2"}
    assert body["home_location"] == "Sekretariat"
    assert body["label_code"] == device.label_code
    assert (body["accessories"], body["notes"]) == ("Ladekabel, Stift", "Hülle blau")
    assert device.events.get().kind == DeviceEvent.Kind.CREATED
    assert AuditLog.objects.filter(action="devices.created", actor=staff).count() == 1


def test_a_device_needs_only_organization_type_and_asset_tag(org_admin, organization, ipad):
    response = post_json(
        api(org_admin), "/api/v1/devices", new_device(organization, ipad, asset_tag="KG-1")
    )
    assert response.status_code == 201
    assert response.json()["pool"] is None
    assert response.json()["home_location"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"asset_tag": None}, "asset_tag"),
        ({"asset_tag": "   "}, "asset_tag"),
        ({"asset_tag": "x" * 51}, "asset_tag"),
        ({"asset_tag": 42}, "asset_tag"),
        ({"device_type_id": "5"}, "device_type_id"),
        ({"device_type_id": True}, "device_type_id"),
        ({"device_type_id": 0}, "device_type_id"),
        ({"device_type_id": 999999}, "device_type_id"),
        ({"pool_id": "1"}, "pool_id"),
        ({"pool_id": 999999}, "pool_id"),
        ({"accessories": "x" * 201}, "accessories"),
    ],
)
def test_bad_input_for_a_new_device_is_422_and_writes_nothing(
    staff, organization, ipad, changes, field
):
    payload = {**new_device(organization, ipad, asset_tag="KG-0042"), **changes}
    payload = {k: v for k, v in payload.items() if v is not None}
    before = counts()

    response = post_json(api(staff), "/api/v1/devices", payload)

    assert response.status_code == 422, response.content
    assert field in json.dumps(response.json()["detail"])
    assert counts() == before


def test_a_pool_or_location_of_another_organization_is_422_and_writes_nothing(
    staff, organization, other_organization, ipad
):
    foreign_pool = make_pool(other_organization, name="Leih-Tablets")
    foreign_room = LocationFactory(organization=other_organization)
    client = api(staff)
    before = counts()

    for field, value in (("pool_id", foreign_pool.pk), ("home_location_id", foreign_room.pk)):
        payload = new_device(organization, ipad, asset_tag="KG-0042", **{field: value})
        response = post_json(client, "/api/v1/devices", payload)
        assert response.status_code == 422
        detail = response.json()["detail"][0]
        assert detail["loc"] == ["body", "payload", field]
        assert "Kronberg-Gymnasium" in detail["msg"]

    assert counts() == before


def test_a_duplicate_asset_tag_is_409_and_writes_nothing(staff, organization, device, ipad):
    before = counts()
    response = post_json(
        api(staff), "/api/v1/devices", new_device(organization, ipad, asset_tag=" KG-0001")
    )
    assert response.status_code == 409
    assert "KG-0001" in response.json()["detail"]
    assert counts() == before


def test_the_same_asset_tag_is_fine_in_another_organization(outsider, other_organization, device):
    response = post_json(
        api(outsider),
        "/api/v1/devices",
        new_device(other_organization, device.device_type, asset_tag="KG-0001"),
    )
    assert response.status_code == 201


def test_malformed_json_is_400_and_writes_nothing(staff):
    before = counts()
    response = api(staff).post("/api/v1/devices", "{", content_type="application/json")
    assert response.status_code == 400
    assert counts() == before


def test_an_outsider_or_a_teacher_cannot_add_a_device(outsider, teacher, organization, ipad):
    before = counts()
    for user in (outsider, teacher):
        response = post_json(
            api(user), "/api/v1/devices", new_device(organization, ipad, asset_tag="X-1")
        )
        assert response.status_code == 404
    assert counts() == before


def test_adding_a_device_needs_authentication(client, organization, ipad):
    before = counts()
    response = post_json(client, "/api/v1/devices", new_device(organization, ipad, asset_tag="X"))
    assert response.status_code == 401
    assert counts() == before


def test_a_session_without_csrf_cannot_add_a_device(staff, organization, ipad):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    payload = new_device(organization, ipad, asset_tag="KG-0042")
    before = counts()

    response = post_json(client, "/api/v1/devices", payload)

    assert response.status_code == 403
    assert counts() == before
    client.cookies["csrftoken"] = CSRF_TOKEN  # the control: with the token it works
    response = post_json(client, "/api/v1/devices", payload, headers={"X-CSRFToken": CSRF_TOKEN})
    assert response.status_code == 201


@pytest.mark.parametrize("n", [3, 300])
def test_adding_a_device_takes_a_constant_number_of_queries(
    n, staff, organization, pool, ipad, django_assert_max_num_queries
):
    Device.objects.bulk_create(
        Device(organization=organization, device_type=ipad, asset_tag=f"T-{i}") for i in range(n)
    )
    client = api(staff)
    payload = new_device(organization, ipad, asset_tag="KG-NEU", pool_id=pool.pk)
    with django_assert_max_num_queries(16):  # 15, and one more if the content type is not cached
        assert post_json(client, "/api/v1/devices", payload).status_code == 201


# --- PATCH /devices/{id} ------------------------------------------------------------------


def test_staff_change_only_the_fields_they_send(staff, organization, device):
    device.notes = "bleibt"
    device.save()
    location = LocationFactory(organization=organization, name="Keller")

    response = patch_json(
        api(staff),
        f"/api/v1/devices/{device.pk}",
        {"name": "iPad Lehrerzimmer", "pool_id": None, "home_location_id": location.pk},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["pool"], body["home_location"]) == (
        "iPad Lehrerzimmer",
        None,
        "Keller",
    )
    device.refresh_from_db()
    assert (device.name, device.pool, device.home_location) == ("iPad Lehrerzimmer", None, location)
    assert (device.notes, device.asset_tag, device.serial_number) == (
        "bleibt",
        "KG-0001",
        "SN-AAA-1",
    )
    assert device.events.get().reason == "home_location, name, pool"
    assert AuditLog.objects.get(action="devices.edited").data["fields"] == [
        "home_location",
        "name",
        "pool",
    ]


def test_staff_change_the_type_and_asset_tag(staff, device):
    laptop = make_type("Lenovo", "ThinkPad", kind=DeviceType.Kind.LAPTOP, os="Linux")
    response = patch_json(
        api(staff),
        f"/api/v1/devices/{device.pk}",
        {"device_type_id": laptop.pk, "asset_tag": "KG-L-1"},
    )
    assert response.status_code == 200
    assert response.json()["device_type"]["model"] == "ThinkPad"
    assert response.json()["asset_tag"] == "KG-L-1"


def test_an_empty_patch_changes_nothing(staff, device):
    before = counts()
    response = patch_json(api(staff), f"/api/v1/devices/{device.pk}", {})
    assert response.status_code == 200
    assert response.json()["asset_tag"] == "KG-0001"
    assert counts() == before


@pytest.mark.parametrize(
    "payload",
    [
        {"asset_tag": None},
        {"asset_tag": ""},
        {"device_type_id": None},
        {"device_type_id": "1"},
        {"device_type_id": 999999},
        {"pool_id": "1"},
        {"pool_id": 999999},
        {"home_location_id": 999999},
        {"serial_number": "x" * 101},
    ],
)
def test_bad_input_for_a_change_is_422_and_changes_nothing(staff, device, payload):
    before = counts()
    response = patch_json(api(staff), f"/api/v1/devices/{device.pk}", payload)
    assert response.status_code == 422, response.content
    assert next(iter(payload)) in json.dumps(response.json()["detail"])
    assert counts() == before
    changed = Device.objects.get(pk=device.pk)
    assert (changed.asset_tag, changed.device_type_id, changed.pool_id) == (
        "KG-0001",
        device.device_type_id,
        device.pool_id,
    )


def test_moving_a_device_to_another_organizations_pool_is_422(staff, device, foreign_device):
    response = patch_json(
        api(staff), f"/api/v1/devices/{device.pk}", {"pool_id": foreign_device.pool_id}
    )
    assert response.status_code == 422
    device.refresh_from_db()
    assert device.pool.organization_id == device.organization_id


def test_changing_to_a_taken_asset_tag_is_409(staff, organization, device, ipad):
    make_device(organization, ipad, "KG-0002")
    before = counts()
    response = patch_json(api(staff), f"/api/v1/devices/{device.pk}", {"asset_tag": "KG-0002"})
    assert response.status_code == 409
    assert "KG-0002" in response.json()["detail"]
    assert counts() == before
    device.refresh_from_db()
    assert device.asset_tag == "KG-0001"


def test_an_outsider_or_a_teacher_cannot_change_a_device(outsider, teacher, device):
    before = counts()
    for user in (outsider, teacher):
        response = patch_json(api(user), f"/api/v1/devices/{device.pk}", {"name": "meins"})
        assert response.status_code == 404
        assert "KG-0001" not in response.content.decode()
    assert counts() == before
    device.refresh_from_db()
    assert device.name == "iPad 01"


def test_changing_a_device_needs_authentication_and_csrf(client, staff, device):
    assert patch_json(client, f"/api/v1/devices/{device.pk}", {"name": "x"}).status_code == 401
    session = Client(enforce_csrf_checks=True)
    session.force_login(staff)
    assert patch_json(session, f"/api/v1/devices/{device.pk}", {"name": "x"}).status_code == 403
    device.refresh_from_db()
    assert device.name == "iPad 01"


@pytest.mark.parametrize("n", [3, 300])
def test_changing_a_device_takes_a_constant_number_of_queries(
    n, staff, organization, device, ipad, django_assert_max_num_queries
):
    Device.objects.bulk_create(
        Device(organization=organization, device_type=ipad, asset_tag=f"T-{i}") for i in range(n)
    )
    client = api(staff)
    # 12, a savepoint around the save (2), and one more if the content type is not cached
    with django_assert_max_num_queries(15):
        response = patch_json(
            client, f"/api/v1/devices/{device.pk}", {"name": "Neu", "asset_tag": "KG-9"}
        )
    assert response.status_code == 200


# --- POST /devices/{id}/status ------------------------------------------------------------


def test_a_status_change_is_logged_with_its_reason(staff, device):
    response = post_json(
        api(staff),
        f"/api/v1/devices/{device.pk}/status",
        {"status": "in_repair", "reason": "  Display gebrochen "},
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_repair"
    device.refresh_from_db()
    assert device.status == Device.Status.IN_REPAIR
    event = device.events.get(kind=DeviceEvent.Kind.STATUS)
    assert (event.from_status, event.to_status, event.reason, event.actor) == (
        "in_service",
        "in_repair",
        "Display gebrochen",
        staff,
    )
    log = AuditLog.objects.get(action="devices.status_changed")
    assert (log.actor, log.target_id, log.organization_id) == (
        staff,
        str(device.pk),
        device.organization_id,
    )
    assert log.data == {"from_status": "in_service", "to_status": "in_repair"}


def test_a_retired_device_stays_retired(staff, device):
    device.status = Device.Status.RETIRED
    device.save()
    before = counts()
    response = post_json(
        api(staff),
        f"/api/v1/devices/{device.pk}/status",
        {"status": "in_service", "reason": "wiedergefunden"},
    )
    assert response.status_code == 409
    with translation.override("de"):  # the service's message names both statuses
        retired, in_service = Device.Status.RETIRED.label, Device.Status.IN_SERVICE.label
        assert str(retired) in response.json()["detail"]
        assert str(in_service) in response.json()["detail"]
    assert counts() == before
    device.refresh_from_db()
    assert device.status == Device.Status.RETIRED


def test_a_status_change_without_a_reason_is_409(staff, device):
    before = counts()
    response = post_json(
        api(staff), f"/api/v1/devices/{device.pk}/status", {"status": "lost", "reason": "   "}
    )
    assert response.status_code == 409
    assert response.json()["detail"]
    assert counts() == before


@pytest.mark.parametrize(
    "payload",
    [
        {"status": "broken", "reason": "kaputt"},
        {"status": "lost"},
        {"reason": "kaputt"},
        {"status": "lost", "reason": 5},
        {"status": "lost", "reason": "x" * 301},
    ],
)
def test_bad_input_for_a_status_change_is_422(staff, device, payload):
    before = counts()
    response = post_json(api(staff), f"/api/v1/devices/{device.pk}/status", payload)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert counts() == before
    device.refresh_from_db()
    assert device.status == Device.Status.IN_SERVICE


def test_an_outsider_or_a_teacher_cannot_change_a_status(outsider, teacher, device):
    before = counts()
    for user in (outsider, teacher):
        response = post_json(
            api(user), f"/api/v1/devices/{device.pk}/status", {"status": "lost", "reason": "weg"}
        )
        assert response.status_code == 404
        assert "KG-0001" not in response.content.decode()
    assert counts() == before


def test_a_status_change_needs_authentication_csrf_and_post(client, staff, device):
    url = f"/api/v1/devices/{device.pk}/status"
    payload = {"status": "lost", "reason": "weg"}
    assert post_json(client, url, payload).status_code == 401
    session = Client(enforce_csrf_checks=True)
    session.force_login(staff)
    assert post_json(session, url, payload).status_code == 403
    assert api(staff).get(url).status_code == 405
    device.refresh_from_db()
    assert device.status == Device.Status.IN_SERVICE


@pytest.mark.parametrize("n", [3, 300])
def test_a_status_change_takes_a_constant_number_of_queries(
    n, staff, organization, device, ipad, django_assert_max_num_queries
):
    Device.objects.bulk_create(
        Device(organization=organization, device_type=ipad, asset_tag=f"T-{i}") for i in range(n)
    )
    client = api(staff)
    with django_assert_max_num_queries(12):  # 11, and one more if the content type is not cached
        response = post_json(
            client, f"/api/v1/devices/{device.pk}/status", {"status": "lost", "reason": "weg"}
        )
    assert response.status_code == 200


# --- the schema ---------------------------------------------------------------------------


def test_the_schema_declares_every_status_the_device_operations_return(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    expected = {
        ("/api/v1/pools", "get"): {"200", "401", "422"},
        ("/api/v1/pools/{pool_id}", "get"): {"200", "401", "404", "422"},
        ("/api/v1/devices", "get"): {"200", "401", "404", "422"},
        ("/api/v1/devices", "post"): {"201", "400", "401", "403", "404", "409", "422"},
        ("/api/v1/devices/{device_id}", "get"): {"200", "401", "404", "422"},
        ("/api/v1/devices/{device_id}", "patch"): {"200", "400", "401", "403", "404", "409", "422"},
        ("/api/v1/devices/{device_id}/status", "post"): {
            "200",
            "400",
            "401",
            "403",
            "404",
            "409",
            "422",
        },
    }
    for (path, method), statuses in expected.items():
        assert statuses <= set(paths[path][method]["responses"]), (path, method)
    assert "asset_tag" not in json.dumps(paths["/api/v1/pools"])
