"""Shared fixtures of the lending tests: a library, its staff, its lending pool and laptops.

A module that needs a different library or pool (more devices, a policy, an address) defines
its own ``library`` or ``pool``; ``librarian`` then follows that library.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from lending.models import LendingPolicy
from organizations.models import Organization, Role
from tests.factories import (
    DeviceFactory,
    LendingPoolFactory,
    MembershipFactory,
    OrganizationFactory,
)


@pytest.fixture
def english(client):
    """Pages asked for in English, and dates formatted in English for comparing."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def library(db):
    return OrganizationFactory(
        name="Stadtbibliothek Aschaffenburg", slug="stadtbibliothek", kind=Organization.Kind.LIBRARY
    )


@pytest.fixture
def librarian(library):
    return MembershipFactory(organization=library, role=Role.STAFF).user


@pytest.fixture
def pool(library):
    """The library's lending pool: laptops lent for 14 days."""
    return LendingPoolFactory(organization=library, name="Leih-Laptops", loan_period_days=14)


@pytest.fixture
def laptops(pool):
    return [DeviceFactory(pool=pool, asset_tag=f"SB-LAP-{n:03}") for n in range(1, 4)]


@pytest.fixture
def make_pool():
    """``make_pool(library, devices, **fields)``: a further lending pool of ``library`` with
    ``devices`` laptops SB-LAP-001…, and the library holding a device 3 days for the next
    person waiting."""

    def make(library, devices: int, **fields):
        fields.setdefault("name", "Laptops zum Ausleihen")
        pool = LendingPoolFactory(organization=library, **fields)
        for number in range(1, devices + 1):
            DeviceFactory(pool=pool, asset_tag=f"SB-LAP-{number:03}")
        LendingPolicy.objects.update_or_create(organization=library, defaults={"hold_days": 3})
        return pool

    return make
