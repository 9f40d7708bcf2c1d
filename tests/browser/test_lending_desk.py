"""A librarian at a busy desk hands a laptop to a resident and takes it back with the
keyboard alone: a scanner types each code and Enter, everything else is Tab, arrows, Space
and Enter. axe-core checks every page on the way."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Loan, LoanItem
from devices.models import Device, DeviceType
from lending.models import AgreementAcceptance
from organizations.models import Organization, Role
from tests.factories import (
    BorrowingAgreementFactory,
    DeviceFactory,
    DeviceTypeFactory,
    LendingPoolFactory,
    LibraryCardFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def library(db):
    return OrganizationFactory(
        name="Stadtbibliothek Aschaffenburg", slug="stadtbibliothek", kind=Organization.Kind.LIBRARY
    )


@pytest.fixture
def librarian(library):
    return MembershipFactory(
        organization=library, role=Role.STAFF, user=UserFactory(name="Lena Leihe")
    ).user


@pytest.fixture
def reservation(library):
    pool = LendingPoolFactory(organization=library, name="Leih-Laptops", loan_period_days=14)
    laptop = DeviceTypeFactory(kind=DeviceType.Kind.LAPTOP, make="Lenovo", model="ThinkPad E14")
    for number in (1, 2):
        DeviceFactory(
            pool=pool, device_type=laptop, asset_tag=f"SB-LAP-00{number}", name=f"Laptop 0{number}"
        )
    erika = UserFactory(name="Erika Mustermann")
    LibraryCardFactory(organization=library, user=erika, number="SB0012345")
    AgreementAcceptance.objects.create(
        agreement=BorrowingAgreementFactory(organization=library), user=erika
    )
    start = timezone.now() - datetime.timedelta(hours=1)
    return ReservationFactory(
        pool=pool, user=erika, start=start, end=start + datetime.timedelta(days=14)
    )


def press(page, locator, key: str = "Enter") -> None:
    """Move the keyboard focus to an element and press a key, as Tab would bring it there."""
    locator.focus()
    expect(locator).to_be_focused()
    page.keyboard.press(key)


def test_staff_hand_out_a_laptop_and_take_it_back_with_the_keyboard(
    page, live_server, librarian, reservation, audit, log_in
):
    log_in(page, librarian)
    press(page, page.get_by_role("button", name="English"))
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    audit.check(page)

    press(
        page,
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Desk"),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Desk")
    audit.check(page)
    press(page, page.get_by_role("link", name="Find a resident"))

    # Step 1: scan the library card; the one person it belongs to opens at once.
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a resident")
    search = page.get_by_label("Name, email or library card number")
    expect(search).to_be_focused()
    audit.check(page)
    page.keyboard.type("sb0012345")
    page.keyboard.press("Enter")

    # Step 2: scan the laptop into the reservation's field: handed out.
    expect(page.get_by_role("heading", level=1)).to_have_text("Erika Mustermann")
    expect(page.get_by_role("main")).to_contain_text("SB0012345")
    scan = page.get_by_label("Scan the device to hand out")
    expect(scan).to_be_focused()
    audit.check(page)
    page.keyboard.type("SB-LAP-002")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("1 device handed out to Erika Mustermann")
    expect(page.get_by_role("table", name="Open loans")).to_contain_text("SB-LAP-002")
    audit.check(page)
    loan = Loan.objects.get()
    assert [item.device.asset_tag for item in loan.items.all()] == ["SB-LAP-002"]

    # It comes back with a cracked hinge: scan, arrow to "Damaged", Tab to the note.
    press(
        page,
        page.get_by_role("navigation", name="Library desk").get_by_role(
            "link", name="Take back a device"
        ),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Take back a device")
    code = page.get_by_label("Scan or type the asset tag or label code")
    expect(code).to_be_focused()
    expect(page.get_by_label("Complete")).to_be_checked()
    audit.check(page)
    page.keyboard.type("SB-LAP-002")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Complete")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Damaged")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Note")).to_be_focused()
    page.keyboard.type("Hinge cracked")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text(
        "Laptop 02 (SB-LAP-002) is back from Erika Mustermann."
    )
    expect(page.get_by_role("status")).to_contain_text("All returned.")
    expect(code).to_be_focused()  # ready for the next scan
    audit.check(page)
    item = LoanItem.objects.get()
    assert (item.condition, item.note) == ("damaged", "Hinge cracked")
    assert Device.objects.get(asset_tag="SB-LAP-002").status == "in_repair"

    # A tag that is not out says so, and the field is empty for the next scan.
    page.keyboard.type("SB-LAP-001")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("is not on loan")
    expect(code).to_have_value("")
    audit.check(page)
