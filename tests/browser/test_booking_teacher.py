"""A teacher books a device set with the keyboard only: periods 3–4 next Tuesday, then every
week until the end of the school year, then cancels one date. Also on a phone, and once
without JavaScript. The pages are switched to English (the booking texts' msgids), so the
test holds before and after the German translation is filled in."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Reservation, Series
from tests.factories import (
    SCHOOL_DAY,
    ClosureFactory,
    DeviceFactory,
    DevicePoolFactory,
    give_lesson_periods,
)

pytestmark = pytest.mark.django_db(transaction=True)


def next_tuesday() -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7)


@pytest.fixture
def pool(organization):
    give_lesson_periods(organization, SCHOOL_DAY)
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 1")
    DeviceFactory.create_batch(30, pool=pool)
    return pool


def in_english(page, audit) -> None:
    page.get_by_role("button", name="English").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    audit.check(page)


def press(page, locator, key: str = "Enter") -> None:
    locator.focus()
    page.keyboard.press(key)


def test_a_teacher_books_once_and_weekly_and_cancels_a_date_by_keyboard(
    page, live_server, teacher, organization, pool, audit, log_in
):
    tuesday = next_tuesday()
    studientag = tuesday + datetime.timedelta(weeks=3)
    ClosureFactory(
        organization=organization,
        name="Studientag",
        start=studientag,
        end=studientag + datetime.timedelta(days=1),
    )
    log_in(page, teacher)
    in_english(page, audit)

    page.goto(f"{live_server.url}{pool.get_absolute_url()}")
    audit.check(page)
    press(page, page.get_by_role("link", name="Show free devices by week and book"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Free devices: iPad-Koffer 1")
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_count(6)
    expect(table.get_by_role("rowheader")).to_have_count(6)
    expect(table.get_by_role("rowheader", name="3. Stunde 09:45–10:30")).to_be_visible()
    audit.check(page)
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    # On a weekend (or a Friday afternoon) the view opens on the coming week already.
    if not table.get_by_role("columnheader", name=f"{tuesday:%d.%m.}").count():
        press(page, page.get_by_role("link", name="Next week"))
        expect(page.locator("#week")).to_be_focused()
        expect(page).to_have_url(
            re.compile(r"date=" + (monday + datetime.timedelta(7)).isoformat())
        )
        audit.check(page)
    slot = page.get_by_role(
        "link",
        name=re.compile(
            "^Book Tuesday " + re.escape(f"{tuesday:%d.%m.}, 3. Stunde ") + ".*: 30 of 30 free$"
        ),
    )
    press(page, slot)

    expect(page.get_by_role("heading", level=1)).to_have_text("Book iPad-Koffer 1")
    expect(page.get_by_label("Date")).to_have_value(tuesday.isoformat())
    expect(page.get_by_label("From period")).to_have_value("3")
    audit.check(page)
    press(page, page.get_by_label("Until period (inclusive)"), "ArrowDown")
    expect(page.get_by_label("Until period (inclusive)")).to_have_value("4")
    page.keyboard.press("Tab")  # leaves the select, which htmx hears as a change
    status = page.locator("#availability")
    press(page, page.get_by_label("Number of devices"), "Control+A")
    page.keyboard.type("25")
    page.keyboard.press("Tab")
    expect(status).to_contain_text("30 of 30 devices are free at that time.")
    expect(page.get_by_label("Purpose")).to_be_focused()  # the swap keeps the focus
    page.keyboard.type("7b Mathematik")
    audit.check(page)
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text("Booked: 25 × iPad-Koffer 1.")
    expect(page.get_by_role("heading", level=1)).to_have_text("25 × iPad-Koffer 1")
    audit.check(page)
    once = Reservation.objects.get()
    assert timezone.localtime(once.start).time() == datetime.time(9, 45)
    assert timezone.localtime(once.end).time() == datetime.time(11, 15)

    # Every week from the Tuesday after, until the end of the school year.
    first = tuesday + datetime.timedelta(weeks=1)
    page.goto(f"{live_server.url}/pools/{pool.pk}/week/?date={first.isoformat()}")
    audit.check(page)
    press(
        page,
        page.get_by_role(
            "link", name=re.compile("^Book Tuesday " + re.escape(f"{first:%d.%m.}, 3."))
        ),
    )
    expect(page.get_by_label("Date")).to_have_value(first.isoformat())
    audit.check(page)
    press(page, page.get_by_label("Until period (inclusive)"), "ArrowDown")
    press(page, page.get_by_label("Number of devices"), "Control+A")
    page.keyboard.type("25")
    press(page, page.get_by_role("radio", name="Once"), "ArrowDown")
    expect(page.get_by_role("radio", name="Every week")).to_be_checked()
    expect(page.locator("#availability")).to_contain_text("30 of 30 devices are free")
    press(page, page.get_by_role("button", name="Book", exact=True))

    preview = page.get_by_role("table", name="Dates of the series")
    expect(preview).to_be_visible()
    closed_row = preview.get_by_role("row").filter(has_text="Studientag")
    expect(closed_row).to_contain_text("closed – skipped")
    expect(closed_row.get_by_role("checkbox")).to_have_count(0)
    boxes = preview.get_by_role("checkbox")
    count = boxes.count()
    assert count >= 3
    audit.check(page)
    press(page, page.get_by_role("button", name="Book the chosen dates"))

    expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
    expect(page.get_by_role("status").first).to_contain_text(f"{count} dates booked.")
    audit.check(page)
    series = Series.objects.get()
    assert series.reservations.count() == count
    assert not series.reservations.filter(start__date=studientag).exists()

    # Cancel the second date of the series: its row opens to its dates, the confirmation
    # names the date, then it goes.
    second = first + datetime.timedelta(weeks=1)
    press(page, page.locator("tr.series-row summary"))
    press(
        page,
        page.get_by_role(
            "link",
            name=re.compile(
                r"^Cancel \w+, "
                # Playwright writes the pattern between slashes: slashes inside are escaped
                + re.escape(f"{second:%m/%d/%Y}, 09:45").replace("/", r"\/")
            ),
        ),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this booking?")
    expect(page.locator("#main")).to_contain_text(f"iPad-Koffer 1, Tue {second:%d.%m.} periods 3–4")
    audit.check(page)
    assert series.reservations.filter(status="cancelled").count() == 0
    press(page, page.get_by_role("button", name="Yes, cancel"))
    expect(page.get_by_role("status").first).to_contain_text(
        re.compile(
            r"Cancelled: (.+, )?" + re.escape(f"iPad-Koffer 1, Tue {second:%d.%m.} periods 3–4.")
        )
    )
    audit.check(page)
    statuses = dict(
        (timezone.localtime(r.start).date(), r.status) for r in series.reservations.all()
    )
    assert statuses[second] == "cancelled"
    assert list(statuses.values()).count("cancelled") == 1


def test_the_week_and_the_form_fit_a_phone(page, live_server, teacher, pool, audit, log_in):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, teacher)
    in_english(page, audit)
    page.goto(f"{live_server.url}/pools/{pool.pk}/week/")
    expect(page.get_by_role("table")).to_be_visible()
    audit.check(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".kern-table-responsive")
    expect(box).to_have_attribute("tabindex", "0")
    page.goto(f"{live_server.url}/pools/{pool.pk}/book/")
    expect(page.get_by_label("Number of devices")).to_be_visible()
    audit.check(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_teacher_books_without_javascript(
    no_js_page, live_server, teacher, password, pool, audit
):
    page = no_js_page
    tuesday = next_tuesday()
    page.goto(f"{live_server.url}/accounts/login/")
    audit.check(page)
    page.get_by_label("E-Mail").fill(teacher.email)
    page.get_by_label("Passwort").first.fill(password)
    page.get_by_label("Passwort").first.press("Enter")
    expect(page.get_by_role("link", name="Mein Konto")).to_be_visible()
    audit.check(page)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    audit.check(page)
    page.goto(
        f"{live_server.url}/pools/{pool.pk}/book/?date={tuesday.isoformat()}&from=09:45&to=11:15"
    )
    audit.check(page)
    page.get_by_label("Number of devices").fill("31")
    page.get_by_role("button", name="Check availability").click()
    expect(page.locator("#availability")).to_contain_text("only 30 devices in service")
    audit.check(page)
    page.get_by_label("Number of devices").fill("12")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Booked: 12 × iPad-Koffer 1.")
    audit.check(page)
    assert Reservation.objects.get().quantity == 12
