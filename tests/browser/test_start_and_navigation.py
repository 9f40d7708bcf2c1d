"""Each role logs in and lands on its start page, at 1280 px and on a 390 px phone; the
phone's menu is one button that opens by keyboard; no role sees more than six top-level
items; the lists people work through do not scroll sideways at 320 px; a booking is
cancelled only after a confirmation that names it. Screenshots of every start page go to
SCREENSHOTS (looked at by hand; not compared)."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Reservation
from organizations.models import Organization, Role
from tests.booking.conftest import today_slot
from tests.factories import (
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    EnrollmentFactory,
    LessonPeriodFactory,
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(os.environ.get("LERNPOOL_SCREENSHOTS", "/tmp/lernpool-screenshots"))
WIDE, PHONE, NARROW = (1280, 800), (390, 844), (320, 640)
TOP_LEVEL = "nav.site-nav .site-nav__items > li"


@pytest.fixture
def school(organization):
    for number, start, end in [(3, "09:45", "10:30"), (4, "10:30", "11:15")]:
        LessonPeriodFactory(
            organization=organization,
            number=number,
            name=f"{number}. Stunde",
            start=datetime.time.fromisoformat(start),
            end=datetime.time.fromisoformat(end),
        )
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 1")
    DeviceFactory.create_batch(5, pool=pool)
    return pool


@pytest.fixture
def people(organization, school):
    teacher = MembershipFactory(organization=organization, role=Role.TEACHER).user
    staff = MembershipFactory(organization=organization, role=Role.STAFF).user
    admin = MembershipFactory(organization=organization, role=Role.ORG_ADMIN).user
    vhs = OrganizationFactory(name="vhs Aschaffenburg", kind=Organization.Kind.ADULT_EDUCATION)
    provider = MembershipFactory(organization=vhs, role=Role.STAFF).user
    resident = UserFactory(name="Erika Muster")
    course = CourseFactory(organization=vhs, title="Videotelefonie mit der Familie")
    MeetingFactory(course=course)
    EnrollmentFactory(course=course, user=resident)
    start, end = today_slot()
    ReservationFactory(pool=school, user=teacher, start=start, end=end, purpose="Mathe 7b")
    day = timezone.localdate() + datetime.timedelta(
        days=(1 - timezone.localdate().weekday()) % 7 or 7
    )
    at = lambda time: timezone.make_aware(datetime.datetime.combine(day, time))  # noqa: E731
    ReservationFactory(
        pool=school,
        user=teacher,
        start=at(datetime.time(9, 45)),
        end=at(datetime.time(11, 15)),
        purpose="Mathe 7b",
        quantity=3,
    )
    return {
        "teacher": teacher,
        "staff": staff,
        "org_admin": admin,
        "provider": provider,
        "resident": resident,
    }


LANDING = {
    "teacher": ("/bookings/", "Meine Buchungen"),
    "staff": ("/desk/", "Ausgabe"),
    "org_admin": ("/start/", "Übersicht"),
    "provider": ("/manage/courses/", "Kurse"),
    "resident": ("/start/", "Hallo, Erika Muster"),
}


@pytest.mark.parametrize("role", list(LANDING))
def test_each_role_lands_on_its_start_page_at_both_widths(
    page, live_server, people, audit, log_in, role
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(dict(zip(("width", "height"), WIDE, strict=True)))
    log_in(page, people[role])
    path, heading = LANDING[role]
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    assert page.locator(TOP_LEVEL).count() <= 6
    expect(page.locator(".site-menu__button")).to_be_hidden()
    expect(page.locator(TOP_LEVEL).first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / f"start-{role}-1280.png", full_page=True)

    page.set_viewport_size(dict(zip(("width", "height"), PHONE, strict=True)))
    expect(page.locator(".site-menu__button")).to_be_visible()
    expect(page.locator(TOP_LEVEL).first).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    audit.check(page)
    page.screenshot(path=SCREENSHOTS / f"start-{role}-390.png", full_page=True)


def test_the_visitors_home_page_at_both_widths(page, live_server, audit):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(dict(zip(("width", "height"), WIDE, strict=True)))
    page.goto(f"{live_server.url}/")
    assert page.locator(TOP_LEVEL).count() <= 6
    expect(page.get_by_role("heading", name="Mitmachen")).to_be_visible()
    audit.check(page)
    page.screenshot(path=SCREENSHOTS / "start-visitor-1280.png", full_page=True)
    page.set_viewport_size(dict(zip(("width", "height"), PHONE, strict=True)))
    expect(page.get_by_role("banner").get_by_role("link", name="Anmelden")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "start-visitor-390.png", full_page=True)


def test_the_phone_menu_opens_and_its_groups_open_by_keyboard(
    page, live_server, people, audit, log_in
):
    page.set_viewport_size(dict(zip(("width", "height"), PHONE, strict=True)))
    log_in(page, people["org_admin"])
    menu = page.locator(".site-menu__button")
    for _tab in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('site-menu__button')"):
            break
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    management = page.get_by_role("navigation", name="Hauptnavigation").get_by_text(
        "Verwaltung", exact=True
    )
    expect(management).to_be_visible()
    assert page.locator(TOP_LEVEL).count() <= 6
    expect(page.get_by_role("link", name="Ausgabe", exact=True)).to_be_visible()
    management.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Mitglieder", exact=True)).to_be_visible()
    audit.check(page)
    page.screenshot(path=SCREENSHOTS / "menu-open-390.png", full_page=True)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the first link of the group: Inventar
    expect(page.get_by_role("heading", level=1)).to_have_text("Inventar")
    expect(page.locator('.site-nav summary[aria-current="true"]')).to_have_text("Verwaltung")


def test_a_booking_is_cancelled_only_after_a_confirmation_that_names_it(
    page, live_server, people, audit, log_in
):
    log_in(page, people["teacher"])
    booking = Reservation.objects.filter(start__gt=timezone.now()).get()
    page.locator(f'a[href="/bookings/{booking.pk}/cancel/?scope=one"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Diese Buchung stornieren?")
    expect(page.locator("#main")).to_contain_text(
        re.compile(r"Mathe 7b, iPad-Koffer 1, Di \d\d\.\d\d\. 3\.–4\. Stunde")
    )
    audit.check(page)
    booking.refresh_from_db()
    assert booking.status == Reservation.Status.CONFIRMED
    page.get_by_role("button", name="Ja, stornieren").click()
    expect(page.get_by_role("status")).to_contain_text("Storniert: Mathe 7b, iPad-Koffer 1")
    booking.refresh_from_db()
    assert booking.status == Reservation.Status.CANCELLED


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("teacher", "/bookings/"),
        ("resident", "/my-courses/"),
        ("staff", "/desk/"),
        ("org_admin", "/reports/view/?period={month}&scope=org:kronberg-gymnasium"),
    ],
)
def test_the_daily_lists_do_not_scroll_sideways_at_320_px(
    page, live_server, people, audit, log_in, role, path
):
    log_in(page, people[role])
    page.set_viewport_size(dict(zip(("width", "height"), NARROW, strict=True)))
    month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    page.goto(live_server.url + path.format(month=f"{month:%Y-%m}"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW[0]
    audit.check(page)
    page.screenshot(path=SCREENSHOTS / f"narrow-{role}.png", full_page=True)


def test_a_return_of_twenty_with_one_damaged_takes_three_actions(
    page, live_server, organization, people, audit, log_in
):
    from booking import services

    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 2")
    devices = [
        DeviceFactory(pool=pool, asset_tag=f"KRG-IPAD-{number:03}") for number in range(1, 21)
    ]
    start, end = today_slot()
    booking = ReservationFactory(
        pool=pool, user=people["teacher"], start=start, end=end, quantity=20
    )
    loan = services.hand_out(by=people["staff"], reservation=booking, devices=devices)
    log_in(page, people["staff"])
    page.set_viewport_size(dict(zip(("width", "height"), PHONE, strict=True)))
    page.goto(f"{live_server.url}/desk/loans/{loan.pk}/")
    scan = page.get_by_label("Zurückgebrachtes Gerät scannen")
    expect(scan).to_be_focused()
    audit.check(page)

    # A scan ticks its device and the field keeps the focus for the next one.
    scan.fill("krg-ipad-003")
    scan.press("Enter")
    expect(page.locator("#scan-status")).to_contain_text("KRG-IPAD-003 (1/20)")
    expect(scan).to_be_focused()
    expect(scan).to_have_value("")
    third = loan.items.get(device__asset_tag="KRG-IPAD-003")
    expect(page.locator(f"#id_returned_{third.pk}")).to_be_checked()
    page.screenshot(path=SCREENSHOTS / "return-scan-390.png", full_page=True)

    # One damaged, the other nineteen complete: three actions.
    damaged = loan.items.get(device__asset_tag="KRG-IPAD-007")
    page.locator(f"#item-{damaged.pk}").get_by_label("Beschädigt").check()  # 1
    page.locator(f"#id_note_{damaged.pk}").fill("Display gesprungen")  # 2
    page.get_by_role("button", name="Alle übrigen vollständig zurück").click()  # 3
    expect(page.get_by_role("status").first).to_contain_text("20")
    audit.check(page)
    loan.refresh_from_db()
    assert loan.closed_at is not None
    conditions = list(loan.items.values_list("condition", flat=True))
    assert conditions.count("damaged") == 1 and conditions.count("complete") == 19
