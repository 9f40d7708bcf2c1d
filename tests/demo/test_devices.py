"""The demo inventory that ``manage.py seed_demo`` adds through ``demo.devices.seed``."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo import devices as demo
from demo.data import devices as demo_data
from demo.data import organizations as organization_demo_data
from devices.models import Device, DeviceEvent, DevicePool, DeviceType
from organizations.models import Location, Membership, Organization, Role
from tests.demo.conftest import seed_once

SUMMARY = re.compile(
    r"^Geräte: (\d+) Geräte in (\d+) Gerätesets \((\d+) in Reparatur, (\d+) verloren; "
    r"(\d+) neu angelegt\)$",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The region seeded once for the module; each test runs in a savepoint within it."""
    with seed_once(django_db_blocker) as output:
        yield output


@pytest.fixture
def seeded(seeded_once, db) -> str:
    return seeded_once


def seed_output() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    return {
        "types": DeviceType.objects.count(),
        "pools": DevicePool.objects.count(),
        "devices": Device.objects.count(),
        "events": DeviceEvent.objects.count(),
        "labels": dict(Device.objects.values_list("pk", "label_code")),
        "statuses": dict(Device.objects.values_list("pk", "status")),
    }


# --- The data itself ------------------------------------------------------------------------


def test_the_data_names_real_organizations_rooms_and_types():
    locations = {
        entry["slug"]: {location["name"] for location in entry.get("locations", [])}
        for entry in organization_demo_data.ORGANIZATIONS
    }
    for entry in [*demo_data.POOLS, *demo_data.DEVICES_WITHOUT_POOL]:
        assert entry["organization"] in locations, entry
        assert entry["location"] in locations[entry["organization"]], entry
        assert entry["device_type"] in demo_data.DEVICE_TYPES, entry
    for entry in demo_data.POOLS:
        assert set(demo.POOL_SETTINGS) <= set(entry), entry["name"]
        for number, (status, reason, days_ago) in entry.get("not_in_service", {}).items():
            assert entry["first"] <= number < entry["first"] + entry["count"], entry["name"]
            assert status in {Device.Status.IN_REPAIR, Device.Status.LOST}
            assert reason and days_ago >= 1


def test_the_columns_compared_on_reseeding_are_the_updated_fields():
    spec = demo.DeviceSpec(
        organization=Organization(pk=1),
        asset_tag="X-1",
        device_type=DeviceType(pk=2),
        pool=DevicePool(pk=3),
        name="iPad 01",
        serial_number="ABC",
        home_location=Location(pk=4),
        accessories="Ladekabel",
        notes="",
        added=datetime.date(2025, 9, 1),
    )
    attnames = {Device._meta.get_field(field).attname for field in demo.UPDATED_FIELDS}
    assert set(spec.columns()) == attnames
    assert spec.columns()["pool_id"] == 3


def test_serial_numbers_follow_the_pattern_and_repeat_for_the_same_seed():
    serial = demo.serial_number("PF4?????", "kronberg-gymnasium/KRG-NB-001")
    assert re.fullmatch(r"PF4[0-9A-HJ-NP-Z]{5}", serial)
    assert serial == demo.serial_number("PF4?????", "kronberg-gymnasium/KRG-NB-001")
    assert re.fullmatch(r"T6V\d{10}", demo.serial_number("T6V##########", "x"))


# --- What seeding writes --------------------------------------------------------------------


def test_about_300_devices_in_pools_with_a_few_spares(seeded):
    assert 250 <= Device.objects.count() <= 400
    assert DevicePool.objects.count() >= 12
    without_pool = Device.objects.filter(pool=None).count()
    assert 1 <= without_pool <= 10
    assert DeviceType.objects.count() == len(demo_data.DEVICE_TYPES)
    kinds = set(DeviceType.objects.values_list("kind", flat=True))
    assert {DeviceType.Kind.TABLET, DeviceType.Kind.LAPTOP, DeviceType.Kind.EREADER} <= kinds


def test_every_school_with_pools_has_a_tablet_or_laptop_pool(seeded):
    schools = Organization.objects.filter(kind=Organization.Kind.SCHOOL, pools__isnull=False)
    assert schools.distinct().count() == 6
    for school in schools.distinct():
        kinds = set(school.pools.values_list("device_types__kind", flat=True))
        assert kinds & {DeviceType.Kind.TABLET, DeviceType.Kind.LAPTOP}, school
    gymnasium = DevicePool.objects.filter(organization__slug="kronberg-gymnasium")
    assert gymnasium.filter(name__startswith="iPad-Koffer 1").exists()
    assert gymnasium.filter(name__startswith="iPad-Koffer 2").exists()


