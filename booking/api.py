"""Booking device pools over the API: free devices over time, one's own reservations.

Times go in and out as ISO 8601 with an offset (``2026-11-30T08:00:00+01:00``); a time
without one is refused, since nobody can tell which instant it means. Output is in the
installation's time zone (Europe/Berlin).
"""

# No ``from __future__ import annotations`` here: @paginate wraps the view in a function of
# ninja.pagination, so ninja would resolve string annotations in that module's namespace and
# fail (the same as devices/api.py).

import datetime
from typing import Annotated, Literal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from core.api import (
    AwareTime,
    Error,
    Id,
    JsonObject,
    SensibleDate,
    ValidationErrors,
    WholeNumber,
    text,
    token_or_session,
)
from devices.models import DevicePool

from . import availability, services
from .models import Reservation

router = Router(tags=["booking"])

MAX_AVAILABILITY_DAYS = 31
# Far more than any pool holds; keeps absurd numbers away from the database.
MAX_QUANTITY = 10_000
# A series has at most this many dates (the service says so with its own message).
MAX_SERIES_DATES = 60

ReservationStatus = Literal[tuple(Reservation.Status.values)]


# --- times ----------------------------------------------------------------------------------


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value)


def _after_start(end: datetime.datetime, info: ValidationInfo) -> datetime.datetime:
    """Checked on ``end`` so that the error names the field; skipped when ``start`` was
    invalid (its own error says why)."""
    start = info.data.get("start")
    if start is not None and start >= end:
        raise PydanticCustomError("time_order", _("The end must be after the start."))
    return end


# --- schemas --------------------------------------------------------------------------------


class Conflict(Schema):
    detail: str
    free: int | None = Field(
        None, description="Devices free for the whole time, when too few are the reason."
    )


class AvailabilityQuery(Schema):
    start: AwareTime
    end: AwareTime

    @field_validator("end")
    @classmethod
    def _a_short_range_after_start(cls, end: datetime.datetime, info: ValidationInfo):
        end = _after_start(end, info)
        start = info.data.get("start")
        if start is not None and end - start > datetime.timedelta(days=MAX_AVAILABILITY_DAYS):
            raise PydanticCustomError(
                "range_too_long",
                _("Ask for at most %(days)d days at a time.") % {"days": MAX_AVAILABILITY_DAYS},
            )
        return end


class FreeInterval(Schema):
    start: datetime.datetime
    end: datetime.datetime
    free: int = Field(..., description="Devices free throughout [start, end).")


class AvailabilityOut(Schema):
    pool_id: int
    capacity: int = Field(..., description="Devices in service now.")
    intervals: list[FreeInterval] = Field(
        ..., description="Consecutive half-open intervals covering [start, end)."
    )


class ReservationIn(JsonObject):
    pool_id: Id
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_QUANTITY), WholeNumber]
    start: AwareTime
    end: AwareTime
    purpose: text(200) = Field("", description="e.g. class 7b, maths")

    _end_after_start = field_validator("end")(_after_start)


class ReservationOut(Schema):
    id: int
    pool_id: int
    pool_name: str
    quantity: int
    start: datetime.datetime
    end: datetime.datetime
    purpose: str
    status: ReservationStatus = Field(
        ..., description="requested: waits for the owner's staff; confirmed: the devices are held."
    )
    series_id: int | None = Field(..., description="The weekly series it belongs to, if any.")

    @staticmethod
    def resolve_pool_name(reservation: Reservation) -> str:
        return reservation.pool.name

    @staticmethod
    def resolve_start(reservation: Reservation) -> datetime.datetime:
        return _local(reservation.start)

    @staticmethod
    def resolve_end(reservation: Reservation) -> datetime.datetime:
        return _local(reservation.end)


