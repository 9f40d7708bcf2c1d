"""The library desk over the API: hand out and take back devices lent to residents.

For staff of the pool's organization, by API token or session. Devices are named as on
their labels: the label code or the asset tag, in any case.
"""

# No ``from __future__ import annotations``: ninja reads the schemas' annotations at import.

import datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status
from pydantic import StrictBool, model_validator

from accounts.models import User
from config.api import Error, JsonObject, ValidationErrors, token_or_session
from devices.api import Id, text
from devices.models import Device, DevicePool
from organizations.people import known_people

from . import services
from .api import AwareTime
from .desk_forms import MAX_SCANNED_CODES, find_devices
from .lending_api import router as loans_router
from .models import Loan, LoanItem, Reservation

router = Router(tags=["lending desk"])

Condition = Literal[tuple(LoanItem.Condition.values)]
Code = text(60, min_length=1)

# Malformed JSON (400), no login (401), a session without CSRF token (403), not staff of the
# pool (404), a rule of the service (409), bad input or an unknown device (422).
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: ValidationErrors}


# --- schemas --------------------------------------------------------------------------------


class LoanIn(JsonObject):
    reservation_id: Id | None = Field(None, description="Hand out against this reservation …")
    pool_id: Id | None = Field(None, description="… or lend from this pool without one …")
    borrower_id: Id | None = Field(None, description="… to this person.")
    devices: list[Code] = Field(
        ..., min_length=1, max_length=MAX_SCANNED_CODES, description="Label codes or asset tags."
    )
    due_at: AwareTime | None = Field(
        None, description="Default: the reservation's end, or the pool's loan period."
    )
    agreement_signed: StrictBool = Field(
        False, description="The borrower signed the borrowing agreement on paper just now."
    )

    @model_validator(mode="after")
    def _one_way(self):
        by_reservation = self.reservation_id is not None
        by_pool = self.pool_id is not None or self.borrower_id is not None
        if by_reservation == by_pool:
            raise ValueError(_("Give either reservation_id, or pool_id and borrower_id."))
        if by_pool and (self.pool_id is None or self.borrower_id is None):
            raise ValueError(_("Lending without a reservation needs pool_id and borrower_id."))
        return self


class ItemReturnIn(JsonObject):
    device: Code = Field(..., description="Label code or asset tag.")
    condition: Condition = "complete"
    note: text(300) = Field("", description="Required when damaged or parts are missing.")

    @model_validator(mode="after")
    def _note_when_not_complete(self):
        if self.condition != "complete" and not self.note:
            raise ValueError(_("Please describe the damage or what is missing."))
        return self


class ReturnIn(JsonObject):
    items: list[ItemReturnIn] | None = Field(None, min_length=1, max_length=MAX_SCANNED_CODES)
    all_complete: StrictBool = Field(False, description="Every device still out came back.")

    @model_validator(mode="after")
    def _one_way(self):
        if bool(self.items) == self.all_complete:
            raise ValueError(_("Give either items, or all_complete: true."))
        return self


class LoanItemOut(Schema):
    device_id: int
    asset_tag: str
    label_code: str
    name: str
    returned_at: datetime.datetime | None
    condition: Condition | Literal[""] = Field(..., description="Empty while still out.")
    note: str

    @staticmethod
    def resolve_asset_tag(item: LoanItem) -> str:
        return item.device.asset_tag

    @staticmethod
    def resolve_label_code(item: LoanItem) -> str:
        return item.device.label_code

    @staticmethod
    def resolve_name(item: LoanItem) -> str:
        return item.device.display_name

    @staticmethod
    def resolve_returned_at(item: LoanItem) -> datetime.datetime | None:
        return timezone.localtime(item.returned_at) if item.returned_at else None


class DeskLoanOut(Schema):
    id: int
    pool_id: int
    reservation_id: int | None
    borrower_id: int | None
    handed_out_at: datetime.datetime
    due_at: datetime.datetime
    closed_at: datetime.datetime | None = Field(..., description="When the last device came back.")
    items: list[LoanItemOut]

    @staticmethod
    def resolve_handed_out_at(loan: Loan) -> datetime.datetime:
        return timezone.localtime(loan.handed_out_at)

    @staticmethod
    def resolve_due_at(loan: Loan) -> datetime.datetime:
        return timezone.localtime(loan.due_at)

    @staticmethod
    def resolve_closed_at(loan: Loan) -> datetime.datetime | None:
        return timezone.localtime(loan.closed_at) if loan.closed_at else None

    @staticmethod
    def resolve_items(loan: Loan) -> list[LoanItem]:
        return sorted(loan.items.all(), key=lambda item: item.device.asset_tag)