def test_libraries_lend_to_residents_for_two_or_three_weeks(seeded):
    libraries = Organization.objects.filter(kind=Organization.Kind.LIBRARY)
    assert libraries.count() >= 3
    for library in libraries:
        lending = library.pools.filter(booking_scope=DevicePool.Scope.RESIDENTS)
        assert lending.exists(), library
        for pool in lending:
            assert pool.loan_period_days in (14, 21), pool
            assert 1 <= pool.max_renewals <= 2, pool
            assert pool.per_person_limit == 1, pool
    city_library = DevicePool.objects.filter(organization__slug="stadtbibliothek-aschaffenburg")
    assert {"Leih-Laptops", "Leih-Tablets"} <= set(city_library.values_list("name", flat=True))
    # Nobody outside a library lends to residents.
    assert not (
        DevicePool.objects.filter(booking_scope=DevicePool.Scope.RESIDENTS)
        .exclude(organization__kind=Organization.Kind.LIBRARY)
        .exists()
    )


def test_one_school_pool_is_shared_with_the_region_and_the_vhs_has_course_laptops(seeded):
    shared = DevicePool.objects.filter(booking_scope=DevicePool.Scope.REGION)
    assert shared.count() == 1
    assert shared.get().organization.kind == Organization.Kind.SCHOOL
    assert shared.get().min_notice_hours >= 24
    assert DevicePool.objects.filter(organization__slug="vhs-aschaffenburg", name="Kurs-Laptops")


def test_pools_are_described_and_have_a_return_checklist(seeded):
    for pool in DevicePool.objects.all():
        assert pool.description and pool.location, pool
        assert pool.location.organization_id == pool.organization_id, pool
        assert len(pool.checklist_items()) >= 2, pool
        assert pool.device_types.count() == 1, pool
        assert pool.is_active
        assert 1 <= pool.max_booking_hours <= 10 and pool.max_days_ahead <= 366, pool


def test_devices_live_where_their_pool_is(seeded):
    for device in Device.objects.select_related("pool").exclude(pool=None):
        assert device.organization_id == device.pool.organization_id, device
        assert device.home_location_id == device.pool.location_id, device
        assert device.pool.device_types.filter(pk=device.device_type_id).exists(), device
        assert device.name and device.serial_number and device.accessories, device
    for device in Device.objects.filter(pool=None):
        assert device.home_location.organization_id == device.organization_id, device
        assert device.notes, device
    serials = list(Device.objects.values_list("serial_number", flat=True))
    assert len(set(serials)) == len(serials)


def test_asset_tags_are_unique_per_organization_and_in_its_own_style(seeded):
    tags = Counter(Device.objects.values_list("organization_id", "asset_tag"))
    assert max(tags.values()) == 1
    assert Device.objects.get(organization__slug="kronberg-gymnasium", asset_tag="KRG-IPAD-001")
    assert Device.objects.get(
        organization__slug="stadtbibliothek-aschaffenburg", asset_tag="STB-LT-07"
    ).name == ("Leih-Laptop 07")
    for organization in Organization.objects.filter(devices__isnull=False).distinct():
        prefixes = {
            tag.split("-")[0] for tag in organization.devices.values_list("asset_tag", flat=True)
        }
        assert len(prefixes) == 1, (organization, prefixes)


def test_a_few_devices_are_in_repair_and_one_or_two_lost(seeded):
    total = Device.objects.count()
    in_repair = Device.objects.filter(status=Device.Status.IN_REPAIR).count()
    lost = Device.objects.filter(status=Device.Status.LOST).count()
    assert 0.01 * total <= in_repair <= 0.06 * total
    assert 1 <= lost <= 2
    assert not Device.objects.filter(status=Device.Status.RETIRED).exists()


def test_every_device_has_an_added_entry_and_every_status_a_reason(seeded):
    created = DeviceEvent.objects.filter(kind=DeviceEvent.Kind.CREATED)
    assert created.count() == Device.objects.count()
    assert set(created.values_list("device", flat=True)) == set(
        Device.objects.values_list("pk", flat=True)
    )
    for device in Device.objects.exclude(status=Device.Status.IN_SERVICE):
        event = device.events.get(kind=DeviceEvent.Kind.STATUS)
        assert event.reason, device
        assert (event.from_status, event.to_status) == (Device.Status.IN_SERVICE, device.status)
        assert event.created_at > device.created_at
        assert device.events.first() == event  # the newest entry
        if event.actor is not None:
            assert Membership.objects.filter(
                user=event.actor, organization=device.organization, role=Role.STAFF
            ).exists()
    assert not DeviceEvent.objects.filter(
        kind=DeviceEvent.Kind.STATUS, device__status=Device.Status.IN_SERVICE
    ).exists()


