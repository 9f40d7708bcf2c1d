"""Booking reacts to devices leaving (or coming back into) service: the pool's upcoming
reservations are checked for a shortfall once the status change has committed."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from devices.models import Device
from devices.signals import device_status_changed


@receiver(device_status_changed, sender=Device, dispatch_uid="booking.shortfall")
def on_device_status_changed(sender, device: Device, from_status: str, to_status: str, **kwargs):
    if device.pool_id is None:
        return
    from .tasks import check_shortfall

    transaction.on_commit(partial(check_shortfall.enqueue, device.pool_id))
