"""A teacher on a Saturday, keyboard only, on a phone (390 px) and at 1280 px: the week view
opens on the coming school week; she books periods 3–4 on Tuesday from its cell and finds
her booking marked in the grid ("Ihre Buchung: 28"), the cell full for the others' 2 and not
a link any more. axe-core checks every page; screenshots of the week view at both widths go
to test-results/."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from booking.models import Reservation
from core.dates import local_datetime
from tests.browser.conftest import press
from tests.factories import (
    SCHOOL_DAY,
    ReservationFactory,
    give_lesson_periods,
    pool_with_devices,
)

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
BERLIN = ZoneInfo("Europe/Berlin")


def next_saturday_morning() -> datetime.datetime:
    """A Saturday 10:00 soon (the browser's cookies live in real time, so not far away)."""
    day = datetime.date.today() + datetime.timedelta(days=1)
    while day.weekday() != 5:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=BERLIN)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_teacher_finds_her_booking_marked_in_the_coming_week(
    page, live_server, teacher, organization, audit, log_in, width
):
    now = next_saturday_morning()
    tuesday = now.date() + datetime.timedelta(days=3)
    with time_machine.travel(now, tick=True):
        give_lesson_periods(organization, SCHOOL_DAY)
        pool = pool_with_devices(organization, 30, name="iPad-Koffer 1")
        # A colleague has 2 iPads in period 4, and 20 on Wednesday morning.
        ReservationFactory(
            pool=pool,
            start=local_datetime(tuesday, datetime.time(10, 30)),
            end=local_datetime(tuesday, datetime.time(11, 15)),
            quantity=2,
        )
        wednesday = tuesday + datetime.timedelta(days=1)
        ReservationFactory(
            pool=pool,
            start=local_datetime(wednesday, datetime.time(8)),
            end=local_datetime(wednesday, datetime.time(9, 35)),
            quantity=20,
        )
        page.set_viewport_size({"width": width, "height": 900})
        log_in(page, teacher)
        page.goto(f"{live_server.url}/pools/{pool.pk}/week/")
        audit.check(page)
        heading = page.get_by_role("heading", level=2)
        expect(heading).to_contain_text(f"{tuesday - datetime.timedelta(days=1):%d.%m.%Y}")
        expect(page.get_by_text("Hier ist die nächste Schulwoche.")).to_be_visible()

        # Period 3 on Tuesday: follow the cell's link by keyboard; the form is filled.
        cell = page.get_by_role("link", name=re.compile(r"Dienstag .*3\. Stunde"))
        expect(cell).to_contain_text("30 von 30 frei")
        press(page, cell)
        expect(page.get_by_label("Von Stunde")).to_have_value("3")
        audit.check(page)
        press(page, page.get_by_label("Bis Stunde (einschließlich)"), "ArrowDown")
        expect(page.get_by_label("Bis Stunde (einschließlich)")).to_have_value("4")
        quantity = page.get_by_label("Anzahl der Geräte")
        quantity.focus()
        page.keyboard.press("Control+A")
        page.keyboard.type("28")
        press(page, page.get_by_role("button", name="Buchen", exact=True))
        expect(page.get_by_role("status").first).to_contain_text("Gebucht: 28 × iPad-Koffer 1.")
        audit.check(page)
        assert Reservation.objects.get(user=teacher).quantity == 28

        page.goto(f"{live_server.url}/pools/{pool.pk}/week/")
        table = page.get_by_role("table")
        expect(table).to_be_visible()
        audit.check(page)
        rows = table.locator("tbody tr")
        column = 1 + 1  # the row header, then Monday; Tuesday is the second day
        third = rows.nth(2).locator("td").nth(column - 1)
        fourth = rows.nth(3).locator("td").nth(column - 1)
        expect(third).to_contain_text("Ihre Buchung: 28")
        expect(third).to_contain_text("2 von 30 frei")
        expect(fourth).to_contain_text("Ihre Buchung: 28")
        expect(fourth).to_contain_text("voll")
        assert fourth.get_by_role("link", name=re.compile("frei")).count() == 0
        # Her booking opens from the cell, by keyboard.
        press(page, third.get_by_role("link", name="Ihre Buchung: 28"))
        expect(page).to_have_url(re.compile(r"/bookings/\d+/$"))
        audit.check(page)

        page.goto(f"{live_server.url}/pools/{pool.pk}/week/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"week-view-{width}.png", full_page=True)