def test_the_history_names_the_organizations_own_staff(seeded):
    broken = Device.objects.get(organization__slug="kronberg-gymnasium", asset_tag="KRG-IPAD-007")
    event = broken.events.get(kind=DeviceEvent.Kind.STATUS)
    assert (event.reason, event.actor.email) == (
        "Display gesprungen",
        "medien.kronberg@demo.lernpool.example",
    )
    # Of the library's two staff, its own rather than the volunteering teacher.
    lost = Device.objects.get(organization__slug="stadtbibliothek-aschaffenburg", status="lost")
    assert lost.events.get(kind=DeviceEvent.Kind.STATUS).actor.email == (
        "ausleihe.stadtbibliothek@demo.lernpool.example"
    )
    # The Grundschule has no staff member in the demo: nobody is named.
    tablet = Device.objects.get(organization__slug="gs-schweinheim", status="in_repair")
    assert tablet.events.get(kind=DeviceEvent.Kind.STATUS).actor is None


def test_a_pools_capacity_is_its_devices_in_service(seeded):
    annotated = {pool.pk: pool.capacity() for pool in DevicePool.objects.with_capacity()}
    for entry in demo_data.POOLS:
        pool = DevicePool.objects.get(organization__slug=entry["organization"], name=entry["name"])
        expected = entry["count"] - len(entry.get("not_in_service", {}))
        in_service = pool.devices.filter(status=Device.Status.IN_SERVICE).count()
        assert pool.capacity() == in_service == expected == annotated[pool.pk], pool
    koffer = DevicePool.objects.get(
        organization__slug="kronberg-gymnasium", name="iPad-Koffer 2 (32 iPads)"
    )
    assert (koffer.devices.count(), koffer.capacity()) == (32, 30)


# --- Seeding again --------------------------------------------------------------------------


def test_the_summary_is_one_german_line(seeded):
    first = SUMMARY.search(seeded)
    assert first is not None
    devices, pools, in_repair, lost, created = map(int, first.groups())
    assert devices == created == Device.objects.count()
    assert pools == DevicePool.objects.count()
    assert in_repair == Device.objects.filter(status=Device.Status.IN_REPAIR).count()
    assert lost == Device.objects.filter(status=Device.Status.LOST).count()

    again = SUMMARY.search(seed_output())
    assert again is not None
    assert again.groups()[:4] == first.groups()[:4]
    assert again.group(5) == "0"


def test_seeding_twice_duplicates_nothing_and_keeps_the_label_codes(seeded):
    before = snapshot()

    call_command("seed_demo", quiet=True)

    assert snapshot() == before


def test_seeding_again_writes_no_device_that_did_not_change(seeded):
    with CaptureQueriesContext(connection) as queries:
        demo.seed(StringIO())
    writes = [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    assert not any('"devices_device"' in sql.split("SET")[0] for sql in writes), writes
    assert not any('"devices_deviceevent"' in sql for sql in writes), writes
    assert len(queries) < 200


def test_seeding_again_restores_the_data_but_keeps_label_code_and_status(seeded):
    device = Device.objects.get(organization__slug="kronberg-gymnasium", asset_tag="KRG-IPAD-003")
    label_code = device.label_code
    Device.objects.filter(pk=device.pk).update(
        name="Umbenannt", pool=None, status=Device.Status.IN_REPAIR
    )
    pool = DevicePool.objects.get(
        organization__slug="kronberg-gymnasium", name__startswith="iPad-Koffer 1"
    )
    DevicePool.objects.filter(pk=pool.pk).update(min_notice_hours=99)
    by_hand = Device.objects.create(
        organization=device.organization,
        device_type=device.device_type,
        asset_tag="KRG-PRIVAT-1",
    )

    call_command("seed_demo", quiet=True)

    device.refresh_from_db()
    assert (device.name, device.pool_id, device.label_code) == ("iPad 03", pool.pk, label_code)
    assert device.status == Device.Status.IN_REPAIR  # a status change is not undone
    pool.refresh_from_db()
    assert pool.min_notice_hours == 2
    assert Device.objects.filter(pk=by_hand.pk).exists()
    assert not DeviceEvent.objects.filter(device=device, kind=DeviceEvent.Kind.STATUS).exists()
