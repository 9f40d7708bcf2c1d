"""Device pools for everyone who may book them; the inventory for the staff who keep it."""

# No ``from __future__ import annotations`` here: @paginate wraps the view in a function of
# ninja.pagination, so ninja would resolve string annotations (Query[DeviceFilter]) in that
# module's namespace and fail. Evaluated annotations avoid that.

from typing import Annotated, Any, Literal

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import StringConstraints

from core.api import NO_NUL, Error, Id, JsonObject, ValidationErrors, text, token_or_session
from organizations.models import Organization

from . import services
from .models import Device, DevicePool, DeviceType

router = Router(tags=["devices"])

# Plain string enums, not the model's TextChoices: pydantic would name their schemas "Kind",
# "Status", "Scope", which other apps' enums would overwrite in the OpenAPI components.
DeviceStatus = Literal[tuple(Device.Status.values)]
DeviceKind = Literal[tuple(DeviceType.Kind.values)]
BookingScope = Literal[tuple(DevicePool.Scope.values)]


# --- output -------------------------------------------------------------------------------


class PoolOrganization(Schema):
    id: int
    name: str
    slug: str


class DeviceTypeOut(Schema):
    id: int
    kind: DeviceKind
    make: str
    model: str
    operating_system: str


class PoolOut(Schema):
    id: int
    name: str
    description: str
    organization: PoolOrganization
    location: str | None = Field(..., description="Name of the pick-up location, if any.")
    booking_scope: BookingScope
    capacity: int = Field(..., description="Devices in service now.")
    device_types: list[DeviceTypeOut]
    max_booking_hours: int
    min_notice_hours: int
    max_days_ahead: int
    per_person_limit: int = Field(..., description="0 means no limit.")
    loan_period_days: int
    max_renewals: int

    @staticmethod
    def resolve_location(pool: DevicePool) -> str | None:
        return pool.location.name if pool.location_id else None

    @staticmethod
    def resolve_capacity(pool: DevicePool) -> int:
        return pool.capacity()


class DevicePoolRef(Schema):
    id: int
    name: str


class DeviceOut(Schema):
    id: int
    organization: str = Field(..., description="Slug of the owner organization.")
    asset_tag: str
    label_code: str
    name: str
    serial_number: str
    status: DeviceStatus
    device_type: DeviceTypeOut
    pool: DevicePoolRef | None
    home_location: str | None = Field(..., description="Name of the home location, if any.")
    accessories: str
    notes: str

    @staticmethod
    def resolve_organization(device: Device) -> str:
        return device.organization.slug

    @staticmethod
    def resolve_home_location(device: Device) -> str | None:
        return device.home_location.name if device.home_location_id else None


# --- input --------------------------------------------------------------------------------


class DeviceFilter(Schema):
    organization: text(80) | None = Field(None, description="Slug of the owner organization.")
    pool: int | None = Field(None, ge=1, le=2**63 - 1, description="Pool id.")
    status: DeviceStatus | None = None
    type: int | None = Field(None, ge=1, le=2**63 - 1, description="Device type id.")
    q: text(100) | None = Field(None, description="Part of the asset tag, serial number or name.")


class DeviceIn(JsonObject):
    organization: text(80, min_length=1) = Field(..., description="Slug of the owner.")
    device_type_id: Id
    asset_tag: text(50, min_length=1)
    pool_id: Id | None = None
    name: text(100) = ""
    serial_number: text(100) = ""
    home_location_id: Id | None = None
    accessories: text(200) = ""
    notes: Annotated[str, StringConstraints(strict=True, max_length=2000, pattern=NO_NUL)] = ""


class DevicePatch(JsonObject):
    """Only the fields sent are changed; ``pool_id`` and ``home_location_id`` may be null."""

    device_type_id: Id = None
    asset_tag: text(50, min_length=1) = None
    pool_id: Id | None = None
    name: text(100) = None
    serial_number: text(100) = None
    home_location_id: Id | None = None
    accessories: text(200) = None
    notes: Annotated[str, StringConstraints(strict=True, max_length=2000, pattern=NO_NUL)] = None


class DeviceStatusIn(JsonObject):
    status: DeviceStatus
    reason: Annotated[str, StringConstraints(strict=True, max_length=300, pattern=NO_NUL)] = Field(
        ..., description="Why, e.g. “Display gebrochen”. Required."
    )


class DevicePagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10**9)


# What a write may answer instead: malformed JSON (400), no login (401), a session without
# CSRF token (403), outside the caller's scope (404), a rule of the service (409), bad input (422).
WRITE_ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: ValidationErrors}


# --- pools ----------------------------------------------------------------------------------


def _pools(queryset: QuerySet[DevicePool]) -> QuerySet[DevicePool]:
    return (
        queryset.with_capacity()
        .select_related("organization", "location")
        .prefetch_related("device_types")
    )


class PoolPagination(LimitOffsetPagination):
    """As ``GET /courses`` pages: ``limit`` (1–200, 20) and ``offset``; ``{"items", "count"}``."""

    class Input(Schema):
        limit: int = Field(20, ge=1, le=200)
        offset: int = Field(0, ge=0, le=10**9)


