"""The demo inventory: device types, pools and devices of the demo region.

``manage.py seed_demo`` calls :func:`seed` (listed in ``demo/seeders.py``) once the
organizations, rooms and people exist. The data is in ``demo/data/devices.py``.

The demo is a fixture, not something a person did, so the rows are written directly with
the ORM rather than through ``devices.services`` (which needs an acting staff member and
writes the audit log). New devices still get a history, an "added" entry and, for those
not in service, a status change with its reason, so that their pages look like those of a
real inventory.

Idempotent: device types are found by make, model and operating system, pools by
organization and name, devices by organization and asset tag; what exists is updated, what
is missing is created. Two things of an existing device are never changed: its label code
(printed on its sticker) and its status (a status change has a history, and seeding again
must not silently undo one made in the demo).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any, TextIO

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from demo.data import devices as demo_data
from demo.data import organizations as organization_demo_data
from demo.vocabulary import serial_number
from devices.models import Device, DeviceEvent, DevicePool, DeviceType, new_label_code
from organizations.hours import calendar_for
from organizations.models import Location, Organization, Role

# The time of day of the demo history entries: devices are added in the morning, and
# damage is noticed around the big break.
ADDED_AT = datetime.time(9, 0)
STATUS_CHANGED_AT = datetime.time(11, 20)

POOL_SETTINGS = (
    "description",
    "booking_scope",
    "max_booking_hours",
    "min_notice_hours",
    "max_days_ahead",
    "per_person_limit",
    "loan_period_days",
    "max_renewals",
    "return_checklist",
)

# What seeding again brings back to the demo data on an existing device.
UPDATED_FIELDS = (
    "device_type",
    "pool",
    "name",
    "serial_number",
    "home_location",
    "accessories",
    "notes",
)


@dataclass
class DeviceSpec:
    """One demo device as the data describes it."""

    organization: Organization
    asset_tag: str
    device_type: DeviceType
    pool: DevicePool | None
    name: str
    serial_number: str
    home_location: Location | None
    accessories: str
    notes: str
    added: datetime.date
    status: str = Device.Status.IN_SERVICE
    reason: str = ""
    days_ago: int = 0

    def columns(self) -> dict[str, Any]:
        """The updated fields by column (``pool_id`` …): comparing them loads no rows."""
        return {
            "device_type_id": self.device_type.pk,
            "pool_id": self.pool.pk if self.pool else None,
            "name": self.name,
            "serial_number": self.serial_number,
            "home_location_id": self.home_location.pk if self.home_location else None,
            "accessories": self.accessories,
            "notes": self.notes,
        }


def seed(stdout: TextIO) -> str:
    """Create or update the demo inventory; return a one-line summary."""
    with transaction.atomic():
        organizations = _organizations()
        locations = _locations(organizations)
        types = seed_device_types()
        pools = seed_pools(organizations, locations, types)
        specs = device_specs(organizations, locations, types, pools)
        statuses, created = seed_devices(specs, inventory_keepers(organizations))
    return (
        f"Geräte: {len(specs)} Geräte in {len(pools)} Gerätesets "
        f"({statuses[Device.Status.IN_REPAIR]} in Reparatur, "
        f"{statuses[Device.Status.LOST]} verloren; {created} neu angelegt)"
    )


def _organizations() -> dict[str, Organization]:
    slugs = {entry["organization"] for entry in [*demo_data.POOLS, *demo_data.DEVICES_WITHOUT_POOL]}
    found = Organization.objects.in_bulk(slugs, field_name="slug")
    missing = sorted(slugs - set(found))
    if missing:
        raise CommandError(f"demo/data/devices.py names unknown organizations: {missing}")
    return found


def _locations(organizations: dict[str, Organization]) -> dict[tuple[str, str], Location]:
    slug_of = {organization.pk: slug for slug, organization in organizations.items()}
    return {
        (slug_of[location.organization_id], location.name): location
        for location in Location.objects.filter(organization__in=organizations.values())
    }


def _location(locations: dict[tuple[str, str], Location], slug: str, name: str) -> Location:
    try:
        return locations[slug, name]
    except KeyError:
        raise CommandError(
            f"demo/data/devices.py names an unknown location: {slug} / {name}"
        ) from None


def seed_device_types() -> dict[str, DeviceType]:
    types = {}
    for key, entry in demo_data.DEVICE_TYPES.items():
        types[key], _created = DeviceType.objects.update_or_create(
            make=entry["make"],
            model=entry["model"],
            operating_system=entry["operating_system"],
            defaults={"kind": DeviceType.Kind(entry["kind"])},
        )
    return types


def seed_pools(
    organizations: dict[str, Organization],
    locations: dict[tuple[str, str], Location],
    types: dict[str, DeviceType],
) -> list[DevicePool]:
    pools = []
    for entry in demo_data.POOLS:
        slug = entry["organization"]
        defaults = {key: entry[key] for key in POOL_SETTINGS}
        defaults["booking_scope"] = DevicePool.Scope(entry["booking_scope"])
        defaults["location"] = _location(locations, slug, entry["location"])
        defaults["is_active"] = True
        pool, _created = DevicePool.objects.update_or_create(
            organization=organizations[slug], name=entry["name"], defaults=defaults
        )
        pool.device_types.set([types[entry["device_type"]]])
        pools.append(pool)
    return pools


def device_specs(
    organizations: dict[str, Organization],
    locations: dict[tuple[str, str], Location],
    types: dict[str, DeviceType],
    pools: list[DevicePool],
) -> list[DeviceSpec]:
    specs = []
    for entry, pool in zip(demo_data.POOLS, pools, strict=True):
        slug = entry["organization"]
        type_entry = demo_data.DEVICE_TYPES[entry["device_type"]]
        not_in_service = entry.get("not_in_service", {})
        for n in range(1, entry["count"] + 1):
            number = entry["first"] + n - 1
            asset_tag = entry["asset_tag"].format(number=number, n=n)
            spec = DeviceSpec(
                organization=organizations[slug],
                asset_tag=asset_tag,
                device_type=types[entry["device_type"]],
                pool=pool,
                name=entry["device_name"].format(number=number, n=n),
                serial_number=serial_number(type_entry["serial"], f"{slug}/{asset_tag}"),
                home_location=pool.location,
                accessories=entry["accessories"],
                notes="",
                added=entry["added"],
            )
            if number in not_in_service:
                spec.status, spec.reason, spec.days_ago = not_in_service[number]
            specs.append(spec)
    for entry in demo_data.DEVICES_WITHOUT_POOL:
        slug = entry["organization"]
        type_entry = demo_data.DEVICE_TYPES[entry["device_type"]]
        specs.append(
            DeviceSpec(
                organization=organizations[slug],
                asset_tag=entry["asset_tag"],
                device_type=types[entry["device_type"]],
                pool=None,
                name=entry["name"],
                serial_number=serial_number(type_entry["serial"], f"{slug}/{entry['asset_tag']}"),
                home_location=_location(locations, slug, entry["location"]),
                accessories=entry["accessories"],
                notes=entry["notes"],
                added=entry["added"],
            )
        )
    keys = Counter((spec.organization.pk, spec.asset_tag) for spec in specs)
    duplicates = sorted(tag for (_org, tag), seen in keys.items() if seen > 1)
    if duplicates:
        raise CommandError(f"demo/data/devices.py repeats asset tags: {duplicates}")
    return specs


def inventory_keepers(organizations: dict[str, Organization]) -> dict[int, User]:
    """The demo staff member who keeps each organization's inventory, where there is one.

    Of several, the one with the fewest other roles: the library's own staff rather than
    the teacher who volunteers there.
    """
    candidates: dict[str, list[tuple[int, str]]] = {}
    for person in organization_demo_data.USERS:
        memberships = person.get("memberships", [])
        for slug, role in memberships:
            if role == Role.STAFF and slug in organizations:
                candidates.setdefault(slug, []).append((len(memberships), person["email"]))
    chosen = {slug: min(found, key=lambda c: c[0])[1] for slug, found in candidates.items()}
    users = User.objects.in_bulk(list(chosen.values()), field_name="email")
    return {
        organizations[slug].pk: users[email] for slug, email in chosen.items() if email in users
    }


def _unique_label_codes(count: int) -> list[str]:
    """New label codes that no device has yet (a clash is unlikely, but would abort)."""
    codes: set[str] = set()
    while len(codes) < count:
        codes.update(new_label_code() for _ in range(count - len(codes)))
        codes -= set(
            Device.objects.filter(label_code__in=codes).values_list("label_code", flat=True)
        )
    return list(codes)


def _at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def seed_devices(specs: list[DeviceSpec], keepers: dict[int, User]) -> tuple[Counter[str], int]:
    """Create the missing devices with their history, update the others.

    Returns how many demo devices have each status now, and how many were created.
    """
    organization_ids = {spec.organization.pk for spec in specs}
    existing = {
        (device.organization_id, device.asset_tag): device
        for device in Device.objects.filter(organization__in=organization_ids)
    }
    statuses: Counter[str] = Counter()
    new_specs: list[DeviceSpec] = []
    changed: list[Device] = []
    for spec in specs:
        device = existing.get((spec.organization.pk, spec.asset_tag))
        if device is None:
            new_specs.append(spec)
            statuses[spec.status] += 1
            continue
        statuses[device.status] += 1
        differs = False
        for field, value in spec.columns().items():
            if getattr(device, field) != value:
                setattr(device, field, value)
                differs = True
        if differs:
            changed.append(device)
    if changed:
        Device.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=500)
    if new_specs:
        _create_devices(new_specs, keepers)
    return statuses, len(new_specs)


def _open_day(organization: Organization, today: datetime.date, days_ago: int) -> datetime.date:
    """``days_ago`` days before ``today`` (at least one), or the last day before it that the
    organization was open: staff change a device's status at work, and a library's damaged
    device came back at the desk that day (demo/lending.py), whatever day the demo is seeded."""
    day = today - datetime.timedelta(days=max(days_ago, 1))
    calendar = calendar_for(organization, day - datetime.timedelta(days=30), day)
    if not calendar.is_open(day):
        day = calendar.last_open_day_before(day) or day
    return day


def _status_changed_at(
    organization: Organization, today: datetime.date, days_ago: int
) -> datetime.datetime:
    """When staff changed a device's status: on ``_open_day`` at STATUS_CHANGED_AT, or an hour
    after the organization opened that day when it is not open then (Obernburg opens at three
    on a Tuesday), so that the damaged device came back at the desk while it was open."""
    day = _open_day(organization, today, days_ago)
    intervals = calendar_for(organization, day, day).intervals(day) or []
    an_hour = datetime.timedelta(hours=1)
    for interval in intervals:
        if (
            _at(day, interval.opens) + an_hour
            <= _at(day, STATUS_CHANGED_AT)
            < _at(day, interval.closes)
        ):
            return _at(day, STATUS_CHANGED_AT)
    if intervals:
        return _at(day, intervals[0].opens) + an_hour
    return _at(day, STATUS_CHANGED_AT)


def _create_devices(specs: list[DeviceSpec], keepers: dict[int, User]) -> None:
    today = timezone.localdate()
    added_at: list[datetime.datetime] = []
    changed_at: list[datetime.datetime | None] = []
    for spec in specs:
        changed = None
        added = _at(spec.added, ADDED_AT)
        if spec.status != Device.Status.IN_SERVICE:
            changed = _status_changed_at(spec.organization, today, spec.days_ago)
            added = min(added, changed - datetime.timedelta(days=1))
        added_at.append(added)
        changed_at.append(changed)

    devices = Device.objects.bulk_create(
        [
            Device(
                organization=spec.organization,
                label_code=code,
                asset_tag=spec.asset_tag,
                status=spec.status,
                created_at=added,
                **spec.columns(),
            )
            for spec, code, added in zip(
                specs, _unique_label_codes(len(specs)), added_at, strict=True
            )
        ],
        batch_size=500,
    )
    if not all(device.pk for device in devices):  # a database without RETURNING
        pks = {
            (organization_id, tag): pk
            for organization_id, tag, pk in Device.objects.filter(
                organization__in={spec.organization.pk for spec in specs},
                asset_tag__in=[spec.asset_tag for spec in specs],
            ).values_list("organization_id", "asset_tag", "pk")
        }
        for device in devices:
            device.pk = pks[device.organization_id, device.asset_tag]

    events = [
        DeviceEvent(
            device_id=device.pk,
            kind=DeviceEvent.Kind.CREATED,
            to_status=Device.Status.IN_SERVICE,
            actor=keepers.get(spec.organization.pk),
            created_at=added,
        )
        for spec, device, added in zip(specs, devices, added_at, strict=True)
    ]
    events += [
        DeviceEvent(
            device_id=device.pk,
            kind=DeviceEvent.Kind.STATUS,
            from_status=Device.Status.IN_SERVICE,
            to_status=spec.status,
            reason=spec.reason,
            actor=keepers.get(spec.organization.pk),
            created_at=changed,
        )
        for spec, device, changed in zip(specs, devices, changed_at, strict=True)
        if changed is not None
    ]
    DeviceEvent.objects.bulk_create(events, batch_size=500)
