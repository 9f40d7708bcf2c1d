"""Handing out a set on a 390 px phone with the keyboard alone (a scanner types each code and
Enter; everything else is Tab, Space and Enter): each scan ticks its device in the grid and
the focus stays in the scan field; a code that is not on the list is answered by the server,
which keeps the ticks. Without JavaScript the same Enter ticks through the server."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Loan
from tests.browser.conftest import PHONE, press
from tests.factories import DeviceFactory, DevicePoolFactory, ReservationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def booking_for_today(organization):
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 1")
    for number in range(1, 7):
        DeviceFactory(pool=pool, asset_tag=f"KRG-IPAD-{number:03}", name=f"iPad {number:02}")
    start = timezone.now() - datetime.timedelta(minutes=30)
    return ReservationFactory(
        pool=pool,
        user=UserFactory(name="Theresa Lehrer"),
        quantity=3,
        start=start,
        end=start + datetime.timedelta(hours=2),
    )


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def scan(page, code: str) -> None:
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_a_phone_hands_out_by_scanning_with_the_keyboard(
    page, live_server, staff, booking_for_today, audit, on_phone
):
    on_phone(page, staff)
    page.goto(f"{live_server.url}/desk/")
    audit.check(page)
    press(page, page.get_by_role("link", name=re.compile("^Ausgeben – Theresa Lehrer")))

    expect(page.get_by_role("heading", level=1)).to_have_text("An Theresa Lehrer ausgeben")
    # The link was followed by a key press, which does not wait for the page: its deferred
    # script (the in-place scan) runs before "load"; a scan typed earlier goes to the server.
    page.wait_for_load_state("load")
    field = page.get_by_label("Gerät zum Ausgeben scannen")
    expect(field).to_be_focused()
    audit.check(page)
    fits_the_phone(page)
    # Two tiles side by side on the phone: the grid uses the width.
    first = page.locator("[data-device=KRG-IPAD-001]").bounding_box()
    second = page.locator("[data-device=KRG-IPAD-002]").bounding_box()
    # (Same row: their boxes overlap vertically; the grid's align may shift one by a pixel.)
    assert (
        second["y"] < first["y"] + first["height"] and first["y"] < second["y"] + second["height"]
    )
    assert second["x"] >= first["x"] + first["width"]
    address = page.url

    scan(page, "KRG-IPAD-001")
    scan(page, "krg-ipad-002")

    expect(page.get_by_label("KRG-IPAD-001 iPad 01")).to_be_checked()
    expect(page.get_by_label("KRG-IPAD-002 iPad 02")).to_be_checked()
    expect(page.get_by_label("KRG-IPAD-003 iPad 03")).not_to_be_checked()
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    expect(page.locator("#scan-status")).to_have_text(
        "Zum Ausgeben abgehakt: KRG-IPAD-001, KRG-IPAD-002 (2/6)"
    )
    assert page.url == address and not Loan.objects.exists()

    # A code that is on no tile: the server says why and keeps the ticks and the focus.
    scan(page, "NOPE-9")
    expect(page.locator("#scan-status")).to_contain_text("„NOPE-9“")
    expect(page.get_by_label("KRG-IPAD-001 iPad 01")).to_be_checked()
    expect(page.get_by_label("KRG-IPAD-002 iPad 02")).to_be_checked()
    expect(page.get_by_label("Gerät zum Ausgeben scannen")).to_be_focused()
    audit.check(page)
    fits_the_phone(page)
    assert not Loan.objects.exists()

    # The third by hand: Space on its box, then Enter on the button.
    press(page, page.get_by_label("KRG-IPAD-003 iPad 03"), "Space")
    expect(page.get_by_label("KRG-IPAD-003 iPad 03")).to_be_checked()
    press(page, page.get_by_role("button", name="Ausgewählte Geräte ausgeben"))

    expect(page.locator("#messages")).to_contain_text("3 Geräte an Theresa Lehrer ausgegeben")
    audit.check(page)
    assert sorted(Loan.objects.get().items.values_list("device__asset_tag", flat=True)) == [
        "KRG-IPAD-001",
        "KRG-IPAD-002",
        "KRG-IPAD-003",
    ]


def test_without_javascript_the_server_ticks_the_scanned_device(
    no_js_page, live_server, staff, booking_for_today, audit, on_phone
):
    page = no_js_page
    on_phone(page, staff)
    page.goto(f"{live_server.url}/desk/reservations/{booking_for_today.pk}/hand-out/")
    audit.check(page)
    field = page.get_by_label("Gerät zum Ausgeben scannen")
    field.focus()

    scan(page, "KRG-IPAD-004")

    expect(page.locator("#scan-status")).to_have_text("KRG-IPAD-004 zum Ausgeben abgehakt.")
    expect(page.get_by_label("KRG-IPAD-004 iPad 04")).to_be_checked()
    audit.check(page)
    assert not Loan.objects.exists()
    page.get_by_label("Gerät zum Ausgeben scannen").focus()
    scan(page, "KRG-IPAD-005")
    expect(page.get_by_label("KRG-IPAD-004 iPad 04")).to_be_checked()
    expect(page.get_by_label("KRG-IPAD-005 iPad 05")).to_be_checked()
    audit.check(page)
    press(page, page.get_by_role("button", name="Ausgewählte Geräte ausgeben"))

    expect(page.locator("#messages")).to_contain_text("2 Geräte an Theresa Lehrer ausgegeben")
    audit.check(page)
    assert Loan.objects.get().items.count() == 2
