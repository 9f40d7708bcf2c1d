"""What the school desk shows: reservations waiting for their devices, open and overdue
loans, whether a request would fit now, the devices free to hand out. Queries only; the
desk's changes go through booking.services."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, Q

from devices.models import Device, DevicePool, in_service_count
from organizations.models import Membership

from . import availability
from .models import Loan, LoanItem, Reservation


def to_hand_out(pools, start, end, now):
    """Confirmed reservations starting in [start, end) that still have devices to hand out
    (every device ever handed out for them counts, returned or not)."""
    return (
        Reservation.objects.awaiting_hand_out(now)
        .filter(pool__in=pools, start__gte=start, start__lt=end)
        .annotate(handed=F("handed_out"))  # the desk shows "0 of 20 handed out"
        .select_related("pool", "user")
        .order_by("start", "pk")
    )


def open_loans(pools):
    return (
        Loan.objects.open()
        .filter(pool__in=pools)
        .annotate(still_out=Count("items", filter=Q(items__returned_at__isnull=True)))
        .select_related("pool", "borrower", "reservation")
        .order_by("due_at", "pk")
    )


def annotate_fit(reservations: list[Reservation]) -> None:
    """Set ``free`` (devices free for the whole time now) and ``fits`` on each request.
    Two queries for the whole page: the pools' capacities, and their reserved step
    functions over the span of the requests shown."""
    by_pool: dict[int, list[Reservation]] = defaultdict(list)
    for reservation in reservations:
        by_pool[reservation.pool_id].append(reservation)
    capacities = (
        dict(
            DevicePool.objects.with_capacity()
            .filter(pk__in=by_pool)
            .values_list("pk", "capacity_now")
        )
        if by_pool
        else {}
    )
    intervals = (
        availability.reserved_intervals_by_pool(
            by_pool, min(r.start for r in reservations), max(r.end for r in reservations)
        )
        if by_pool
        else {}
    )
    for pool_id, group in by_pool.items():
        for reservation in group:
            peak = availability.peak_in(intervals[pool_id], reservation.start, reservation.end)
            reservation.free = max(capacities.get(pool_id, 0) - peak, 0)
            reservation.fits = reservation.quantity <= reservation.free


def annotate_organizations(reservations: list[Reservation]) -> None:
    """Set ``organizations``: the names of the organizations the person belongs to."""
    user_ids = {r.user_id for r in reservations if r.user_id}
    names: dict[int, list[str]] = defaultdict(list)
    if user_ids:
        for user_id, name in (
            Membership.objects.filter(user_id__in=user_ids)
            .order_by("organization__name")
            .values_list("user_id", "organization__name")
            .distinct()
        ):
            if name not in names[user_id]:
                names[user_id].append(name)
    for reservation in reservations:
        reservation.organizations = names.get(reservation.user_id, [])


def available_devices(pool: DevicePool):
    """The pool's devices in service that are not in an open loan."""
    out = LoanItem.objects.filter(returned_at__isnull=True).values("device_id")
    return (
        pool.devices.filter(status=Device.Status.IN_SERVICE)
        .exclude(pk__in=out)
        .select_related("device_type")
        .order_by("asset_tag")
    )


def desk_loans(pools, start, end, now) -> tuple[list[Loan], list[Loan]]:
    """The open loans due back in [start, end) (from now on), earliest first, and the
    overdue ones, by pool name (the database's collation), pool and due date: one query for
    both, the open loans due before the later of ``end`` and ``now``."""
    due_back, overdue = [], []
    loans = open_loans(pools).filter(due_at__lt=max(end, now))
    for loan in loans.order_by("pool__name", "pool_id", "due_at", "pk"):
        if loan.due_at < now:
            overdue.append(loan)
        elif start <= loan.due_at < end:
            due_back.append(loan)
    due_back.sort(key=lambda loan: (loan.due_at, loan.pk))
    return due_back, overdue


def desk_day(pools, start, end, now) -> dict:
    """What the desk of these pools shows for the day [start, end): hand-outs due, returns
    due, overdue loans (grouped by pool on the page), open requests and shortfalls."""
    to_take_back, overdue = desk_loans(pools, start, end, now)
    return {
        "to_hand_out": to_hand_out(pools, start, end, now),
        "to_take_back": to_take_back,
        "overdue": overdue,
        "open_requests": Reservation.objects.filter(
            pool__in=pools, status=Reservation.Status.REQUESTED
        ).count(),
        "shortfalls": Reservation.objects.confirmed()
        .filter(pool__in=pools, shortfall=True, end__gt=now)
        .annotate(in_service=in_service_count("pool"))
        .select_related("pool", "user")
        .order_by("start", "pk"),
    }


def open_item(device: Device) -> LoanItem | None:
    """The device's item on an open loan, if it is out."""
    return (
        LoanItem.objects.filter(device=device, returned_at__isnull=True)
        .select_related("loan")
        .first()
    )


def pending_requests(pools):
    """Requests waiting for a decision in these pools, oldest first."""
    return (
        Reservation.objects.filter(pool__in=pools, status=Reservation.Status.REQUESTED)
        .select_related("user", "pool__organization")
        .order_by("created_at", "pk")
    )


def handed_out_count(reservation: Reservation) -> int:
    """Devices ever handed out against the reservation (returned or not)."""
    return LoanItem.objects.filter(loan__reservation=reservation).count()


def week_of_pool(pool: DevicePool, start, end) -> list[Reservation]:
    """The pool's requested and confirmed bookings that overlap [start, end)."""
    return list(
        Reservation.objects.filter(
            pool=pool,
            status__in=(Reservation.Status.REQUESTED, Reservation.Status.CONFIRMED),
        )
        .overlapping(start, end)
        .select_related("user")
        .order_by("start", "pk")
    )


def feed_of_pool(pool: DevicePool, since):
    """The pool's bookings for its calendar feed: from ``since`` on, without the cancelled
    and declined ones."""
    return (
        Reservation.objects.filter(pool=pool, end__gte=since)
        .exclude(status__in=(Reservation.Status.CANCELLED, Reservation.Status.DECLINED))
        .select_related("pool__organization", "pool__location", "user")
        .order_by("start", "pk")
    )


def member_ids(organization_id: int) -> set[int]:
    return set(
        Membership.objects.filter(organization=organization_id).values_list("user_id", flat=True)
    )
