"""Fixtures for the privacy pages: English pages, a library that lends laptops, and a session
that has (or has not) re-authenticated recently."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone

from booking.models import Loan, LoanItem
from organizations.models import Organization, Role
from tests.factories import (
    DeviceFactory,
    LendingPoolFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

# allauth keeps the authentications of a session here (allauth.account.internal.flows.login);
# only those marked ``reauthenticated`` count as recent for a sensitive action.
RECORDS_KEY = "account_authentication_methods"
RECORDS_USER_KEY = "account_authentication_methods_user"


@pytest.fixture(autouse=True)
def _in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def reauthenticated(client, user, *, seconds_ago: float = 0) -> None:
    """Log ``user`` in and record that they entered their password ``seconds_ago``."""
    client.force_login(user)
    session = client.session
    session[RECORDS_KEY] = [
        {"method": "password", "at": time.time() - seconds_ago, "reauthenticated": True}
    ]
    session[RECORDS_USER_KEY] = str(user.pk)
    session.save()


@pytest.fixture
def library(db):
    return OrganizationFactory(
        name="Stadtbibliothek Aschaffenburg", slug="stadtbibliothek", kind=Organization.Kind.LIBRARY
    )


@pytest.fixture
def librarian(library):
    return MembershipFactory(organization=library, role=Role.STAFF).user


@pytest.fixture
def library_teacher(library):
    """Someone who holds a role at the library (a member), though not a managing one."""
    return MembershipFactory(organization=library, role=Role.TEACHER).user


@pytest.fixture
def lending_pool(library):
    return LendingPoolFactory(organization=library, name="Leih-Laptops")


@pytest.fixture
def erika(db):
    return UserFactory(name="Erika Mustermann", email="erika.mustermann@example.org")


def lend(pool, borrower, *, asset_tag: str = "SB-LAP-001", returned: bool = False) -> Loan:
    """A loan of one device written directly (test setup), open unless ``returned``."""
    now = timezone.now()
    device = DeviceFactory(pool=pool, asset_tag=asset_tag, name=f"Laptop {asset_tag[-2:]}")
    loan = Loan.objects.create(
        pool=pool,
        borrower=borrower,
        handed_out_at=now - datetime.timedelta(days=3),
        due_at=now + datetime.timedelta(days=11),
        closed_at=now if returned else None,
    )
    LoanItem.objects.create(loan=loan, device=device, returned_at=now if returned else None)
    return loan


def asked(**fields) -> dict:
    """The erase form as staff fill it in: the person's request (why, and that they asked
    today), ticked."""
    return {
        "confirm": "on",
        "reason": "Asked in person",
        "requested_on": timezone.localdate().isoformat(),
        **fields,
    }


def after_the_grace_period() -> None:
    """The daily job, run once the grace period of a request made now has passed."""
    from accounts.erasure_requests import grace_days
    from accounts.retention import run_retention

    run_retention(timezone.now() + datetime.timedelta(days=grace_days(), hours=1))