@router.get(
    "/pools",
    response={200: list[PoolOut], 401: Error, 422: ValidationErrors},
    auth=token_or_session,
)
@paginate(PoolPagination)
def list_pools(request: HttpRequest):
    """The device pools the caller may book or borrow from, with their capacity and limits,
    by organization and name (a resident may borrow from every library of the region)."""
    pools = DevicePool.objects.bookable_by(request.auth)
    return _pools(pools).order_by("organization__name", "name", "pk")


@router.get(
    "/pools/{pool_id}",
    response={200: PoolOut, 401: Error, 404: Error, 422: ValidationErrors},
    auth=token_or_session,
)
def get_pool(request: HttpRequest, pool_id: Path[int]):
    """One pool the caller may book, or keeps as staff of its organization."""
    user = request.auth
    visible = DevicePool.objects.bookable_by(user) | DevicePool.objects.managed_by(user)
    return get_object_or_404(_pools(visible), pk=pool_id)


# --- devices (staff of the owner) ---------------------------------------------------------


def _devices(user) -> QuerySet[Device]:
    return Device.objects.managed_by(user).select_related(
        "organization", "device_type", "pool", "home_location"
    )


def _managed_organizations(user) -> QuerySet[Organization]:
    """The organizations whose inventory the user keeps; none at all is a 404."""
    organizations = Organization.objects.managed_by(user)
    if not organizations.exists():
        raise Http404
    return organizations


def _resolve_references(organization: Organization, data: dict[str, Any]) -> dict[str, Any]:
    """Turn the ids of a payload into objects; an unknown id, or one of another organization,
    is a 422 that names the field (and never says whether the object exists elsewhere)."""
    references = {
        "device_type_id": (
            "device_type",
            DeviceType.objects.all(),
            _("There is no device type with this id."),
        ),
        "pool_id": ("pool", organization.pools.all(), _("%(org)s has no pool with this id.")),
        "home_location_id": (
            "home_location",
            organization.locations.all(),
            _("%(org)s has no location with this id."),
        ),
    }
    resolved: dict[str, Any] = {}
    for field, value in data.items():
        if field not in references:
            resolved[field] = value
            continue
        name, queryset, message = references[field]
        resolved[name] = None if value is None else queryset.filter(pk=value).first()
        if value is not None and resolved[name] is None:
            raise ValidationError(
                [
                    {
                        "type": "value_error",
                        "loc": ["body", "payload", field],
                        "msg": message % {"org": organization.name},
                    }
                ]
            )
    return resolved


@router.get(
    "/devices",
    response={200: list[DeviceOut], 401: Error, 404: Error, 422: ValidationErrors},
    auth=token_or_session,
)
@paginate(DevicePagination)
def list_devices(request: HttpRequest, filters: Query[DeviceFilter]):
    """The inventory of the organizations the caller keeps as staff, filtered."""
    user = request.auth
    organizations = _managed_organizations(user)
    devices = _devices(user)
    if filters.organization:
        organization = get_object_or_404(organizations, slug=filters.organization)
        devices = devices.filter(organization=organization)
    if filters.pool:
        devices = devices.filter(pool_id=filters.pool)
    if filters.status:
        devices = devices.filter(status=filters.status)
    if filters.type:
        devices = devices.filter(device_type_id=filters.type)
    if filters.q:
        devices = devices.filter(
            Q(asset_tag__icontains=filters.q)
            | Q(serial_number__icontains=filters.q)
            | Q(name__icontains=filters.q)
        )
    return devices.order_by("organization__name", "organization_id", "asset_tag", "pk")


@router.post(
    "/devices",
    response={201: DeviceOut, **WRITE_ERRORS},
    auth=token_or_session,
)
def create_device(request: HttpRequest, payload: DeviceIn):
    """Add a device to an organization the caller keeps; it starts in service."""
    user = request.auth
    organization = get_object_or_404(
        Organization.objects.managed_by(user), slug=payload.organization
    )
    values = _resolve_references(organization, payload.dict(exclude={"organization"}))
    device = services.create_device(by=user, organization=organization, **values)
    return Status(201, _devices(user).get(pk=device.pk))


@router.get(
    "/devices/{device_id}",
    response={200: DeviceOut, 401: Error, 404: Error, 422: ValidationErrors},
    auth=token_or_session,
)
def get_device(request: HttpRequest, device_id: Path[int]):
    """One device of an organization the caller keeps."""
    return get_object_or_404(_devices(request.auth), pk=device_id)


@router.patch(
    "/devices/{device_id}",
    response={200: DeviceOut, **WRITE_ERRORS},
    auth=token_or_session,
)
def update_device(request: HttpRequest, device_id: Path[int], payload: DevicePatch):
    """Change the fields sent (not the status: see the status endpoint)."""
    user = request.auth
    device = get_object_or_404(_devices(user), pk=device_id)
    changes = _resolve_references(device.organization, payload.dict(exclude_unset=True))
    services.update_device(by=user, device=device, **changes)
    return _devices(user).get(pk=device.pk)


@router.post(
    "/devices/{device_id}/status",
    response={200: DeviceOut, **WRITE_ERRORS},
    auth=token_or_session,
)
def change_device_status(request: HttpRequest, device_id: Path[int], payload: DeviceStatusIn):
    """Move a device to another status with a reason; in repair or lost devices leave their
    pool's capacity until they are back in service."""
    user = request.auth
    device = get_object_or_404(_devices(user), pk=device_id)
    services.change_status(by=user, device=device, status=payload.status, reason=payload.reason)
    return _devices(user).get(pk=device.pk)
