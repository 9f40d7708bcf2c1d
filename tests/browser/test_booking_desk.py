"""Staff at the desk: hand out a booking by scanning and ticking, then take the devices back
with one damaged, on a desktop screen and on a phone. The person switches the interface to
English first, so the test reads the same words whatever the German catalogue says."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Loan
from devices.models import Device
from tests.booking.conftest import today_slot
from tests.browser.conftest import nav_link
from tests.factories import DeviceFactory, DevicePoolFactory, ReservationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def booking_for_today(organization):
    pool = DevicePoolFactory(
        organization=organization,
        name="iPad-Koffer 1",
        return_checklist="3 iPads\n3 chargers\n1 case",
    )
    for number in range(1, 7):
        DeviceFactory(pool=pool, asset_tag=f"KRG-IPAD-{number:03}", name=f"iPad {number:02}")
    start, end = today_slot()
    teacher = UserFactory(name="Theresa Lehrer")
    return ReservationFactory(
        pool=pool, user=teacher, quantity=3, start=start, end=end, purpose="Class 7b, maths"
    )


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_staff_hand_out_by_scanning_and_take_back_with_one_damaged(
    page, live_server, staff, booking_for_today, audit, log_in
):
    log_in(page, staff)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    audit.check(page)

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Desk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Desk")
    expect(page.get_by_label("Scan or type a device label/asset tag")).to_be_focused()
    audit.check(page)
    to_hand_out = page.get_by_role("table", name="Bookings to hand out")
    row = to_hand_out.get_by_role("row").filter(has_text="Theresa Lehrer")
    expect(row).to_contain_text("Class 7b, maths")
    row.get_by_role("link", name=re.compile("^Hand out")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hand out to Theresa Lehrer")
    expect(page.get_by_role("region", name="Return checklist")).to_contain_text("3 chargers")
    scan = page.get_by_label("Scan a device to hand out")
    expect(scan).to_be_focused()
    audit.check(page)
    # A scanner types each code and Enter (each ticks its device); one is typed by hand.
    scan.press_sequentially("KRG-IPAD-001\nkrg-ipad-002\n")
    expect(page.get_by_label("KRG-IPAD-002 iPad 02")).to_be_checked()
    page.get_by_label("KRG-IPAD-003 iPad 03").check()
    page.get_by_role("button", name="Hand out the chosen devices").click()

    expect(page.get_by_role("status")).to_contain_text("3 devices handed out to Theresa Lehrer")
    expect(page.get_by_role("table", name="Bookings to hand out")).to_have_count(0)
    expect(page.get_by_role("table", name="Loans due back")).to_contain_text("Theresa Lehrer")
    audit.check(page)
    loan = Loan.objects.get()
    assert sorted(loan.items.values_list("device__asset_tag", flat=True)) == [
        "KRG-IPAD-001",
        "KRG-IPAD-002",
        "KRG-IPAD-003",
    ]

    # The devices come back at the desk; the librarian has only a phone at hand.
    page.set_viewport_size(PHONE)
    page.reload()
    audit.check(page)
    _fits_the_phone(page)
    page.get_by_label("Scan or type a device label/asset tag").fill("KRG-IPAD-002")
    page.get_by_label("Scan or type a device label/asset tag").press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Take back from Theresa Lehrer")
    expect(page.get_by_role("heading", name="3 devices still out")).to_be_visible()
    audit.check(page)
    _fits_the_phone(page)
    for tag in ("KRG-IPAD-001", "KRG-IPAD-002", "KRG-IPAD-003"):
        device = page.get_by_role("group", name=re.compile(f"^{tag}"))
        device.get_by_label("Returned").check()
        expect(device.get_by_label("Complete")).to_be_checked()
    damaged = page.get_by_role("group", name=re.compile("^KRG-IPAD-002"))
    damaged.get_by_label("Damaged").check()
    page.get_by_role("button", name="Record the return").click()
    # Without a note the form says what is missing, next to the field and in the summary.
    expect(page.get_by_role("alert")).to_contain_text("Please describe the damage")
    audit.check(page)
    damaged = page.get_by_role("group", name=re.compile("^KRG-IPAD-002"))
    expect(damaged.get_by_label("Damaged")).to_be_checked()
    damaged.get_by_label("Note").fill("Display cracked")
    page.get_by_role("button", name="Record the return").click()

    expect(page.get_by_role("status")).to_contain_text("3 devices back; 1 sent to repair.")
    audit.check(page)
    _fits_the_phone(page)
    assert Device.objects.get(asset_tag="KRG-IPAD-002").status == "in_repair"

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/devices/?q=KRG-IPAD-002")
    audit.check(page)
    page.get_by_role("link", name="KRG-IPAD-002").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("KRG-IPAD-002")
    expect(page.get_by_text("In repair", exact=True)).to_be_visible()
    expect(page.get_by_role("table", name="History")).to_contain_text("Display cracked")
    audit.check(page)


def test_staff_page_through_the_pool_calendar(
    page, live_server, staff, booking_for_today, audit, log_in, settings
):
    # Addresses shown to people are built from SITE_URL: here the site is the live server.
    settings.LERNPOOL_SITE_URL = live_server.url
    pool = booking_for_today.pool
    next_week = booking_for_today.start + datetime.timedelta(days=7)
    ReservationFactory(
        pool=pool,
        user=UserFactory(name="Nora Nächste"),
        start=next_week,
        end=next_week + datetime.timedelta(hours=1),
        purpose="Class 9c",
        status="requested",
    )
    log_in(page, staff)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    audit.check(page)
    page.goto(f"{live_server.url}{pool.get_absolute_url()}")
    audit.check(page)
    page.get_by_role("link", name="Who booked what (calendar)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who booked iPad-Koffer 1")
    week = page.locator("#week")
    expect(week.get_by_role("table")).to_contain_text("Theresa Lehrer")
    feed = page.get_by_label("Calendar address of this pool")
    expect(feed).to_have_value(re.compile(rf"/calendar/pools/{pool.pk}/[\w-]+\.ics$"))
    audit.check(page)
    page.get_by_role("link", name="Next week").click()
    expect(week.get_by_role("table")).to_contain_text("Nora Nächste")
    expect(week.get_by_role("table")).to_contain_text("Requested")
    expect(page).to_have_url(re.compile(r"\?date=\d{4}-\d{2}-\d{2}$"))
    expect(page.locator("#live-announcer")).to_contain_text("1 booking")
    audit.check(page)
    response = page.request.get(feed.input_value())
    # Nora is not a member of the pool's school: the feed shows her initials only.
    assert response.ok and "N. N." in response.text() and "Nora" not in response.text()
    assert "private" in response.headers["cache-control"]


def test_staff_decline_a_request_and_the_teacher_reads_why(
    page, live_server, staff, organization, other_organization, audit, log_in
):
    from organizations.models import Role
    from tests.factories import MembershipFactory

    pool = DevicePoolFactory(organization=organization, name="Laptopwagen", booking_scope="region")
    DeviceFactory(pool=pool)
    asker = MembershipFactory(
        organization=other_organization, role=Role.TEACHER, user=UserFactory(name="Paul Fremd")
    ).user
    day = timezone.localdate() + datetime.timedelta(days=2)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    ReservationFactory(
        pool=pool,
        user=asker,
        start=start,
        end=start + datetime.timedelta(hours=1),
        purpose="Class 6a",
        status="requested",
    )
    log_in(page, staff)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Desk").click()
    audit.check(page)
    page.get_by_role("link", name="Decide on requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests")
    audit.check(page)
    page.get_by_text("Decline with a reason").click()  # a <details>: Enter on its summary too
    page.get_by_role("textbox").last.fill("The case is being set up that day.")
    page.get_by_role("button", name=re.compile("^Decline")).click()
    expect(page.get_by_role("status")).to_contain_text("Paul Fremd")
    audit.check(page)
    page.get_by_role("button", name="Log out").click()
    audit.check(page)
    page.context.clear_cookies()  # back to German, as a new visitor

    log_in(page, asker)
    page.get_by_role("button", name="English").click()
    nav_link(page, "My bookings").click()
    audit.check(page)
    page.get_by_role("link", name=day.strftime("%m/%d/%Y"), exact=False).first.click()
    expect(page.get_by_role("main")).to_contain_text("The case is being set up that day.")
    expect(page.get_by_role("main")).to_contain_text("Declined")
    audit.check(page)
