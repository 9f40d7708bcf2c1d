"""The desk over the API: take devices back, and hand them out against a reservation.

For staff of the pool's organization (a school's or a library's), by API token or session.
Devices are named as on their labels: the label code or the asset tag, in any case.
``POST /loans`` itself is on lending's router (``lending.desk_api``): ninja joins GET and
POST of one path only within one router, and ``GET /loans`` (a resident's loans) lives
there; its reservation branch is ``hand_out_against`` here.
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
from core.api import Error, JsonObject, ValidationErrors, text, token_or_session
from devices.models import Device

from . import services
from .desk_forms import MAX_SCANNED_CODES, find_devices
from .models import Loan, LoanItem, Reservation

router = Router(tags=["lending desk"])

Condition = Literal[tuple(LoanItem.Condition.values)]
Code = text(60, min_length=1)

# Malformed JSON (400), no login (401), a session without CSRF token (403), not staff of the
# pool (404), a rule of the service (409), bad input or an unknown device (422).
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: ValidationErrors}


# --- schemas --------------------------------------------------------------------------------


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


def loan_out(loan_id: int) -> Loan:
    return Loan.objects.prefetch_related("items__device").get(pk=loan_id)


def devices_or_422(user: User, codes: list[str], pool_id: int) -> list[Device] | Status:
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


def hand_out_against(user: User, reservation_id: int, codes: list[str], due: dict) -> Loan | Status:
    """The school desk's hand-out (and a resident's pick-up) against a reservation the user
    manages: the reservation branch of ``POST /loans`` (on lending's router, beside
    ``GET /loans``). 404 outside the user's scope, 422 for an unknown code."""
    reservation = get_object_or_404(
        Reservation.objects.managed_by(user).select_related("pool"), pk=reservation_id
    )
    devices = devices_or_422(user, codes, reservation.pool_id)
    if isinstance(devices, Status):
        return devices
    return services.hand_out(by=user, reservation=reservation, devices=devices, **due)


@router.post(
    "/loans/{loan_id}/return",
    response={200: DeskLoanOut, **ERRORS},
    auth=token_or_session,
    operation_id="booking_lending_desk_api_take_back",
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
    return loan_out(loan.pk)


def _codes(device: Device) -> tuple[str, str]:
    return (device.label_code.upper(), device.asset_tag.upper())
