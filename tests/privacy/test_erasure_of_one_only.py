"""Erasing one person touches nobody else: another borrower's damage report on the same device
stays, the admin's history about a person with a similar name stays, and the last admin of an
organization cannot go before someone else is named admin."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from accounts.models import User
from accounts.privacy import ErasureBlocked, erase_person, erasure_blockers
from booking.models import Loan, LoanItem
from booking.services import ItemReturn, return_items
from devices import services as device_services
from devices.models import Device, DeviceEvent
from organizations.models import Membership, Role
from tests.factories import (
    DeviceFactory,
    LendingPoolFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- the device's history ------------------------------------------------------------------


@pytest.fixture
def desk(organization):
    pool = LendingPoolFactory(organization=organization)
    staff = MembershipFactory(organization=organization, role=Role.STAFF).user
    return pool, staff, DeviceFactory(pool=pool, asset_tag="KG-LAP-001")


def lend_and_return_damaged(pool, staff, device, borrower, note: str) -> None:
    now = timezone.now()
    loan = Loan.objects.create(
        pool=pool,
        borrower=borrower,
        handed_out_by=staff,
        handed_out_at=now - datetime.timedelta(days=3),
        due_at=now + datetime.timedelta(days=10),
    )
    item = LoanItem.objects.create(loan=loan, device=device)
    return_items(by=staff, loan=loan, returns=[ItemReturn(item.pk, "damaged", note)])


def repair_and_back(staff, device) -> None:
    device_services.change_status(
        by=staff, device=device, status=Device.Status.IN_SERVICE, reason="repariert"
    )


def history(device) -> list[str]:
    return list(
        DeviceEvent.objects.filter(device=device, to_status=Device.Status.IN_REPAIR)
        .order_by("created_at", "pk")
        .values_list("reason", flat=True)
    )


def test_another_borrowers_damage_report_on_the_same_device_stays(desk):
    pool, staff, device = desk
    anna, bert = UserFactory(), UserFactory()
    with translation.override("en"):
        lend_and_return_damaged(pool, staff, device, anna, "Display")
        repair_and_back(staff, device)
        # Bert's note begins with Anna's: a search for her note inside his would find it.
        lend_and_return_damaged(pool, staff, device, bert, "Display gesprungen, Ladekabel fehlt")

    erase_person(anna, by=None)

    assert history(device) == ["", "Damaged on return: Display gesprungen, Ladekabel fehlt"]
    assert LoanItem.objects.get(loan__borrower=bert).note == "Display gesprungen, Ladekabel fehlt"


def test_the_same_words_from_another_borrower_stay_and_hers_go_in_any_language(desk):
    pool, staff, device = desk
    anna, bert = UserFactory(), UserFactory()
    with translation.override("de"):
        lend_and_return_damaged(pool, staff, device, bert, "Akku defekt")
        repair_and_back(staff, device)
        lend_and_return_damaged(pool, staff, device, anna, "Akku defekt")
    bert_report = history(device)[0]
    assert bert_report and "Akku defekt" in bert_report

    erase_person(anna, by=None)

    assert history(device) == [bert_report, ""]


# --- the Django admin's history ------------------------------------------------------------


def log(by, obj, repr_: str, flag=CHANGE) -> LogEntry:
    return LogEntry.objects.create(
        user=by,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=repr_,
        action_flag=flag,
        change_message='[{"changed": {"fields": ["name"]}}]',
    )


def test_the_admin_history_of_people_with_a_similar_name_stays(organization):
    anna = UserFactory(name="Anna Schmidt", email="anna.schmidt@example.org")
    johanna = UserFactory(name="Johanna Schmidt", email="johanna.schmidt@example.org")
    admin = UserFactory(is_staff=True, is_superuser=True, totp=False)
    membership = MembershipFactory(user=anna, organization=organization, role=Role.TEACHER)
    johannas_membership = MembershipFactory(
        user=johanna, organization=organization, role=Role.TEACHER
    )
    about_anna = log(admin, anna, str(anna))
    about_her_membership = log(admin, membership, str(membership))
    about_her_address = log(admin, anna.emailaddress_set.get(), anna.email)
    # A membership of hers that the admin deleted earlier: the same name as the one she has.
    deleted = LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Membership),
        object_id="999999",
        object_repr=str(membership),
        action_flag=DELETION,
        change_message="",
    )
    about_johanna = log(admin, johanna, str(johanna))
    about_johannas_membership = log(admin, johannas_membership, str(johannas_membership))
    mentions_anna_elsewhere = log(admin, organization, "Kurs von Anna Schmidt")
    by_anna = log(anna, johanna, "Johanna Schmidt")

    erase_person(anna, by=None)

    for entry in (about_anna, about_her_membership, about_her_address, deleted):
        entry.refresh_from_db()
        assert (entry.object_repr, entry.change_message) == ("", "")
    for entry, text in (
        (about_johanna, "Johanna Schmidt"),
        (about_johannas_membership, str(johannas_membership)),
        (mentions_anna_elsewhere, "Kurs von Anna Schmidt"),
    ):
        entry.refresh_from_db()
        assert entry.object_repr == text and entry.change_message
    # What she did herself as an admin goes with her account.
    assert not LogEntry.objects.filter(pk=by_anna.pk).exists()
    assert User.objects.filter(pk=johanna.pk).exists()


# --- the last admin ------------------------------------------------------------------------


def test_the_last_admin_of_an_active_organization_cannot_be_erased(organization, org_admin):
    (message,) = erasure_blockers(org_admin)
    assert organization.name in message
    with pytest.raises(ErasureBlocked):
        erase_person(org_admin, by=None)
    assert Membership.objects.filter(user=org_admin, role=Role.ORG_ADMIN).exists()

    # Another admin named: now the account can go.
    MembershipFactory(organization=organization, role=Role.ORG_ADMIN)
    assert erasure_blockers(org_admin) == []
    erase_person(org_admin, by=None)
    assert not User.objects.filter(pk=org_admin.pk).exists()


def test_admin_of_an_inactive_organization_or_as_well_staff_elsewhere_is_not_blocked(db):
    closed = OrganizationFactory(is_active=False)
    admin = MembershipFactory(organization=closed, role=Role.ORG_ADMIN).user
    # Staff (not admin) at another organization that has no admin at all: not her concern.
    MembershipFactory(user=admin, organization=OrganizationFactory(), role=Role.STAFF)
    assert erasure_blockers(admin) == []
