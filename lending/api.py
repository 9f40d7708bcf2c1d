"""Loans to residents over the API: my loans, renewing one, joining and leaving a pool's
waiting list. The desk's operations (hand out, take back) are in lending_desk_api.py.

Times go out in the installation's time zone (Europe/Berlin) with their offset.
"""

# No ``from __future__ import annotations`` here: @paginate wraps the view in a function of
# ninja.pagination, so ninja would resolve string annotations in that module's namespace and
# fail (the same as booking/api.py).

import datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Body, Field, Path, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from booking.models import Loan, LoanItem
from core.api import (
    Error,
    JsonObject,
    SensibleDate,
    ValidationErrors,
    WholeNumber,
    token_or_session,
)
from core.mail import site_url
from devices.models import DevicePool, DeviceType

from . import services
from .models import WaitlistEntry

router = Router(tags=["lending"])

# Far more than any pool lends to one person; keeps absurd numbers away from the database.
MAX_QUANTITY = 100

PathId = Path[Annotated[int, Field(ge=1, le=2**63 - 1)]]
DeviceKind = Literal[tuple(DeviceType.Kind.values)]

# What a write may answer instead: malformed JSON (400), no login (401), a session without
# CSRF token (403), outside the caller's scope (404), a rule of the service (409), bad input (422).
WRITE_ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    422: ValidationErrors,
}


# --- schemas --------------------------------------------------------------------------------


class LoanDevice(Schema):
    name: str
    type: str = Field(..., description="Make and model, e.g. Lenovo ThinkPad E14.")
    kind: DeviceKind
    returned: bool

    @staticmethod
    def resolve_name(item: LoanItem) -> str:
        return item.device.display_name

    @staticmethod
    def resolve_type(item: LoanItem) -> str:
        return str(item.device.device_type)

    @staticmethod
    def resolve_kind(item: LoanItem) -> str:
        return item.device.device_type.kind

    @staticmethod
    def resolve_returned(item: LoanItem) -> bool:
        return item.returned_at is not None


class LoanOut(Schema):
    id: int
    pool_id: int
    pool_name: str
    organization: str
    devices: list[LoanDevice]
    handed_out_at: datetime.datetime
    due_at: datetime.datetime
    renewals: int = Field(..., description="Times this loan was renewed.")
    renewals_allowed: int = Field(..., description="Times the pool allows a loan to be renewed.")
    overdue: bool
    closed_at: datetime.datetime | None = Field(
        ..., description="When the last device came back; null while the loan is open."
    )

    @staticmethod
    def resolve_pool_name(loan: Loan) -> str:
        return loan.pool.name

    @staticmethod
    def resolve_organization(loan: Loan) -> str:
        return loan.pool.organization.name

    @staticmethod
    def resolve_devices(loan: Loan) -> list[LoanItem]:
        return list(loan.items.all())

    @staticmethod
    def resolve_handed_out_at(loan: Loan) -> datetime.datetime:
        return timezone.localtime(loan.handed_out_at)

    @staticmethod
    def resolve_due_at(loan: Loan) -> datetime.datetime:
        return timezone.localtime(loan.due_at)

    @staticmethod
    def resolve_renewals_allowed(loan: Loan) -> int:
        return loan.pool.max_renewals

    @staticmethod
    def resolve_overdue(loan: Loan) -> bool:
        return loan.is_overdue()

    @staticmethod
    def resolve_closed_at(loan: Loan) -> datetime.datetime | None:
        return timezone.localtime(loan.closed_at) if loan.closed_at else None


class LoanPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10**9)


class LoanReservationIn(JsonObject):
    pickup_date: SensibleDate = Field(
        ...,
        description="The day to pick the devices up (YYYY-MM-DD): a day the library is open; "
        "a closed day is a 409 naming the next open one.",
    )
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_QUANTITY), WholeNumber] = 1


class LoanReservationOut(Schema):
    id: int
    pool_id: int
    quantity: int
    pickup_date: datetime.date
    due_date: datetime.date = Field(
        ...,
        description="The day the devices are due back, when picked up on pickup_date: the "
        "loan period, moved to the next day the library is open.",
    )


class WaitlistIn(JsonObject):
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_QUANTITY), WholeNumber] = 1


class WaitlistOut(Schema):
    position: int = Field(..., description="1 is next in line.")
    status: Literal["waiting", "offered"] = Field(
        ..., description="offered: a device is held for the caller until hold_until."
    )
    hold_until: datetime.datetime | None = None


class AgreementToAccept(Schema):
    id: int
    title: str
    version: int
    url: str = Field(..., description="The page where the caller reads and accepts it.")


class JoinRefused(Error):
    agreement: AgreementToAccept | None = Field(
        None,
        description="Only when the refusal is an agreement the caller has not accepted yet: "
        "accept it on its page (url), then join again.",
    )


# --- loans ----------------------------------------------------------------------------------


def _my_loans(user) -> QuerySet[Loan]:
    items = LoanItem.objects.select_related("device__device_type").order_by("device__name", "pk")
    return (
        Loan.objects.filter(borrower=user)
        .select_related("pool__organization")
        .prefetch_related(Prefetch("items", queryset=items))
    )


