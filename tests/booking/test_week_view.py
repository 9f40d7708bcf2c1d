"""The teacher's week view (issue #18): it opens on the coming school week when nothing is
left to book in this one, marks the teacher's own bookings in the cell, and says how full a
time is with a colour and a text; full times are not links.

The clock is frozen in every test: the week of Monday, 7 December 2026 (Berlin)."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
import time_machine

from booking.models import Reservation
from core.dates import local_datetime
from devices.models import DevicePool
from organizations.models import Role
from tests.booking.conftest import ipad_case
from tests.factories import (
    LIBRARY_WEEK,
    SCHOOL_DAY,
    ClosureFactory,
    MembershipFactory,
    ReservationFactory,
    UserFactory,
    give_hours,
    pool_with_devices,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
MONDAY = datetime.date(2026, 12, 7)
NEXT_MONDAY = datetime.date(2026, 12, 14)


def moment(day: datetime.date, time: str) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.fromisoformat(time), tzinfo=BERLIN)


def at(day: datetime.date, time: str) -> datetime.datetime:
    return local_datetime(day, datetime.time.fromisoformat(time))


@pytest.fixture
def pool(organization):
    return ipad_case(organization)


def week_html(client, pool, **query) -> str:
    response = client.get(f"/pools/{pool.pk}/week/", query)
    assert response.status_code == 200
    return response.content.decode()


def shown_week(html: str) -> str:
    return re.search(r'<h2 id="week-heading"[^>]*>([^<]*)</h2>', html).group(1)


COMING = "Week of 12/14/2026 to 12/18/2026"
THIS = "Week of 12/07/2026 to 12/11/2026"


# --- which week it opens on -------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (moment(MONDAY, "07:00"), THIS),
        (moment(MONDAY + datetime.timedelta(days=1), "15:00"), THIS),  # Wed–Fri are still ahead
        (moment(MONDAY + datetime.timedelta(days=4), "12:30"), THIS),  # Friday, period 6 left
        (moment(MONDAY + datetime.timedelta(days=4), "13:10"), COMING),  # Friday, lessons over
        (moment(MONDAY + datetime.timedelta(days=5), "09:00"), COMING),  # Saturday
        (moment(MONDAY + datetime.timedelta(days=6), "23:00"), COMING),  # Sunday
    ],
)
def test_it_opens_on_the_coming_school_week_when_this_one_is_over(
    client, teacher, pool, now, expected
):
    with time_machine.travel(now, tick=False):
        client.force_login(teacher)
        html = week_html(client, pool)
    assert shown_week(html) == expected
    note = "No more lessons can be booked this week: here is the coming school week."
    assert (note in html) == (expected == COMING)


def test_an_explicit_date_still_wins(client, teacher, pool):
    with time_machine.travel(moment(MONDAY + datetime.timedelta(days=5), "09:00"), tick=False):
        client.force_login(teacher)
        html = week_html(client, pool, date=MONDAY.isoformat())
    assert shown_week(html) == THIS
    assert html.count(">past</td>") == 5 * len(SCHOOL_DAY)
    assert "here is the coming school week" not in html


def test_holidays_for_the_rest_of_the_week_open_the_week_after_them(
    client, teacher, pool, organization
):
    """Wednesday afternoon, and the Christmas holidays start on Thursday: the first school
    day is Thursday, 7 January."""
    ClosureFactory(
        organization=organization,
        name="Weihnachtsferien",
        start=datetime.date(2026, 12, 24),
        end=datetime.date(2027, 1, 7),
    )
    with time_machine.travel(moment(datetime.date(2026, 12, 23), "14:00"), tick=False):
        client.force_login(teacher)
        html = week_html(client, pool)
    assert shown_week(html) == "Week of 01/04/2027 to 01/08/2027"
    assert html.count("closed: Weihnachtsferien") == 3 * len(SCHOOL_DAY)  # Mon–Wed


def test_a_library_opens_on_this_week_until_it_closes_on_saturday(client, other_organization):
    give_hours(other_organization, LIBRARY_WEEK)  # Saturday 10–13, closed on Sunday and Monday
    pool = pool_with_devices(other_organization, 12, name="Leih-Laptops")
    client.force_login(MembershipFactory(organization=other_organization, role=Role.STAFF).user)
    saturday = MONDAY + datetime.timedelta(days=5)
    with time_machine.travel(moment(saturday, "11:00"), tick=False):
        assert shown_week(week_html(client, pool)) == "Week of 12/07/2026 to 12/12/2026"
    with time_machine.travel(moment(saturday, "13:30"), tick=False):
        html = week_html(client, pool)
    assert shown_week(html) == "Week of 12/14/2026 to 12/19/2026"
    assert "Nothing more can be booked this week: here is the coming week." in html


def week_links(html: str) -> dict[str, tuple[str, bool]]:
    """The week navigation's links: label → (href, marked as the current week)."""
    nav = re.search(r'<nav class="week-nav".*?</nav>', html, re.S).group(0)
    return {
        label: (href.replace("&amp;", "&"), "aria-current" in attributes)
        for href, attributes, label in re.findall(r'<a [^>]*href="([^"]*)"([^>]*)>([^<]*)</a>', nav)
    }


