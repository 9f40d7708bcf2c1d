"""What the device tests share: an empty pool of the organization. A module that needs
another pool defines its own ``pool``, which overrides this one."""

from __future__ import annotations

import pytest

from tests.factories import DevicePoolFactory


@pytest.fixture
def pool(organization):
    return DevicePoolFactory(organization=organization, name="iPad-Koffer 1")