class SeriesIn(JsonObject):
    pool_id: Id
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_QUANTITY), WholeNumber]
    first_date: SensibleDate = Field(..., description="The first date (YYYY-MM-DD).")
    until: SensibleDate = Field(..., description="The last possible date (YYYY-MM-DD).")
    start_time: datetime.time = Field(..., description="Local time (Europe/Berlin), HH:MM.")
    end_time: datetime.time = Field(..., description="Local time (Europe/Berlin), HH:MM.")
    interval_weeks: Literal[1, 2] = Field(1, description="Every week (1) or every second (2).")
    purpose: text(200) = Field("", description="e.g. class 7b, maths")
    dates: list[SensibleDate] | None = Field(
        None,
        max_length=MAX_SERIES_DATES,
        description="The dates to book; by default every date that can be booked.",
    )


class SkippedDate(Schema):
    date: datetime.date
    reason: str = Field(
        ..., description="Why it is not booked: a closure, a limit of the pool, too few free."
    )


class SeriesOut(Schema):
    id: int
    pool_id: int
    interval_weeks: int
    reservations: list[ReservationOut]
    skipped: list[SkippedDate] = Field(
        ...,
        description="Dates of the series not booked, each with why (for example later than "
        "the pool may be booked ahead).",
    )


class ReservationFilter(Schema):
    upcoming: bool | None = Field(
        None, description="true: only those not over yet; false: only past ones."
    )


class ReservationPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10**9)


# What a write may answer instead: malformed JSON (400), no login (401), a session without
# CSRF token (403), outside the caller's scope (404), a rule of the service (409), bad input (422).
WRITE_ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Conflict,
    422: ValidationErrors,
}


# --- availability ---------------------------------------------------------------------------


def _anonymous(request: HttpRequest):
    """Callers without credentials may read availability. A token that was sent but is not
    valid stays a 401 rather than quietly becoming anonymous."""
    if "Authorization" in request.headers:
        return None
    return AnonymousUser()


def _visible_pools(user) -> QuerySet[DevicePool]:
    """Pools open to the region or lent to residents are public; a logged-in caller also sees
    every pool they may book."""
    public = DevicePool.objects.filter(
        is_active=True,
        organization__is_active=True,
        booking_scope__in=(DevicePool.Scope.REGION, DevicePool.Scope.RESIDENTS),
    )
    if not user.is_authenticated:
        return public
    return DevicePool.objects.filter(
        Q(pk__in=DevicePool.objects.bookable_by(user).values("pk")) | Q(pk__in=public.values("pk"))
    )


@router.get(
    "/pools/{pool_id}/availability",
    response={200: AvailabilityOut, 401: Error, 404: Error, 422: ValidationErrors},
    auth=[*token_or_session, _anonymous],
    openapi_extra={"security": [{}]},  # the login is optional
)
def pool_availability(
    request: HttpRequest,
    pool_id: Path[Annotated[int, Field(ge=1, le=2**63 - 1)]],
    window: Query[AvailabilityQuery],
):
    """How many devices of a pool are free, for each interval in [start, end) in which that
    number changes (at most 31 days). No personal data. Public for pools shared with the
    region or lent to residents; with a login, also for the caller's own pools."""
    pool = get_object_or_404(_visible_pools(request.auth).with_capacity(), pk=pool_id)
    capacity = pool.capacity()
    intervals: list[dict] = []
    for interval in availability.reserved_intervals(pool.pk, window.start, window.end):
        free = max(capacity - interval.reserved, 0)
        if intervals and intervals[-1]["free"] == free:
            intervals[-1]["end"] = _local(interval.end)
            continue
        intervals.append(
            {"start": _local(interval.start), "end": _local(interval.end), "free": free}
        )
    return {"pool_id": pool.pk, "capacity": capacity, "intervals": intervals}


# --- reservations ---------------------------------------------------------------------------


def _mine(user) -> QuerySet[Reservation]:
    return Reservation.objects.filter(user=user).select_related("pool")