def test_on_a_saturday_this_week_is_the_calendar_week_not_the_coming_one(client, teacher, pool):
    """The view opens on the coming school week, and says so; "This week" still leads to the
    calendar week (as "Previous week" does from there) and is not marked as the week shown."""
    url = f"/pools/{pool.pk}/week/"
    with time_machine.travel(moment(MONDAY + datetime.timedelta(days=5), "09:00"), tick=False):
        client.force_login(teacher)
        html = week_html(client, pool)
        assert shown_week(html) == COMING
        links = week_links(html)
        assert links["This week"] == (f"{url}?date={MONDAY.isoformat()}", False)
        assert links["Previous week"] == (f"{url}?date={MONDAY.isoformat()}", False)
        assert links["Next week"] == (f"{url}?date=2026-12-21", False)
        this_week = week_html(client, pool, date=MONDAY.isoformat())
    assert shown_week(this_week) == THIS
    assert week_links(this_week)["This week"] == (f"{url}?date={MONDAY.isoformat()}", True)


def test_on_a_weekday_this_week_is_marked_as_the_week_shown(client, teacher, pool):
    with time_machine.travel(moment(MONDAY, "07:00"), tick=False):
        client.force_login(teacher)
        html = week_html(client, pool)
    assert shown_week(html) == THIS
    assert week_links(html)["This week"] == (
        f"/pools/{pool.pk}/week/?date={MONDAY.isoformat()}",
        True,
    )


# --- the teacher's own bookings -----------------------------------------------------------


def cell(html: str, pool, day: datetime.date, time: str) -> str:
    """The <td> of the day's slot that starts at ``time`` (found by its booking link, or by
    position when it has none)."""
    rows = re.findall(r"<tr>\s*<th scope=\"row\"[^>]*>[^<]*</th>(.*?)</tr>", html, re.S)
    starts = [start for _number, start, _end in SCHOOL_DAY]
    cells = re.findall(r"<td.*?</td>", rows[starts.index(time)], re.S)
    return cells[day.weekday()]


def test_own_bookings_are_marked_in_their_cells(client, teacher, pool):
    tuesday = NEXT_MONDAY + datetime.timedelta(days=1)
    mine = ReservationFactory(
        pool=pool, user=teacher, start=at(tuesday, "09:45"), end=at(tuesday, "11:15"), quantity=28
    )
    ReservationFactory(
        pool=pool, start=at(tuesday, "10:30"), end=at(tuesday, "11:15"), quantity=2
    )  # a colleague's
    ReservationFactory(
        pool=pool,
        user=teacher,
        start=at(tuesday, "12:25"),
        end=at(tuesday, "13:10"),
        quantity=5,
        status=Reservation.Status.REQUESTED,
    )
    with time_machine.travel(moment(MONDAY, "10:00"), tick=False):
        client.force_login(teacher)
        html = week_html(client, pool, date=NEXT_MONDAY.isoformat())
    third, fourth = cell(html, pool, tuesday, "09:45"), cell(html, pool, tuesday, "10:30")
    assert "Your booking: 28" in third and "2 of 30 free" in third
    assert f'href="/bookings/{mine.pk}/"' in third
    assert "week-cell--mine" in third
    # Period 4: hers and the colleague's fill the pool: full, not a link to book, still hers.
    assert "Your booking: 28" in fourth and ">full<" in fourth
    assert "/book/?" not in fourth and "week-cell--full" in fourth
    assert "Your request: 5" in cell(html, pool, tuesday, "12:25")
    assert html.count("Your booking:") == 2 and html.count("Your request:") == 1
    # The colleague's booking is not hers.
    other = UserFactory()
    MembershipFactory(user=other, organization=pool.organization, role=Role.TEACHER)
    with time_machine.travel(moment(MONDAY, "10:00"), tick=False):
        client.force_login(other)
        html = week_html(client, pool, date=NEXT_MONDAY.isoformat())
    assert "Your booking" not in html and "Your request" not in html


