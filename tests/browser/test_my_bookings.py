"""A teacher's "Meine Buchungen" by keyboard only, on a 390 px phone and at 1280 px: the
calendar subscription comes first, a weekly series is one row whose dates open from its
summary, past bookings say what happened, and nothing scrolls sideways. Screenshots go to
SCREENSHOTS (looked at by hand; not compared). The clock stands on Monday 07.12.2026."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from booking import services
from booking.models import Loan, LoanItem
from organizations.models import Role
from tests.factories import (
    DOUBLE_LESSON,
    DeviceFactory,
    DevicePoolFactory,
    MembershipFactory,
    ReservationFactory,
    give_lesson_periods,
)

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(os.environ.get("LERNPOOL_SCREENSHOTS", "/tmp/lernpool-screenshots"))
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)
TUESDAY = datetime.date(2026, 12, 8)


def at(day: datetime.date, time: str) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.fromisoformat(time), tzinfo=BERLIN)


def _bookings(organization):
    give_lesson_periods(organization, DOUBLE_LESSON)
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 1", max_days_ahead=120)
    devices = DeviceFactory.create_batch(30, pool=pool)
    teacher = MembershipFactory(organization=organization, role=Role.TEACHER).user
    services.book_series(
        by=teacher,
        pool=pool,
        quantity=25,
        first_date=TUESDAY,
        until=TUESDAY + datetime.timedelta(weeks=7),
        start_time=datetime.time(9, 45),
        end_time=datetime.time(11, 15),
        purpose="Mathe 7b",
    )
    day = datetime.date(2026, 12, 10)
    ReservationFactory(
        pool=pool,
        user=teacher,
        start=at(day, "08:00"),
        end=at(day, "09:30"),
        quantity=12,
        purpose="Projekt Wetter",
    )
    past = ReservationFactory(
        pool=pool,
        user=teacher,
        start=at(datetime.date(2026, 12, 1), "09:45"),
        end=at(datetime.date(2026, 12, 1), "11:15"),
        quantity=1,
        purpose="Referat 9c",
    )
    loan = Loan.objects.create(
        pool=pool, reservation=past, borrower=teacher, handed_out_at=past.start, due_at=past.end
    )
    LoanItem.objects.create(loan=loan, device=devices[0], returned_at=past.end)
    return teacher


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)], ids=["phone", "wide"])
def test_the_series_is_one_row_that_opens_by_keyboard(
    page, live_server, organization, audit, log_in, width, height
):
    with time_machine.travel(NOW, tick=True):
        teacher = _bookings(organization)
        page.set_viewport_size({"width": width, "height": height})
        log_in(page, teacher)
        page.goto(f"{live_server.url}/bookings/")
        audit.check(page)
        heading = page.get_by_role("heading", name="Kalender-Abo")
        expect(heading).to_be_visible()
        summary = page.locator("tr.series-row summary")
        expect(summary).to_have_count(1)
        expect(summary).to_have_text("Mathe 7b · dienstags 3.–4. Stunde · 8 Termine bis 26.01.")
        dates = page.locator("tr.series-row .series-dates__list a[href$='/']")
        expect(dates.first).to_be_hidden()
        # By keyboard only: Tab to the series' summary, open it with Enter.
        for _ in range(60):
            page.keyboard.press("Tab")
            if summary.evaluate("element => element === document.activeElement"):
                break
        else:
            pytest.fail("the series' summary cannot be reached with Tab")
        page.keyboard.press("Enter")
        expect(page.locator("tr.series-row details")).to_have_attribute("open", "")
        expect(dates).to_have_count(8)
        expect(dates.first).to_be_visible()
        expect(dates.first).to_contain_text("08.12.2026")
        page.keyboard.press("Tab")
        assert dates.first.evaluate("element => element === document.activeElement")
        past = page.locator("section[aria-labelledby=past-heading]")
        expect(past.get_by_text("zurückgegeben", exact=True)).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"
        audit.check(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"my-bookings-series-{width}.png", full_page=True)
