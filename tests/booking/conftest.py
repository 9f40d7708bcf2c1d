"""What the booking tests share: a pool of the organization with ten devices in service.
A module that needs another pool (more or fewer devices, other rules) defines its own
``pool``, which overrides this one."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import DeviceFactory, DevicePoolFactory


@pytest.fixture
def pool(organization):
    pool = DevicePoolFactory(organization=organization, name="Koffer Mathe")
    DeviceFactory.create_batch(10, pool=pool)
    return pool


def tomorrow(hour: int) -> datetime.datetime:
    """Tomorrow at ``hour`` o'clock, local time."""
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