@router.get(
    "/loans",
    response={200: list[LoanOut], 401: Error, 422: ValidationErrors},
    auth=token_or_session,
    operation_id="booking_lending_api_list_loans",
)
@paginate(LoanPagination)
def list_loans(request: HttpRequest):
    """The caller's loans: open ones first (earliest due first), then returned ones (latest
    first)."""
    return _my_loans(request.auth).order_by(F("closed_at").desc(nulls_first=True), "due_at", "pk")


@router.post(
    "/loans/{loan_id}/renew",
    response={200: LoanOut, **WRITE_ERRORS},
    auth=token_or_session,
    operation_id="booking_lending_api_renew_loan",
)
def renew_loan(request: HttpRequest, loan_id: PathId):
    """Renew one of the caller's open loans for another loan period. 409 with the reason when
    the pool's limit is reached, someone is waiting, the devices are booked, or the caller has
    an overdue device. Someone else's loan is a 404."""
    user = request.auth
    loan = get_object_or_404(_my_loans(user), pk=loan_id)
    services.renew(by=user, loan=loan)
    return _my_loans(user).get(pk=loan.pk)


# --- waiting lists --------------------------------------------------------------------------


def _lendable_pool(pool_id: int) -> DevicePool:
    return get_object_or_404(
        DevicePool.objects.filter(
            booking_scope=DevicePool.Scope.RESIDENTS,
            is_active=True,
            organization__is_active=True,
        ),
        pk=pool_id,
    )


def _agreement_refusal(error: services.AgreementRequired) -> Status:
    agreement = error.agreement
    url = reverse("lending:agreement", kwargs={"pk": agreement.pk})
    return Status(
        409,
        {
            "detail": str(error),
            "agreement": {
                "id": agreement.pk,
                "title": agreement.title,
                "version": agreement.version,
                "url": site_url(url),
            },
        },
    )


@router.post(
    "/pools/{pool_id}/reservations",
    response={201: LoanReservationOut, **WRITE_ERRORS, 409: JoinRefused},
    auth=token_or_session,
    operation_id="booking_lending_api_reserve",
)
def reserve(request: HttpRequest, pool_id: PathId, payload: LoanReservationIn):
    """Reserve devices of a pool lent to residents for pick-up on a day (the same rules as the
    pool's page). 409 with the reason when the day is closed (naming the next open day), too
    early or too far ahead, nothing is free, or the caller may not borrow at the moment; also
    when the caller has not accepted the library's current borrowing agreement, then with
    ``agreement``. 404 when the pool is not lent to residents."""
    pool = _lendable_pool(pool_id)
    try:
        reservation = services.reserve_loan(
            by=request.auth, pool=pool, pickup_date=payload.pickup_date, quantity=payload.quantity
        )
    except PermissionDenied:
        raise Http404 from None
    except services.AgreementRequired as error:
        return _agreement_refusal(error)
    pickup = timezone.localtime(reservation.start).date()
    return Status(
        201,
        {
            "id": reservation.pk,
            "pool_id": pool.pk,
            "quantity": reservation.quantity,
            "pickup_date": pickup,
            "due_date": services.last_day(reservation.end),
        },
    )


@router.post(
    "/pools/{pool_id}/waitlist",
    response={201: WaitlistOut, **WRITE_ERRORS, 409: JoinRefused},
    auth=token_or_session,
    operation_id="booking_lending_api_join_waitlist",
)
def join_waitlist(request: HttpRequest, pool_id: PathId, payload: Body[WaitlistIn | None] = None):
    """Wait for a device of a pool lent to residents (first come, first served). The body is
    optional (``{"quantity": 1}``). 409 when the caller is on the list already, a device is
    free now (reserve it instead), or the caller may not borrow at the moment; also when the
    caller has not accepted the library's current borrowing agreement, then with
    ``agreement`` (its id, title, version and the page to accept it on). 404 when the pool is
    not lent to residents."""
    pool = _lendable_pool(pool_id)
    quantity = payload.quantity if payload is not None else 1
    try:
        entry = services.join_waitlist(by=request.auth, pool=pool, quantity=quantity)
    except PermissionDenied:
        raise Http404 from None
    except services.AgreementRequired as error:
        return _agreement_refusal(error)
    return Status(
        201,
        {
            "position": services.waitlist_position(entry),
            "status": entry.status,
            "hold_until": timezone.localtime(entry.hold_until) if entry.hold_until else None,
        },
    )


@router.delete(
    "/pools/{pool_id}/waitlist",
    response={204: None, **WRITE_ERRORS},
    auth=token_or_session,
    operation_id="booking_lending_api_leave_waitlist",
)
def leave_waitlist(request: HttpRequest, pool_id: PathId):
    """Leave a pool's waiting list (a device held for the caller goes to the next person).
    404 when the caller is not on that list."""
    user = request.auth
    entry = WaitlistEntry.objects.active().filter(pool_id=pool_id, user=user).first()
    if entry is None:
        raise Http404
    services.leave_waitlist(by=user, pool=DevicePool.objects.get(pk=pool_id))
    return Status(204, None)
