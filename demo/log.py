"""The demo's audit log: the demo's data is created directly, not through the services, so
this seeder writes the entries the services would have written for the last weeks' work
(bookings, hand-outs, returns, published courses). Ids only, like every log entry."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import AuditLog
from booking.models import Loan, Reservation
from courses.models import Course

DAYS = 42
ACTIONS = ("booking.reserved", "booking.handed_out", "booking.returned", "courses.published")


def seed(stdout) -> str:
    if AuditLog.objects.filter(action__in=ACTIONS).exists():
        return "Protokoll: bereits vorhanden."
    since = timezone.now() - datetime.timedelta(days=DAYS)
    types = ContentType.objects.get_for_models(Reservation, Loan, Course)
    entries: list[AuditLog] = []

    def add(actor_id, action, obj, organization_id, at, **data):
        entries.append(
            AuditLog(
                actor_id=actor_id,
                action=action,
                target_type=types[type(obj)],
                target_id=str(obj.pk),
                organization_id=organization_id,
                data=data,
                created_at=at,
            )
        )

    reservations = Reservation.objects.filter(
        created_at__gte=since, user__isnull=False, course_meeting__isnull=True
    ).select_related("pool")
    for reservation in reservations:
        add(
            reservation.user_id,
            "booking.reserved",
            reservation,
            reservation.pool.organization_id,
            reservation.created_at,
            pool=reservation.pool_id,
            quantity=reservation.quantity,
        )
    loans = Loan.objects.filter(handed_out_at__gte=since).select_related("pool")
    for loan in loans.prefetch_related("items"):
        items = list(loan.items.all())
        add(
            loan.handed_out_by_id,
            "booking.handed_out",
            loan,
            loan.pool.organization_id,
            loan.handed_out_at,
            reservation=loan.reservation_id,
            devices=[item.device_id for item in items],
        )
        returned = [item for item in items if item.returned_at]
        if returned:
            add(
                returned[0].returned_to_id,
                "booking.returned",
                loan,
                loan.pool.organization_id,
                max(item.returned_at for item in returned),
                items=[item.pk for item in returned],
                conditions=[item.condition for item in returned],
            )
    for course in Course.objects.filter(status=Course.Status.PUBLISHED, created_by__isnull=False):
        add(
            course.created_by_id,
            "courses.published",
            course,
            course.organization_id,
            max(course.created_at, since),
        )
    AuditLog.objects.bulk_create(entries, batch_size=1000)
    return f"Protokoll: {len(entries)} Einträge der letzten {DAYS} Tage."