# --- helpers --------------------------------------------------------------------------------


def _loan(loan_id: int) -> Loan:
    return Loan.objects.prefetch_related("items__device").get(pk=loan_id)


def _devices_or_422(user: User, codes: list[str], pool_id: int) -> list[Device] | Status:
    found, unknown = find_devices(Device.objects.managed_by(user), codes, prefer_pool_id=pool_id)
    if unknown:
        return Status(
            422,
            {
                "detail": _("No device of yours has the label or asset tag %(codes)s.")
                % {"codes": ", ".join(unknown)}
            },
        )
    return found


def _managed_loans(user: User) -> QuerySet[Loan]:
    return Loan.objects.managed_by(user).select_related("pool")


# --- operations -----------------------------------------------------------------------------


# On the residents' router: ninja joins GET and POST of one path only within one router, and
# ``GET /loans`` (my loans) lives there.
@loans_router.post(
    "/loans", response={201: DeskLoanOut, **ERRORS}, auth=token_or_session, tags=["lending desk"]
)
def hand_out(request: HttpRequest, payload: LoanIn):
    """Hand out scanned devices against a reservation, or lend them from a pool to a person
    without one. 404 when the caller is not staff of the pool; 409 when a device is not free
    or a rule of the pool says no; 422 for a code no device of the caller has."""
    user = request.auth
    due = {"due_at": payload.due_at} if payload.due_at else {}
    try:
        if payload.reservation_id is not None:
            reservation = get_object_or_404(
                Reservation.objects.managed_by(user).select_related("pool"),
                pk=payload.reservation_id,
            )
            devices = _devices_or_422(user, payload.devices, reservation.pool_id)
            if isinstance(devices, Status):
                return devices
            loan = services.hand_out(by=user, reservation=reservation, devices=devices, **due)
        else:
            pool = get_object_or_404(DevicePool.objects.managed_by(user), pk=payload.pool_id)
            # Only people the library knows (``organizations.people``), never any account
            # found by its id; a newcomer's first loan is made at the desk, in person.
            borrower = get_object_or_404(
                known_people(pool.organization).filter(is_active=True), pk=payload.borrower_id
            )
            devices = _devices_or_422(user, payload.devices, pool.pk)
            if isinstance(devices, Status):
                return devices
            loan = services.lend_at_desk(
                by=user,
                pool=pool,
                borrower=borrower,
                devices=devices,
                agreement_signed=payload.agreement_signed,
                **due,
            )
    except PermissionDenied:
        raise Http404 from None
    return Status(201, _loan(loan.pk))


@router.post(
    "/loans/{loan_id}/return", response={200: DeskLoanOut, **ERRORS}, auth=token_or_session
)
def take_back(
    request: HttpRequest,
    loan_id: Path[Annotated[int, Field(ge=1, le=2**63 - 1)]],
    payload: ReturnIn,
):
    """Take devices of a loan back, each complete, damaged (goes to repair) or with missing
    parts; or ``all_complete``. 409 when a device is not out on this loan."""
    user = request.auth
    loan = get_object_or_404(_managed_loans(user), pk=loan_id)
    out = list(
        LoanItem.objects.filter(loan=loan, returned_at__isnull=True).select_related("device")
    )
    if payload.all_complete:
        returns = [services.ItemReturn(item.pk, LoanItem.Condition.COMPLETE) for item in out]
    else:
        by_device = {item.device_id: item for item in out}
        devices, _unknown = find_devices(
            Device.objects.filter(pk__in=by_device), [entry.device for entry in payload.items]
        )
        codes = {code.upper(): device for device in devices for code in _codes(device)}
        returns = []
        for entry in payload.items:
            device = codes.get(entry.device.upper())
            if device is None:
                return Status(
                    409,
                    {"detail": _("%(device)s is not out on this loan.") % {"device": entry.device}},
                )
            returns.append(
                services.ItemReturn(by_device[device.pk].pk, entry.condition, entry.note)
            )
    try:
        services.return_items(by=user, loan=loan, returns=returns)
    except PermissionDenied:
        raise Http404 from None
    return _loan(loan.pk)


def _codes(device: Device) -> tuple[str, str]:
    return (device.label_code.upper(), device.asset_tag.upper())
