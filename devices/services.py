"""Inventory rules: who may change what, status changes with a reason, pools, and imports.

Every write to Device, DevicePool and DeviceEvent goes through here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import User
from core.errors import DomainError
from core.locking import locked
from organizations.models import Location, Organization

from .models import Device, DeviceEvent, DevicePool, DeviceType
from .signals import device_pool_changed, device_status_changed

# Which status may follow which: a lost device that turns up goes back into service; a
# retired one stays retired.
ALLOWED_STATUS_CHANGES: dict[str, set[str]] = {
    Device.Status.IN_SERVICE: {Device.Status.IN_REPAIR, Device.Status.LOST, Device.Status.RETIRED},
    Device.Status.IN_REPAIR: {Device.Status.IN_SERVICE, Device.Status.LOST, Device.Status.RETIRED},
    Device.Status.LOST: {Device.Status.IN_SERVICE, Device.Status.RETIRED},
    Device.Status.RETIRED: set(),
}


REASON_MAX_LENGTH = DeviceEvent._meta.get_field("reason").max_length


class DuplicateAssetTag(DomainError):
    """The organization already has a device with this asset tag."""


class StatusChangeNotAllowed(DomainError):
    """The device cannot go from its status to the requested one."""


class InvalidAssignment(DomainError):
    """A pool or location of another organization was given."""


def ensure_manages(user: User, organization: Organization) -> None:
    """Only staff and admins of the organization (or region admins) keep its inventory."""
    if not Organization.objects.managed_by(user).filter(pk=organization.pk).exists():
        raise PermissionDenied


def _check_belongs(
    organization: Organization, pool: DevicePool | None, location: Location | None
) -> None:
    if pool is not None and pool.organization_id != organization.pk:
        raise InvalidAssignment(_("The pool belongs to another organization."))
    if location is not None and location.organization_id != organization.pk:
        raise InvalidAssignment(_("The location belongs to another organization."))


def _duplicate_tag(asset_tag: str) -> DuplicateAssetTag:
    return DuplicateAssetTag(
        _("There is already a device with the asset tag “%(tag)s” in this organization.")
        % {"tag": asset_tag}
    )


def _required_tag(asset_tag: str) -> str:
    asset_tag = asset_tag.strip()
    if not asset_tag:
        raise DomainError(_("The asset tag is missing."))
    return asset_tag


DEVICE_FIELDS = (
    "device_type",
    "asset_tag",
    "name",
    "serial_number",
    "pool",
    "home_location",
    "accessories",
    "notes",
)


def create_device(
    *,
    by: User,
    organization: Organization,
    device_type: DeviceType,
    asset_tag: str,
    pool: DevicePool | None = None,
    name: str = "",
    serial_number: str = "",
    home_location: Location | None = None,
    accessories: str = "",
    notes: str = "",
) -> Device:
    """Add a device to the organization's inventory, in service."""
    ensure_manages(by, organization)
    _check_belongs(organization, pool, home_location)
    asset_tag = _required_tag(asset_tag)
    with transaction.atomic():
        if Device.objects.filter(organization=organization, asset_tag=asset_tag).exists():
            raise _duplicate_tag(asset_tag)
        try:
            with transaction.atomic():
                device = Device.objects.create(
                    organization=organization,
                    device_type=device_type,
                    asset_tag=asset_tag,
                    pool=pool,
                    name=name.strip(),
                    serial_number=serial_number.strip(),
                    home_location=home_location,
                    accessories=accessories.strip(),
                    notes=notes,
                )
        except IntegrityError as error:  # a concurrent insert of the same tag
            raise _duplicate_tag(asset_tag) from error
        DeviceEvent.objects.create(
            device=device, kind=DeviceEvent.Kind.CREATED, actor=by, to_status=device.status
        )
        log_action(by, "devices.created", device, organization_id=organization.pk)
    return device