def test_a_past_own_booking_stays_marked(client, teacher, pool):
    ReservationFactory(
        pool=pool, user=teacher, start=at(MONDAY, "08:00"), end=at(MONDAY, "08:45"), quantity=12
    )
    with time_machine.travel(moment(MONDAY, "10:00"), tick=False):
        client.force_login(teacher)
        html = week_html(client, pool)
    first = cell(html, pool, MONDAY, "08:00")
    assert ">past" in first and "Your booking: 12" in first


# --- how full a time is ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("booked", "text", "level"),
    [
        (0, "30 of 30 free", "free"),
        (15, "15 of 30 free", "some"),
        (23, "7 of 30 free", "low"),
        (30, "full", "full"),
    ],
)
def test_cells_say_how_full_a_time_is_in_colour_and_text(
    client, teacher, pool, booked, text, level
):
    wednesday = NEXT_MONDAY + datetime.timedelta(days=2)
    if booked:
        ReservationFactory(
            pool=pool, start=at(wednesday, "08:00"), end=at(wednesday, "08:45"), quantity=booked
        )
    with time_machine.travel(moment(MONDAY, "10:00"), tick=False):
        client.force_login(teacher)
        html = week_html(client, pool, date=NEXT_MONDAY.isoformat())
    first = cell(html, pool, wednesday, "08:00")
    assert f"week-cell--{level}" in first
    visible = re.sub(
        r"<[^>]+>", "", re.sub(r'<span class="visually-hidden">[^<]*</span>', "", first)
    )
    assert visible == text
    assert ("/book/?" in first) == (level != "full")
    assert "more than half free" in html and "a quarter or less free" in html  # the legend


# --- queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 300])
@pytest.mark.parametrize("with_date", [True, False])
def test_own_bookings_cost_no_query_per_row(
    client, teacher, pool, rows, with_date, django_assert_max_num_queries
):
    for index in range(rows):
        day = NEXT_MONDAY + datetime.timedelta(days=index % 5)
        start = at(day, "08:00") + datetime.timedelta(minutes=(index * 7) % 300)
        ReservationFactory(
            pool=pool,
            user=teacher if index % 2 else UserFactory(),
            start=start,
            end=start + datetime.timedelta(minutes=45),
            quantity=1,
        )
    query = {"date": NEXT_MONDAY.isoformat()} if with_date else {}
    with time_machine.travel(moment(MONDAY + datetime.timedelta(days=5), "09:00"), tick=False):
        client.force_login(teacher)
        with django_assert_max_num_queries(11):
            html = week_html(client, pool, **query)
    assert shown_week(html) == COMING
    assert "Your booking: " in html


def test_a_pool_shared_with_the_region_marks_a_request(client, teacher, other_organization):
    """A teacher's booking of another organization's pool is a request until confirmed."""
    pool = pool_with_devices(
        other_organization, 12, name="Leih-Laptops", booking_scope=DevicePool.Scope.REGION
    )
    tuesday = NEXT_MONDAY + datetime.timedelta(days=1)
    ReservationFactory(
        pool=pool,
        user=teacher,
        start=at(tuesday, "10:00"),
        end=at(tuesday, "11:00"),
        quantity=4,
        status=Reservation.Status.REQUESTED,
    )
    with time_machine.travel(moment(MONDAY, "10:00"), tick=False):
        client.force_login(teacher)
        html = week_html(client, pool, date=NEXT_MONDAY.isoformat())
    assert "Your request: 4" in html and "12 of 12 free" in html


def test_in_german_the_cell_says_ihre_buchung_and_voll(client, teacher, pool, settings):
    tuesday = NEXT_MONDAY + datetime.timedelta(days=1)
    ReservationFactory(
        pool=pool, user=teacher, start=at(tuesday, "09:45"), end=at(tuesday, "10:30"), quantity=28
    )
    ReservationFactory(pool=pool, start=at(tuesday, "10:30"), end=at(tuesday, "11:15"), quantity=30)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    with time_machine.travel(moment(MONDAY + datetime.timedelta(days=5), "09:00"), tick=False):
        client.force_login(teacher)
        html = week_html(client, pool)
    assert "In dieser Woche ist keine Stunde mehr buchbar: Hier ist die nächste Schulwoche." in html
    third, fourth = cell(html, pool, tuesday, "09:45"), cell(html, pool, tuesday, "10:30")
    assert "Ihre Buchung: 28" in third and "2 von 30 frei" in third
    assert ">voll<" in fourth
