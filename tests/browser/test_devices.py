"""Staff keep the inventory: filter by keyboard, import a CSV with errors, print labels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import nav_link
from tests.factories import DeviceFactory, DevicePoolFactory, DeviceTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def inventory(organization):
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 1")
    DeviceTypeFactory(
        kind="laptop", make="Lenovo", model="ThinkPad L14", operating_system="Windows 11"
    )
    for number in range(1, 13):
        DeviceFactory(
            pool=pool,
            asset_tag=f"KRG-IPAD-{number:03}",
            name=f"iPad {number:02}",
            status="in_repair" if number == 7 else "in_service",
        )
    return pool


def test_staff_filter_the_inventory_with_the_keyboard(
    page, live_server, staff, password, inventory, audit, log_in
):
    log_in(page, staff)
    nav_link(page, "Inventar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inventar")
    audit.check(page)
    page.get_by_label("Inventarnummer, Seriennummer oder Name").focus()
    page.keyboard.press("Tab")  # type
    page.keyboard.press("Tab")  # status
    page.keyboard.press("ArrowDown")  # in service
    page.keyboard.press("ArrowDown")  # in repair
    expect(page.get_by_label("Status")).to_have_value("in_repair")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="KRG-IPAD-007")).to_be_visible()
    expect(results.get_by_role("link", name="KRG-IPAD-001")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"status=in_repair"))
    expect(page.locator("#live-announcer")).to_have_text("1 Gerät gefunden")
    audit.check(page)


def test_staff_import_a_csv_and_read_the_row_errors(
    page, live_server, staff, password, inventory, audit, tmp_path, log_in
):
    csv = tmp_path / "geraete.csv"
    csv.write_text(
        "asset_tag;type;pool;status\n"
        "KRG-LT-001;Lenovo ThinkPad L14;iPad-Koffer 1;in_service\n"
        "KRG-LT-002;Commodore 64;;in_service\n"
        "KRG-IPAD-001;Lenovo ThinkPad L14;;kaputt\n",
        encoding="utf-8",
    )
    log_in(page, staff)
    page.goto(f"{live_server.url}/devices/import/")
    audit.check(page)
    page.get_by_label("CSV-Datei").set_input_files(str(csv))
    page.get_by_role("button", name="Datei prüfen").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nichts wurde importiert")
    table = page.get_by_role("table", name="Probleme in der Datei")
    expect(table.get_by_role("row", name=re.compile(r"^3 "))).to_contain_text("Commodore 64")
    line_4 = table.get_by_role("row", name=re.compile(r"^4 "))
    expect(line_4.filter(has_text="KRG-IPAD-001")).to_have_count(1)
    expect(line_4.filter(has_text="kaputt")).to_have_count(1)
    audit.check(page)

    csv.write_text(
        "asset_tag;type;pool\nKRG-LT-001;Lenovo ThinkPad L14;iPad-Koffer 1\n", encoding="utf-8"
    )
    page.get_by_label("CSV-Datei").set_input_files(str(csv))
    page.get_by_role("button", name="Datei prüfen").click()
    page.get_by_role("button", name="1 Gerät importieren").click()
    expect(page.get_by_role("status")).to_contain_text("1 Gerät importiert")
    expect(page.get_by_role("link", name="KRG-LT-001")).to_be_visible()
    audit.check(page)


def test_staff_print_labels_for_a_selection(
    page, live_server, staff, password, inventory, audit, log_in
):
    log_in(page, staff)
    page.goto(f"{live_server.url}/devices/")
    audit.check(page)
    page.get_by_label("KRG-IPAD-001 für Etiketten auswählen").check()
    page.get_by_label("KRG-IPAD-002 für Etiketten auswählen").check()
    with page.expect_download() as download_info:
        page.get_by_role(
            "button", name="Etiketten für die ausgewählten Geräte drucken (PDF)"
        ).click()
    download = download_info.value
    assert download.suggested_filename == "etiketten.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")


def test_a_phone_opens_a_scanned_label(
    page, live_server, staff, password, inventory, audit, enter_code
):
    page.set_viewport_size({"width": 375, "height": 740})
    device = inventory.devices.get(asset_tag="KRG-IPAD-003")
    page.goto(f"{live_server.url}/d/{device.label_code}")
    audit.check(page)
    page.get_by_label("E-Mail").fill(staff.email)
    page.get_by_label("Passwort").first.fill(password)
    page.get_by_label("Passwort").first.press("Enter")
    enter_code(page, staff)
    expect(page.get_by_role("heading", level=1)).to_contain_text("KRG-IPAD-003")
    audit.check(page)
    page.get_by_label("In Reparatur").check()
    page.get_by_label("Grund").fill("Ladebuchse locker")
    page.get_by_role("button", name="Status ändern").click()
    expect(page.get_by_role("status")).to_contain_text("Status geändert")
    expect(page.get_by_role("table", name="Verlauf")).to_contain_text("Ladebuchse locker")
    audit.check(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_inventory_filters_without_javascript(
    browser, browser_context_args, live_server, staff, password, inventory, audit, enter_code
):
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    page.javascript_disabled = True
    audit.watch(page)
    page.goto(f"{live_server.url}/accounts/login/")
    audit.check(page)
    page.get_by_label("E-Mail").fill(staff.email)
    page.get_by_label("Passwort").first.fill(password)
    page.get_by_label("Passwort").first.press("Enter")
    enter_code(page, staff)
    expect(page.get_by_role("link", name="Mein Konto")).to_be_visible()
    audit.check(page)
    page.goto(f"{live_server.url}/devices/")
    page.get_by_label("Status").select_option(label="In Reparatur")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page).to_have_url(re.compile(r"status=in_repair"))
    expect(page.get_by_role("link", name="KRG-IPAD-007")).to_be_visible()
    expect(page.get_by_role("link", name="KRG-IPAD-001")).to_have_count(0)
    audit.check(page)
    context.close()