def update_device(*, by: User, device: Device, **changes) -> Device:
    """Change a device's details (not its status: see change_status)."""
    ensure_manages(by, device.organization)
    unknown = set(changes) - set(DEVICE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    _check_belongs(device.organization, changes.get("pool"), changes.get("home_location"))
    for name in ("name", "serial_number", "accessories"):
        if name in changes:
            changes[name] = changes[name].strip()
    if "asset_tag" in changes:
        changes["asset_tag"] = _required_tag(changes["asset_tag"])
    with transaction.atomic():
        device = locked(device)
        if (
            "asset_tag" in changes
            and Device.objects.filter(
                organization=device.organization_id, asset_tag=changes["asset_tag"]
            )
            .exclude(pk=device.pk)
            .exists()
        ):
            raise _duplicate_tag(changes["asset_tag"])
        changed = [name for name, value in changes.items() if getattr(device, name) != value]
        from_pool_id = device.pool_id
        for name in changed:
            setattr(device, name, changes[name])
        if changed:
            try:
                with transaction.atomic():
                    device.save(update_fields=changed)
            except IntegrityError as error:  # a concurrent change took the same tag
                raise _duplicate_tag(changes.get("asset_tag", device.asset_tag)) from error
            DeviceEvent.objects.create(
                device=device,
                kind=DeviceEvent.Kind.EDITED,
                actor=by,
                reason=", ".join(sorted(changed)),
            )
            log_action(
                by,
                "devices.edited",
                device,
                organization_id=device.organization_id,
                fields=sorted(changed),
            )
            if "pool" in changed:
                device_pool_changed.send(
                    sender=Device,
                    device=device,
                    from_pool_id=from_pool_id,
                    to_pool_id=device.pool_id,
                )
    return device


def change_status(*, by: User, device: Device, status: str, reason: str) -> Device:
    """Move a device to another status with a reason: in repair and lost devices no longer
    count toward their pool's capacity."""
    ensure_manages(by, device.organization)
    reason = reason.strip()
    if not reason:
        raise StatusChangeNotAllowed(_("Please give a reason for the status change."))
    if len(reason) > REASON_MAX_LENGTH:
        raise StatusChangeNotAllowed(
            _("Please keep the reason under %(max)d characters.") % {"max": REASON_MAX_LENGTH}
        )
    with transaction.atomic():
        device = locked(device)
        if status not in ALLOWED_STATUS_CHANGES.get(device.status, set()):
            raise StatusChangeNotAllowed(
                _("A device that is “%(current)s” cannot become “%(new)s”.")
                % {
                    "current": device.get_status_display(),
                    "new": Device.Status(status).label
                    if status in Device.Status.values
                    else status,
                }
            )
        previous = device.status
        device.status = status
        device.save(update_fields=["status"])
        DeviceEvent.objects.create(
            device=device,
            kind=DeviceEvent.Kind.STATUS,
            actor=by,
            from_status=previous,
            to_status=status,
            reason=reason,
        )
        log_action(
            by,
            "devices.status_changed",
            device,
            organization_id=device.organization_id,
            from_status=previous,
            to_status=status,
        )
        device_status_changed.send(
            sender=Device, device=device, from_status=previous, to_status=status
        )
    return device


POOL_FIELDS = (
    "name",
    "description",
    "location",
    "booking_scope",
    "max_booking_hours",
    "min_notice_hours",
    "max_days_ahead",
    "per_person_limit",
    "loan_period_days",
    "max_renewals",
    "return_checklist",
    "pickup_note",
    "text_language",
    "is_active",
)


def save_pool(
    *,
    by: User,
    organization: Organization,
    pool: DevicePool | None = None,
    device_types: Iterable[DeviceType] = (),
    **values,
) -> DevicePool:
    """Create a pool (``pool`` None) or change one of the organization's pools."""
    ensure_manages(by, organization)
    unknown = set(values) - set(POOL_FIELDS)
    if unknown:
        raise ValueError(f"not a pool setting: {', '.join(sorted(unknown))}")
    _check_belongs(organization, None, values.get("location"))
    with transaction.atomic():
        name = values.get("name", pool.name if pool else "").strip()
        clash = DevicePool.objects.filter(organization=organization, name=name)
        if pool is not None:
            clash = clash.exclude(pk=pool.pk)
        if clash.exists():
            raise DomainError(
                _("This organization already has a pool named “%(name)s”.") % {"name": name}
            )
        try:
            with transaction.atomic():
                if pool is None:
                    pool = DevicePool.objects.create(organization=organization, **values)
                    action = "devices.pool_created"
                else:
                    pool = locked(pool)
                    if pool.organization_id != organization.pk:
                        raise PermissionDenied
                    for key, value in values.items():
                        setattr(pool, key, value)
                    pool.save()
                    action = "devices.pool_edited"
        except IntegrityError as error:  # a concurrent change took the same name
            raise DomainError(
                _("This organization already has a pool named “%(name)s”.") % {"name": name}
            ) from error
        pool.device_types.set(device_types)
        log_action(by, action, pool, organization_id=organization.pk)
    return pool


@dataclass
class ImportRow:
    """One valid row of a CSV import, ready to write."""

    line: int
    asset_tag: str
    device_type: DeviceType
    serial_number: str = ""
    name: str = ""
    pool: DevicePool | None = None
    home_location: Location | None = None
    status: str = Device.Status.IN_SERVICE
    accessories: str = ""
    notes: str = ""

    @property
    def status_label(self) -> str:
        return Device.Status(self.status).label


def import_devices(*, by: User, organization: Organization, rows: list[ImportRow]) -> int:
    """Write a whole, already validated import at once: every row or none."""
    ensure_manages(by, organization)
    for row in rows:
        _check_belongs(organization, row.pool, row.home_location)
    with transaction.atomic():
        tags = [row.asset_tag.strip() for row in rows]
        repeated = [tag for tag, count in Counter(tags).items() if count > 1]
        taken = set(
            Device.objects.filter(organization=organization, asset_tag__in=tags).values_list(
                "asset_tag", flat=True
            )
        )
        if taken or repeated:
            raise _duplicate_tag(sorted(taken or repeated)[0])
        try:
            with transaction.atomic():
                devices = Device.objects.bulk_create(
                    [
                        Device(
                            organization=organization,
                            asset_tag=tag,
                            device_type=row.device_type,
                            serial_number=row.serial_number,
                            name=row.name,
                            pool=row.pool,
                            home_location=row.home_location,
                            status=row.status,
                            accessories=row.accessories,
                            notes=row.notes,
                        )
                        for tag, row in zip(tags, rows, strict=True)
                    ],
                    batch_size=500,
                )
        except IntegrityError as error:  # a concurrent import or edit took one of the tags
            raise DuplicateAssetTag(
                _("Another change took one of these asset tags meanwhile. Check the file again.")
            ) from error
        if not all(device.pk for device in devices):  # SQLite before RETURNING support
            by_tag = dict(
                Device.objects.filter(organization=organization, asset_tag__in=tags).values_list(
                    "asset_tag", "pk"
                )
            )
            for device in devices:
                device.pk = by_tag[device.asset_tag]
        DeviceEvent.objects.bulk_create(
            [
                DeviceEvent(
                    device_id=device.pk,
                    kind=DeviceEvent.Kind.IMPORTED,
                    actor=by,
                    to_status=device.status,
                )
                for device in devices
            ],
            batch_size=500,
        )
        log_action(
            by, "devices.imported", None, organization_id=organization.pk, count=len(devices)
        )
    return len(devices)