@router.post("/reservations", response={201: ReservationOut, **WRITE_ERRORS}, auth=token_or_session)
def create_reservation(request: HttpRequest, payload: ReservationIn):
    """Book devices of a pool for [start, end). Confirmed at once for members of the pool's
    organization, otherwise a request that the owner's staff confirm or decline. 409 when too
    few are free (with ``free``) or a limit of the pool says no."""
    user = request.auth
    try:
        # The service reads the pool in the caller's scope under its lock (PermissionDenied
        # outside it): a read of its own here first would be the same query once more.
        reservation = services.reserve(
            by=user,
            pool=DevicePool(pk=payload.pool_id),
            quantity=payload.quantity,
            start=payload.start,
            end=payload.end,
            purpose=payload.purpose,
        )
    except services.PoolExhausted as error:
        return Status(409, {"detail": str(error), "free": error.free})
    except PermissionDenied:  # no such pool in the caller's scope
        raise Http404 from None
    # As written: the service's object holds every field of the answer (its pool as locked).
    return Status(201, reservation)


@router.post("/series", response={201: SeriesOut, **WRITE_ERRORS}, auth=token_or_session)
def create_series(request: HttpRequest, payload: SeriesIn):
    """Book a weekly (or every-second-week) series: the same rules as the booking page and
    as a single booking, for each date. Closed dates, dates beyond how far ahead the pool
    may be booked and dates with too few devices are skipped and named in ``skipped`` (unless
    asked for in ``dates``: then 409 names the date and nothing is booked)."""
    user = request.auth
    pool = get_object_or_404(DevicePool.objects.bookable_by(user), pk=payload.pool_id)
    values = payload.dict(exclude={"pool_id", "dates"})
    try:
        series = services.book_series(
            by=user,
            pool=pool,
            dates=set(payload.dates) if payload.dates is not None else None,
            **values,
        )
    except services.PoolExhausted as error:
        return Status(409, {"detail": str(error), "free": error.free})
    except PermissionDenied:
        raise Http404 from None
    reservations = list(_mine(user).filter(series=series).order_by("start", "pk"))
    booked = {timezone.localdate(reservation.start) for reservation in reservations}
    plan = services.plan_series(
        by=user, pool=pool, **payload.dict(exclude={"pool_id", "dates", "purpose"})
    )
    skipped = [
        {"date": o.date, "reason": o.closure or o.problem or _("not chosen")}
        for o in plan.occurrences
        if o.date not in booked
    ]
    return Status(
        201,
        {
            "id": series.pk,
            "pool_id": pool.pk,
            "interval_weeks": series.interval_weeks,
            "reservations": reservations,
            "skipped": skipped,
        },
    )


@router.get(
    "/reservations",
    response={200: list[ReservationOut], 401: Error, 422: ValidationErrors},
    auth=token_or_session,
)
@paginate(ReservationPagination)
def list_reservations(request: HttpRequest, filters: Query[ReservationFilter]):
    """The caller's own reservations (any status), earliest first."""
    reservations = _mine(request.auth)
    if filters.upcoming is not None:
        now = timezone.now()
        reservations = (
            reservations.filter(end__gt=now)
            if filters.upcoming
            else reservations.filter(end__lte=now)
        )
    return reservations.order_by("start", "pk")


@router.post(
    "/reservations/{reservation_id}/cancel",
    response={
        200: ReservationOut,
        401: Error,
        403: Error,
        404: Error,
        409: Error,
        422: ValidationErrors,
    },
    auth=token_or_session,
)
def cancel_reservation(
    request: HttpRequest, reservation_id: Path[Annotated[int, Field(ge=1, le=2**63 - 1)]]
):
    """Cancel one of the caller's own reservations that has not begun. 409 when it has, or is
    no longer active."""
    user = request.auth
    reservation = get_object_or_404(_mine(user), pk=reservation_id)
    services.cancel(by=user, reservation=reservation)
    return _mine(user).get(pk=reservation.pk)
