"""Booking reacts to devices leaving (or coming back into) service or moving between pools:
the pool's upcoming reservations are checked for a shortfall once the change has
committed, and a device that comes into a residents' pool is offered to its waiting list."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import Signal, receiver

from devices.models import Device, DevicePool
from devices.signals import device_pool_changed, device_status_changed

from .tasks import check_shortfall

# What booking tells the apps above it (lending) without importing them:
# devices of a pool lent to residents came free (sent once committed; kwargs: pool_id) ...
devices_freed = Signal()
# ... a loan was handed out against a reservation (inside the transaction; kwargs: loan,
# reservation, now) ...
handed_out = Signal()
# ... and everything of a loan came back (after the transaction; kwargs: loan).
loan_closed = Signal()


def announce_freed_devices(pool_id: int) -> None:
    """Once committed, tell lending that devices of a residents' pool came free."""
    transaction.on_commit(partial(devices_freed.send, sender=DevicePool, pool_id=pool_id))


@receiver(device_status_changed, sender=Device, dispatch_uid="booking.shortfall")
def on_device_status_changed(sender, device: Device, from_status: str, to_status: str, **kwargs):
    if device.pool_id is None:
        return

    transaction.on_commit(partial(check_shortfall.enqueue, device.pool_id))
    if to_status == Device.Status.IN_SERVICE and _lends(device.pool_id):
        # A device back in service is a device free for the waiting list.
        announce_freed_devices(device.pool_id)


@receiver(device_pool_changed, sender=Device, dispatch_uid="booking.shortfall_pool")
def on_device_pool_changed(sender, device: Device, from_pool_id, to_pool_id, **kwargs):
    """A device taken out of a pool lowers its capacity, like a device gone to repair (and
    one put in may end a shortfall of the other pool)."""

    for pool_id in {from_pool_id, to_pool_id} - {None}:
        transaction.on_commit(partial(check_shortfall.enqueue, pool_id))
    if to_pool_id is not None and _lends(to_pool_id):
        announce_freed_devices(to_pool_id)


def _lends(pool_id: int) -> bool:
    return DevicePool.objects.filter(pk=pool_id, booking_scope=DevicePool.Scope.RESIDENTS).exists()
