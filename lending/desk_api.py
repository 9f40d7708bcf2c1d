"""The library desk over the API: hand devices out (``POST /loans``).

``POST /loans`` is lending's door, on lending's router beside ``GET /loans`` (ninja joins
GET and POST of one path only within one router). Lending without a reservation is for
residents only (the person must be known to the library, the borrowing agreement may be
signed on paper); handing out against a reservation is booking's (``hand_out_against``),
used by school and library desks alike. Taking back is booking's (``booking.desk_api``).
"""

# No ``from __future__ import annotations``: ninja reads the schemas' annotations at import.

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Status
from pydantic import StrictBool, model_validator

from booking.api import AwareTime
from booking.desk_api import ERRORS, Code, DeskLoanOut, devices_or_422, hand_out_against, loan_out
from booking.desk_forms import MAX_SCANNED_CODES
from core.api import JsonObject, token_or_session
from devices.api import Id
from devices.models import DevicePool

from . import services
from .access import known_to
from .api import router


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


@router.post(
    "/loans",
    response={201: DeskLoanOut, **ERRORS},
    auth=token_or_session,
    tags=["lending desk"],
    operation_id="booking_lending_desk_api_hand_out",
)
def hand_out(request: HttpRequest, payload: LoanIn):
    """Hand out scanned devices against a reservation, or lend them from a pool to a person
    without one. 404 when the caller is not staff of the pool; 409 when a device is not free
    or a rule of the pool says no; 422 for a code no device of the caller has."""
    user = request.auth
    due = {"due_at": payload.due_at} if payload.due_at else {}
    try:
        if payload.reservation_id is not None:
            loan = hand_out_against(user, payload.reservation_id, payload.devices, due)
            if isinstance(loan, Status):
                return loan
        else:
            pool = get_object_or_404(DevicePool.objects.managed_by(user), pk=payload.pool_id)
            # Only people the library knows (``lending.access``), never any account found
            # by its id; a newcomer's first loan is made at the desk, in person.
            borrower = get_object_or_404(known_to(pool.organization), pk=payload.borrower_id)
            devices = devices_or_422(user, payload.devices, pool.pk)
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
    return Status(201, loan_out(loan.pk))
