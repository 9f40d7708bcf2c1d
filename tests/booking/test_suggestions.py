"""Suggestions when the wanted time is short (issue #18): by lesson period (the next free run
of as many periods, the same periods on other days) and other pools the teacher may book with
enough free, only at times the booking service would take. Choosing one opens the normal
booking form filled with those periods; the booking service still decides.

The clock stands still on Monday, 7 December 2026, 07:00 (Berlin)."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
import time_machine

from booking import services
from booking.models import Reservation
from core.dates import local_datetime
from tests.booking.conftest import ipad_case, shared_library_pool
from tests.factories import (
    ClosureFactory,
    ReservationFactory,
    pool_with_devices,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("english_pages", "english_messages"),
]

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2026, 12, 7, 7, 0, tzinfo=BERLIN)
MONDAY = NOW.date()
TUESDAY, WEDNESDAY = datetime.date(2026, 12, 8), datetime.date(2026, 12, 9)
THURSDAY, FRIDAY = datetime.date(2026, 12, 10), datetime.date(2026, 12, 11)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: datetime.date, time: str) -> datetime.datetime:
    return local_datetime(day, datetime.time.fromisoformat(time))


@pytest.fixture
def pool(organization):
    pool = ipad_case(organization)
    # Periods 3–4 on Tuesday: 15 of 30 are taken.
    ReservationFactory(pool=pool, start=at(TUESDAY, "09:45"), end=at(TUESDAY, "11:15"), quantity=15)
    # Wednesday is a study day.
    ClosureFactory(organization=organization, name="Studientag", start=WEDNESDAY, end=THURSDAY)
    return pool


@pytest.fixture
def second_pool(organization):
    return pool_with_devices(organization, 25, name="iPad-Koffer 2")


@pytest.fixture
def library_pool(other_organization):
    return shared_library_pool(other_organization, 24)


def test_a_double_period_is_answered_by_periods(teacher, pool):
    times, _pools = services.alternatives(
        by=teacher, pool=pool, quantity=20, start=at(TUESDAY, "09:45"), end=at(TUESDAY, "11:15")
    )
    assert [(alt.kind, alt.start, alt.end, alt.periods) for alt in times] == [
        ("same_periods", at(MONDAY, "09:45"), at(MONDAY, "11:15"), "3. Stunde to 4. Stunde"),
        # Periods 4–5 still overlap the 15 taken; 5–6 is the next free double period.
        ("next", at(TUESDAY, "11:35"), at(TUESDAY, "13:10"), "5. Stunde to 6. Stunde"),
        # Wednesday is closed, the weekend is no school day.
        ("same_periods", at(THURSDAY, "09:45"), at(THURSDAY, "11:15"), "3. Stunde to 4. Stunde"),
        ("same_periods", at(FRIDAY, "09:45"), at(FRIDAY, "11:15"), "3. Stunde to 4. Stunde"),
    ]
    assert all(alt.free == 30 for alt in times)


def test_the_next_free_periods_move_to_the_next_school_day_when_the_day_is_full(teacher, pool):
    ReservationFactory(pool=pool, start=at(TUESDAY, "11:15"), end=at(TUESDAY, "13:10"), quantity=20)
    times, _pools = services.alternatives(
        by=teacher, pool=pool, quantity=20, start=at(TUESDAY, "09:45"), end=at(TUESDAY, "11:15")
    )
    (nxt,) = [alt for alt in times if alt.kind == "next"]
    assert (nxt.start, nxt.end) == (at(THURSDAY, "08:00"), at(THURSDAY, "09:35"))
    assert nxt.periods == "1. Stunde to 2. Stunde"


def test_a_time_not_by_period_is_answered_by_the_same_time_on_other_days(teacher, pool):
    ReservationFactory(pool=pool, start=at(TUESDAY, "14:00"), end=at(TUESDAY, "15:00"), quantity=30)
    times, _pools = services.alternatives(
        by=teacher, pool=pool, quantity=5, start=at(TUESDAY, "14:00"), end=at(TUESDAY, "15:00")
    )
    assert [(alt.kind, alt.start) for alt in times] == [
        ("nearby", at(MONDAY, "14:00")),
        ("nearby", at(THURSDAY, "14:00")),
        ("nearby", at(FRIDAY, "14:00")),
    ]


def test_other_pools_are_offered_only_when_open_then(teacher, pool, second_pool, library_pool):
    # 09:45: before the library opens (10:00): only the school's second pool.
    _times, pools = services.alternatives(
        by=teacher, pool=pool, quantity=20, start=at(TUESDAY, "09:45"), end=at(TUESDAY, "11:15")
    )
    assert [(alt.pool, alt.free, alt.kind) for alt in pools] == [(second_pool, 25, "elsewhere")]
    # Periods 4–5 (10:30–12:20) lie within the library's hours: both, own school first.
    ReservationFactory(pool=pool, start=at(TUESDAY, "10:30"), end=at(TUESDAY, "12:20"), quantity=15)
    _times, pools = services.alternatives(
        by=teacher, pool=pool, quantity=20, start=at(TUESDAY, "10:30"), end=at(TUESDAY, "12:20")
    )
    assert [alt.pool for alt in pools] == [second_pool, library_pool]


def form_data(**overrides) -> dict:
    return {
        "date": TUESDAY.isoformat(),
        "first_period": "3",
        "last_period": "4",
        "start_time": "",
        "end_time": "",
        "quantity": "20",
        "purpose": "7b Mathe",
        "repeat": "once",
        "until": "",
    } | overrides


def test_choosing_a_suggestion_fills_the_form_with_those_periods(client, teacher, pool):
    client.force_login(teacher)
    response = client.post(f"/pools/{pool.pk}/book/", form_data())
    html = response.content.decode()
    assert response.status_code == 400
    assert "The next free lesson periods with 20 devices:" in html
    assert "The same lesson periods on other days:" in html
    link = re.search(r'href="([^"]*)">Tuesday, 08\.12\.2026, 5\. Stunde to 6\. Stunde</a>', html)
    url = link.group(1).replace("&amp;", "&")
    form = client.get(url).content.decode()
    # The normal form, its periods chosen, quantity and purpose kept; no time of its own.
    assert re.search(r'<option value="5" selected>5\. Stunde 11:35–12:20</option>', form)
    assert re.search(r'<option value="6" selected>6\. Stunde 12:25–13:10</option>', form)
    assert re.search(r'name="start_time"(?![^>]*value=)[^>]*>', form)
    assert re.search(r'name="quantity" value="20"', form)
    assert 'value="7b Mathe"' in form
    # The booking service decides when it is sent.
    response = client.post(f"/pools/{pool.pk}/book/", form_data(first_period="5", last_period="6"))
    assert response.status_code == 302
    booked = Reservation.objects.get(user=teacher)
    assert (booked.start, booked.end) == (at(TUESDAY, "11:35"), at(TUESDAY, "13:10"))


def test_another_pool_is_proposed_with_the_same_periods(client, teacher, pool, second_pool):
    client.force_login(teacher)
    html = client.get(
        f"/pools/{pool.pk}/book/check/", form_data(), headers={"HX-Request": "true"}
    ).content.decode()
    assert "Other pools with enough free devices at that time:" in html
    url = re.search(rf'href="(/pools/{second_pool.pk}/book/[^"]*)">iPad-Koffer 2</a>', html)
    form = client.get(url.group(1).replace("&amp;", "&")).content.decode()
    assert re.search(r'<option value="3" selected>', form)
    assert re.search(r'<option value="4" selected>', form)


@pytest.mark.parametrize("rows", [3, 300])
def test_the_check_with_suggestions_runs_a_constant_number_of_queries(
    client, teacher, pool, second_pool, library_pool, rows, django_assert_max_num_queries
):
    for index in range(rows):
        day = MONDAY + datetime.timedelta(days=index % 12)
        start = at(day, "08:00") + datetime.timedelta(minutes=(index * 7) % 300)
        ReservationFactory(
            pool=pool, start=start, end=start + datetime.timedelta(minutes=45), quantity=1
        )
    client.force_login(teacher)
    with django_assert_max_num_queries(23):
        response = client.get(
            f"/pools/{pool.pk}/book/check/", form_data(), headers={"HX-Request": "true"}
        )
    assert "The same lesson periods on other days:" in response.content.decode()
