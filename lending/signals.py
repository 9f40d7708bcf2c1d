"""Lending reacts to what booking announces (booking never imports lending)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from booking.models import Loan, Reservation
from booking.services.reservations import offer_freed_devices
from booking.signals import devices_freed, handed_out, loan_closed
from core import public_cache
from devices.models import DevicePool

from .models import WaitlistEntry
from .tasks import offer_waitlist


@receiver(devices_freed, sender=DevicePool, dispatch_uid="lending.offer_waitlist")
def on_devices_freed(sender, pool_id: int, **kwargs) -> None:
    """Devices of a residents' pool came free: the waiting list gets them first."""
    offer_waitlist.enqueue(pool_id)


@receiver(handed_out, sender=Loan, dispatch_uid="lending.waitlist_fulfilled")
def on_handed_out(sender, loan: Loan, reservation, now, **kwargs) -> None:
    """The device held for a waiting person was picked up: the entry is fulfilled."""
    WaitlistEntry.objects.filter(
        reservation=reservation, status=WaitlistEntry.Status.OFFERED
    ).update(status=WaitlistEntry.Status.FULFILLED, closed_at=now)


@receiver(loan_closed, sender=Loan, dispatch_uid="lending.unblocked")
def on_loan_closed(sender, loan: Loan, **kwargs) -> None:
    """Back from an overdue loan, the borrower may borrow again: devices that were not held
    for them while they were blocked are offered now where they wait."""
    waited = DevicePool.objects.filter(
        waitlist__user_id=loan.borrower_id, waitlist__status=WaitlistEntry.Status.WAITING
    ).exclude(pk=loan.pool_id)
    for pool in waited:
        offer_freed_devices(pool)


@receiver(post_save, sender=Reservation, dispatch_uid="lending.public_cache_saved")
@receiver(post_delete, sender=Reservation, dispatch_uid="lending.public_cache_deleted")
def on_reservation_written(sender, instance: Reservation, **kwargs) -> None:
    """A reservation of a residents' pool changes what the lending pages show as free
    (core.public_cache); a lesson booking does not. The services pass the pool they locked,
    so this reads nothing."""
    if instance.pool.booking_scope == DevicePool.Scope.RESIDENTS:
        public_cache.bump("lending")
