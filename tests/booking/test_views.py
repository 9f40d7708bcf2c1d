"""The teachers' booking pages: the week view, the booking form (once and as a series),
my bookings, one booking, cancelling, the .ics download and the calendar subscription.

Pages are requested in English so that the assertions hold before and after the German
translation is filled in."""

from __future__ import annotations

import datetime
import re
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from booking import services
from booking.models import CalendarToken, Reservation, Series
from core.dates import local_datetime
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


@pytest.fixture
def pool(organization):
    return ipad_case(organization)


@pytest.fixture
def library_pool(other_organization):
    return pool_with_devices(other_organization, 12, name="Leih-Laptops")


def next_weekday(weekday: int, weeks: int = 1) -> datetime.date:
    """The given weekday (0 = Monday) of the week after this one (or ``weeks`` later)."""
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    return monday + datetime.timedelta(weeks=weeks, days=weekday)


def at(day: datetime.date, time: str) -> datetime.datetime:
    return local_datetime(day, datetime.time.fromisoformat(time))


def book(pool, day, start, end, quantity, **kwargs):
    return ReservationFactory(
        pool=pool, start=at(day, start), end=at(day, end), quantity=quantity, **kwargs
    )


def form_data(day, **overrides):
    data = {
        "date": day.isoformat(),
        "first_period": "3",
        "last_period": "4",
        "start_time": "",
        "end_time": "",
        "quantity": "25",
        "purpose": "7b Mathe",
        "repeat": "once",
        "until": "",
    }
    return data | overrides


def no_duplicate_ids(html: str) -> bool:
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    return not [name for name, count in ids.items() if count > 1]


# ---------------------------------------------------------------------------------------
# The week view


def test_the_week_shows_free_devices_per_lesson_period(client, teacher, pool):
    tuesday = next_weekday(1)
    book(pool, tuesday, "09:45", "10:30", 10)
    client.force_login(teacher)
    response = client.get(f"/pools/{pool.pk}/week/", {"date": tuesday.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<caption" in html
    assert 'class="kern-table-responsive booking-scroll" tabindex="0"' in html
    assert len(re.findall(r'<th scope="col"', html)) == 6  # the periods' column and Mon–Fri
    assert "Sat" not in html
    assert re.search(r'<th scope="row"[^>]*>3\. Stunde 09:45–10:30</th>', html)
    # Tuesday, period 3: 30 in service, 10 booked
    link = (
        f'href="/pools/{pool.pk}/book/?date={tuesday.isoformat()}&amp;from=09%3A45&amp;to=10%3A30"'
    )
    hidden = r'><span class="visually-hidden">Book Tuesday [^<]*</span>'
    assert re.search(re.escape(link) + hidden + "20 of 30 free", html)
    assert html.count(">30 of 30 free") == 5 * 6 - 1


def test_a_library_week_has_hours_and_saturday(client, library_pool, other_organization):
    librarian = MembershipFactory(organization=other_organization, role=Role.STAFF).user
    client.force_login(librarian)
    html = client.get(
        f"/pools/{library_pool.pk}/week/", {"date": next_weekday(0).isoformat()}
    ).content.decode()
    assert len(re.findall(r'<th scope="col"', html)) == 7
    assert "Sat" in html
    assert '<th scope="row" class="kern-table__cell week-table__slot">08:00–09:00</th>' in html
    assert "19:00–20:00" in html and "20:00–21:00" not in html
    assert html.count(">12 of 12 free") == 12 * 6


def test_a_library_week_shows_only_its_opening_hours(client, library_pool, other_organization):
    """Closed on Sunday and Monday, 10–13 and 14–18 on Tuesday, until 19:00 on Thursday, until
    13:00 on Saturday: the rows run from 10:00 to 19:00, Monday and the lunch break are
    closed, and only times within the hours link to booking."""
    give_hours(other_organization, LIBRARY_WEEK)
    librarian = MembershipFactory(organization=other_organization, role=Role.STAFF).user
    client.force_login(librarian)
    monday = next_weekday(0)
    html = client.get(f"/pools/{library_pool.pk}/week/", {"date": monday.isoformat()}).content
    html = html.decode()
    slots = re.findall(
        r'<th scope="row" class="kern-table__cell week-table__slot">([^<]*)</th>', html
    )
    assert slots[0] == "10:00–11:00" and slots[-1] == "18:00–19:00"
    assert "08:00–09:00" not in html and "19:00–20:00" not in html
    assert "The times shown are the opening hours of Stadtbücherei Miltenberg." in html
    assert html.count("closed: no opening hours") == len(slots)  # Monday
    tuesday, thursday, saturday = (monday + datetime.timedelta(days=n) for n in (1, 3, 5))

    def linked(day, time):
        return f"?date={day.isoformat()}&amp;from={time.replace(':', '%3A')}" in html

    assert not linked(monday, "10:00")
    assert linked(tuesday, "10:00") and linked(tuesday, "12:00")
    assert not linked(tuesday, "13:00")  # the lunch break
    assert linked(thursday, "18:00") and not linked(tuesday, "18:00")
    assert linked(saturday, "12:00") and not linked(saturday, "13:00")
    # 9 hours: Tue 7, Wed 8, Thu 8, Fri 8, Sat 3 bookable.
    assert html.count(">12 of 12 free") == 7 + 8 + 8 + 8 + 3


def test_a_school_week_shows_lesson_periods_only_on_school_days(
    client, teacher, pool, organization
):
    give_hours(organization, {weekday: "7:30-16" for weekday in (0, 1, 2, 3)})  # no Friday
    client.force_login(teacher)
    monday = next_weekday(0)
    html = client.get(f"/pools/{pool.pk}/week/", {"date": monday.isoformat()}).content.decode()
    assert html.count("closed: no school day") == len(SCHOOL_DAY)
    friday = monday + datetime.timedelta(days=4)
    assert f"?date={friday.isoformat()}&amp;from" not in html
    assert html.count(">30 of 30 free") == 4 * len(SCHOOL_DAY)


def test_a_closure_day_shows_closed_with_its_name(client, teacher, pool, organization):
    wednesday = next_weekday(2)
    ClosureFactory(
        organization=organization,
        name="Buß- und Bettag",
        start=wednesday,
        end=wednesday + datetime.timedelta(days=1),
    )
    client.force_login(teacher)
    html = client.get(f"/pools/{pool.pk}/week/", {"date": wednesday.isoformat()}).content.decode()
    assert html.count("closed: Buß- und Bettag") == len(SCHOOL_DAY)
    assert f"?date={wednesday.isoformat()}&amp;from" not in html


def test_past_slots_are_shown_as_past_and_not_linked(client, teacher, pool):
    client.force_login(teacher)
    html = client.get(f"/pools/{pool.pk}/week/", {"date": "2024-01-10"}).content.decode()
    assert "Week of 01/08/2024 to 01/12/2024" in html
    assert html.count(">past</td>") == 5 * len(SCHOOL_DAY)
    assert f"/pools/{pool.pk}/book/?date=" not in html


def test_week_navigation_is_links_with_htmx_and_returns_the_partial(client, teacher, pool):
    monday = next_weekday(0)
    client.force_login(teacher)
    url = f"/pools/{pool.pk}/week/"
    html = client.get(url, {"date": monday.isoformat()}).content.decode()
    following = (monday + datetime.timedelta(days=7)).isoformat()
    assert f'href="{url}?date={following}" hx-get="{url}?date={following}"' in html
    assert 'hx-target="#week"' in html and 'hx-push-url="true"' in html
    today = timezone.localdate()
    this_week = f"{url}?date={(today - datetime.timedelta(days=today.weekday())).isoformat()}"
    assert f'href="{this_week}" hx-get="{this_week}"' in html  # the calendar week
    response = client.get(url, {"date": following}, headers={"HX-Request": "true"})
    partial = response.content.decode()
    assert "<html" not in partial and partial.lstrip().startswith('<section id="week"')
    assert "HX-Request" in response["Vary"]
    assert (monday + datetime.timedelta(days=7)).strftime("%m/%d/%Y") in partial


@pytest.mark.parametrize("date", ["garbage", "9999-12-31", "0001-01-01", "2026-02-30", ""])
def test_a_bad_week_date_shows_this_week(client, teacher, pool, date):
    # A Wednesday morning: this week still has lessons to book (see test_week_view.py).
    wednesday = datetime.datetime(2026, 12, 9, 7, 0, tzinfo=datetime.UTC)
    with time_machine.travel(wednesday, tick=False):
        client.force_login(teacher)
        response = client.get(f"/pools/{pool.pk}/week/", {"date": date})
    assert response.status_code == 200
    assert 'aria-current="date"' in response.content.decode()


@pytest.mark.parametrize("user", ["outsider", "resident"])
def test_others_get_404_on_the_week_and_the_form(client, request, user, pool):
    client.force_login(request.getfixturevalue(user))
    for url in [
        f"/pools/{pool.pk}/week/",
        f"/pools/{pool.pk}/book/",
        f"/pools/{pool.pk}/book/check/",
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(f"/pools/{pool.pk}/book/", form_data(next_weekday(1)))
    assert response.status_code == 404
    assert not Reservation.objects.exists()


def test_the_booking_pages_need_a_login(client, pool):
    for url in [f"/pools/{pool.pk}/week/", f"/pools/{pool.pk}/book/", "/bookings/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_wrong_methods_get_405(client, teacher, pool):
    reservation = book(pool, next_weekday(1), "09:45", "10:30", 1, user=teacher)
    client.force_login(teacher)
    assert client.post(f"/pools/{pool.pk}/week/").status_code == 405
    assert client.delete(f"/pools/{pool.pk}/book/").status_code == 405
    assert client.post(f"/pools/{pool.pk}/book/check/").status_code == 405
    assert client.post("/bookings/").status_code == 405
    assert client.post(f"/bookings/{reservation.pk}/").status_code == 405
    assert client.put(f"/bookings/{reservation.pk}/cancel/").status_code == 405
    assert client.post(f"/bookings/{reservation.pk}.ics").status_code == 405
    assert client.get("/bookings/calendar/reset/").status_code == 405
    token = services.calendar_token(user=teacher).token
    assert client.post(f"/calendar/{token}.ics").status_code == 405
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"


@pytest.mark.parametrize("rows", [3, 300])
def test_the_week_runs_a_constant_number_of_queries(
    client, teacher, pool, rows, django_assert_max_num_queries
):
    monday = next_weekday(0)
    for index in range(rows):
        day = monday + datetime.timedelta(days=index % 5)
        start = at(day, "08:00") + datetime.timedelta(minutes=(index * 7) % 300)
        ReservationFactory(
            pool=pool, start=start, end=start + datetime.timedelta(minutes=45), quantity=1
        )
    client.force_login(teacher)
    # Four of them read the opening calendar of the week.
    with django_assert_max_num_queries(12):
        response = client.get(f"/pools/{pool.pk}/week/", {"date": monday.isoformat()})
    assert response.status_code == 200


# ---------------------------------------------------------------------------------------
# The booking form: once


def test_the_form_is_prefilled_from_a_week_link(client, teacher, pool):
    tuesday = next_weekday(1)
    client.force_login(teacher)
    html = client.get(
        f"/pools/{pool.pk}/book/", {"date": tuesday.isoformat(), "from": "09:45", "to": "11:15"}
    ).content.decode()
    assert f'value="{tuesday.isoformat()}"' in html
    first = re.search(r'<select name="first_period".*?</select>', html, re.S).group(0)
    last = re.search(r'<select name="last_period".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="3" selected>3\. Stunde 09:45–10:30</option>', first)
    assert re.search(r'<option value="4" selected>', last)
    assert 'role="status" aria-live="polite"' in html
    assert 'hx-trigger="change from:[data-check]"' in html and "hx-get=" in html
    assert no_duplicate_ids(html)


def test_a_time_outside_the_periods_prefills_the_other_time(client, teacher, pool):
    client.force_login(teacher)
    html = client.get(
        f"/pools/{pool.pk}/book/",
        {"date": next_weekday(1).isoformat(), "from": "14:00", "to": "15:30"},
    ).content.decode()
    assert 'value="14:00"' in html and 'value="15:30"' in html
    assert re.search(r"<details[^>]*open", html)


def test_a_teacher_books_periods_3_to_4(client, teacher, pool, django_capture_on_commit_callbacks):
    from django.core import mail

    tuesday = next_weekday(1)
    client.force_login(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/pools/{pool.pk}/book/", form_data(tuesday))
    reservation = Reservation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reservation.get_absolute_url()
    assert reservation.start == at(tuesday, "09:45") and reservation.end == at(tuesday, "11:15")
    assert (reservation.quantity, reservation.purpose) == (25, "7b Mathe")
    assert reservation.status == "confirmed" and reservation.user == teacher
    assert len(mail.outbox) == 1
    html = client.get(response["Location"]).content.decode()
    assert "Booked: 25 × iPad-Koffer 1." in html


def test_a_free_time_for_a_school_uses_the_entered_times(client, teacher, pool):
    tuesday = next_weekday(1)
    client.force_login(teacher)
    response = client.post(
        f"/pools/{pool.pk}/book/",
        form_data(tuesday, start_time="14:00", end_time="15:30", quantity="5"),
    )
    assert response.status_code == 302
    reservation = Reservation.objects.get()
    assert (reservation.start, reservation.end) == (at(tuesday, "14:00"), at(tuesday, "15:30"))


def test_a_library_is_booked_from_and_until(client, library_pool, other_organization):
    librarian = MembershipFactory(organization=other_organization, role=Role.STAFF).user
    saturday = next_weekday(5)
    client.force_login(librarian)
    html = client.get(f"/pools/{library_pool.pk}/book/").content.decode()
    assert 'name="first_period"' not in html and 'type="time"' in html
    response = client.post(
        f"/pools/{library_pool.pk}/book/",
        {
            "date": saturday.isoformat(),
            "start_time": "10:00",
            "end_time": "12:00",
            "quantity": "3",
            "repeat": "once",
        },
    )
    assert response.status_code == 302
    assert Reservation.objects.get().start == at(saturday, "10:00")


def test_a_booking_of_another_schools_shared_pool_is_a_request(client, teacher, other_organization):
    shared = pool_with_devices(other_organization, 10, name="Laptopwagen", booking_scope="region")
    client.force_login(teacher)
    html = client.get(f"/pools/{shared.pk}/book/").content.decode()
    assert "Your booking is a request" in html
    response = client.post(
        f"/pools/{shared.pk}/book/",
        {
            "date": next_weekday(1).isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "quantity": "4",
            "repeat": "once",
        },
        follow=True,
    )
    assert Reservation.objects.get().status == "requested"
    assert "Request sent: staff of Stadtbücherei Miltenberg will confirm it." in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"first_period": "4", "last_period": "3"},
            "The last period must not be before the first.",
        ),
        ({"start_time": "11:00", "end_time": "10:00"}, "The end must be after the start."),
        ({"start_time": "11:00", "end_time": "11:00"}, "The end must be after the start."),
        ({"start_time": "11:00"}, "Enter both a start and an end time."),
        ({"quantity": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"quantity": "-3"}, "Ensure this value is greater than or equal to 1."),
        ({"quantity": "31"}, "This pool has only 30 devices in service."),
        ({"quantity": "99999999999999999999"}, "Ensure this value is less than or equal to"),
        ({"date": "9999-12-31"}, "Please choose a date between the years 2000 and 2100."),
        ({"date": "2020-01-07"}, "This time has already begun"),
        ({"date": "morgen"}, "Enter a valid date."),
        ({"date": ""}, "This field is required."),
        ({"first_period": "99"}, "Select a valid choice."),
        ({"repeat": "daily"}, "Select a valid choice."),
        (
            {"repeat": "weekly", "until": "9999-01-01"},
            "Please choose a date between the years 2000 and 2100.",
        ),
        ({"purpose": "x" * 201}, "Ensure this value has at most 200 characters"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(client, teacher, pool, overrides, message):
    client.force_login(teacher)
    response = client.post(f"/pools/{pool.pk}/book/", form_data(next_weekday(1), **overrides))
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'id="error-summary"' in html
    assert not Reservation.objects.exists() and not Series.objects.exists()


def test_a_pool_limit_says_what_is_allowed(client, teacher, pool):
    pool.max_booking_hours = 1
    pool.save()
    client.force_login(teacher)
    response = client.post(
        f"/pools/{pool.pk}/book/", form_data(next_weekday(1), first_period="1", last_period="6")
    )
    assert response.status_code == 400
    assert "A booking of this pool can last at most 1 hour." in response.content.decode()
    assert not Reservation.objects.exists()


def test_too_few_free_devices_shows_how_many_and_alternatives(client, teacher, pool):
    tuesday = next_weekday(1)
    book(pool, tuesday, "09:45", "11:15", 27)
    other = pool_with_devices(pool.organization, 16, name="iPad-Koffer 2")
    client.force_login(teacher)
    response = client.post(f"/pools/{pool.pk}/book/", form_data(tuesday, quantity="10"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Only 3 devices are free for the whole time." in html  # the error summary
    assert "Only 3 devices are free at that time." in html  # the status region
    # By lesson period: the next free double period that day, the same periods on other days.
    assert "The next free lesson periods with 10 devices:" in html
    next_free = f"/pools/{pool.pk}/book/?date={tuesday.isoformat()}&amp;from=11%3A35&amp;to=13%3A10"
    assert re.search(
        re.escape(f'href="{next_free}') + r'[^"]*">Tuesday, [^<]*, 5\. Stunde to 6\. Stunde<', html
    )
    assert "The same lesson periods on other days:" in html
    wednesday = tuesday + datetime.timedelta(days=1)
    assert (
        f'href="/pools/{pool.pk}/book/?date={wednesday.isoformat()}&amp;from=09%3A45&amp;to=11%3A15'
        in html
    )
    assert f'href="/pools/{other.pk}/book/?date={tuesday.isoformat()}&amp;from=09%3A45' in html
    assert Reservation.objects.count() == 1


def test_the_live_check_says_how_many_are_free(client, teacher, pool):
    tuesday = next_weekday(1)
    book(pool, tuesday, "09:45", "10:30", 10)
    client.force_login(teacher)
    url = f"/pools/{pool.pk}/book/check/"
    htmx = {"HX-Request": "true"}
    response = client.get(url, form_data(tuesday, quantity="20"), headers=htmx)
    html = response.content.decode()
    assert "<html" not in html and "20 of 30 devices are free at that time." in html
    assert "HX-Request" in response["Vary"]
    html = client.get(url, form_data(tuesday, quantity="21"), headers=htmx).content.decode()
    assert "Only 20 devices are free at that time." in html and "The next free lesson" in html
    html = client.get(url, form_data(tuesday, quantity="31"), headers=htmx).content.decode()
    assert "This pool has only 30 devices in service." in html
    html = client.get(url, {"date": "x"}, headers=htmx).content.decode()
    assert "Enter the date, the time and the number of devices" in html
    assert not Reservation.objects.filter(quantity__gt=10).exists()


def test_the_check_works_without_javascript(client, teacher, pool):
    tuesday = next_weekday(1)
    client.force_login(teacher)
    data = form_data(tuesday, check="1")
    response = client.post(f"/pools/{pool.pk}/book/", data)
    assert response.status_code == 200
    assert "30 of 30 devices are free at that time." in response.content.decode()
    response = client.get(f"/pools/{pool.pk}/book/check/", form_data(tuesday))
    assert "<html" in response.content.decode()
    assert not Reservation.objects.exists()


# ---------------------------------------------------------------------------------------
# The booking form: weekly series


@pytest.fixture
def series_setup(pool, organization):
    """A weekly series on Tuesdays over five weeks: the third is a closure, on the fourth
    someone else has booked 20 devices."""
    first = next_weekday(1)
    dates = [first + datetime.timedelta(weeks=index) for index in range(5)]
    ClosureFactory(
        organization=organization,
        name="Studientag",
        start=dates[2],
        end=dates[2] + datetime.timedelta(days=1),
    )
    book(pool, dates[3], "10:00", "11:00", 20)
    return dates


def test_a_weekly_series_shows_a_preview_first(client, teacher, pool, series_setup):
    dates = series_setup
    client.force_login(teacher)
    response = client.post(
        f"/pools/{pool.pk}/book/",
        form_data(dates[0], repeat="weekly", until=dates[-1].isoformat(), quantity="15"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Check the dates of the series" in html
    assert "3 dates can be booked." in html
    for day in (dates[0], dates[1], dates[4]):
        assert f'name="dates" value="{day.isoformat()}" id="date-{day.isoformat()}" checked' in html
    for day in (dates[2], dates[3]):
        assert f'name="dates" value="{day.isoformat()}"' not in html
    assert "closed – skipped</span></span> Studientag" in html
    assert "Only 10 devices are free for the whole time." in html
    assert '<input type="hidden" name="repeat" value="weekly">' in html
    assert no_duplicate_ids(html)
    assert Reservation.objects.count() == 1


def test_confirming_books_the_chosen_dates_only(
    client, teacher, pool, series_setup, django_capture_on_commit_callbacks
):
    dates = series_setup
    client.force_login(teacher)
    data = form_data(dates[0], repeat="weekly", until=dates[-1].isoformat(), quantity="15")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/pools/{pool.pk}/book/",
            data | {"confirm": "1", "dates": [dates[0].isoformat(), dates[4].isoformat()]},
        )
    assert response.status_code == 302 and response["Location"] == "/bookings/"
    series = Series.objects.get()
    booked = [r.start for r in series.reservations.order_by("start")]
    assert booked == [at(dates[0], "09:45"), at(dates[4], "09:45")]
    assert series.interval_weeks == 1 and series.purpose == "7b Mathe"
    html = client.get("/bookings/").content.decode()
    assert "2 dates booked." in html


def test_a_conflicting_date_cannot_be_confirmed(client, teacher, pool, series_setup):
    dates = series_setup
    client.force_login(teacher)
    data = form_data(dates[0], repeat="weekly", until=dates[-1].isoformat(), quantity="15")
    response = client.post(
        f"/pools/{pool.pk}/book/",
        data | {"confirm": "1", "dates": [d.isoformat() for d in dates]},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Only 10 devices are free for the whole time." in html
    assert dates[3].strftime("%m/%d/%Y") in html  # the date that no longer fits, in English
    assert "Check the dates of the series" in html  # the preview again, to choose anew
    assert not Series.objects.exists() and Reservation.objects.count() == 1


def test_confirming_without_any_date_is_refused(client, teacher, pool, series_setup):
    dates = series_setup
    client.force_login(teacher)
    data = form_data(dates[0], repeat="weekly", until=dates[-1].isoformat())
    response = client.post(f"/pools/{pool.pk}/book/", data | {"confirm": "1", "dates": ["x"]})
    assert response.status_code == 400
    assert "Choose at least one date to book." in response.content.decode()
    assert not Series.objects.exists()


def test_every_second_week_skips_the_b_weeks(client, teacher, pool):
    first = next_weekday(1)
    client.force_login(teacher)
    data = form_data(
        first, repeat="fortnightly", until=(first + datetime.timedelta(weeks=4)).isoformat()
    )
    html = client.post(f"/pools/{pool.pk}/book/", data).content.decode()
    assert "3 dates can be booked." in html
    assert (first + datetime.timedelta(weeks=1)).isoformat() not in html
    client.post(
        f"/pools/{pool.pk}/book/",
        data
        | {
            "confirm": "1",
            "dates": [(first + datetime.timedelta(weeks=w)).isoformat() for w in (0, 2, 4)],
        },
    )
    assert Series.objects.get().interval_weeks == 2
    assert Reservation.objects.filter(series__isnull=False).count() == 3


def test_a_series_is_capped(client, teacher, pool):
    first = next_weekday(1)
    client.force_login(teacher)
    until = first + datetime.timedelta(weeks=70)
    response = client.post(
        f"/pools/{pool.pk}/book/", form_data(first, repeat="weekly", until=until.isoformat())
    )
    assert response.status_code == 400
    assert "A series can have at most 60 dates." in response.content.decode()
    assert not Series.objects.exists()


def test_a_series_ends_by_default_at_the_end_of_the_school_year(client, teacher, pool):
    first = next_weekday(1)
    client.force_login(teacher)
    html = client.get(f"/pools/{pool.pk}/book/", {"date": first.isoformat()}).content.decode()
    end = services.end_of_school_year(pool.organization, first)
    assert f'name="until" value="{end.isoformat()}"' in html


# ---------------------------------------------------------------------------------------
# My bookings, one booking, cancelling


def test_my_bookings_lists_upcoming_and_past(client, teacher, pool):
    tuesday = next_weekday(1)
    upcoming = book(pool, tuesday, "09:45", "10:30", 5, user=teacher, purpose="Projekt Wetter")
    past = book(pool, datetime.date(2026, 1, 13), "09:45", "10:30", 3, user=teacher)
    someone_elses = book(pool, tuesday, "08:00", "08:45", 2, purpose="Fremde Buchung")
    declined = book(
        pool,
        tuesday,
        "12:25",
        "13:10",
        2,
        user=teacher,
        status="declined",
        decision_reason="Koffer ist in der Wartung",
    )
    client.force_login(teacher)
    html = client.get("/bookings/").content.decode()
    assert "Projekt Wetter" in html and "Fremde Buchung" not in html
    upcoming_part, past_part = html.split('id="past-heading"')
    assert f"/bookings/{upcoming.pk}/cancel/" in upcoming_part
    assert f"/bookings/{past.pk}/" in past_part and f"/bookings/{past.pk}/cancel/" not in html
    assert f"/bookings/{upcoming.pk}.ics" in html and f"/bookings/{past.pk}.ics" in html
    assert "Reason: Koffer ist in der Wartung" in upcoming_part
    assert f"/bookings/{declined.pk}/cancel/" not in html
    assert someone_elses.pk not in {upcoming.pk, past.pk}
    token = CalendarToken.objects.get(user=teacher).token
    # The site's address (SITE_URL), not the request's host.
    assert f'value="http://127.0.0.1:8000/calendar/{token}.ics" readonly' in html
    assert f'href="webcal://127.0.0.1:8000/calendar/{token}.ics"' in html
    assert '<label class="kern-label" for="calendar-url">' in html
    assert no_duplicate_ids(html)


def test_a_series_and_a_shortfall_are_marked(client, teacher, pool):
    first = next_weekday(1)
    services.book_series(
        by=teacher,
        pool=pool,
        quantity=2,
        first_date=first,
        until=first + datetime.timedelta(weeks=1),
        start_time=datetime.time(9, 45),
        end_time=datetime.time(10, 30),
        interval_weeks=2,
    )
    Reservation.objects.update(shortfall=True)
    client.force_login(teacher)
    html = client.get("/bookings/").content.decode()
    assert "every second week" in html
    assert "staff may not be able to give you all of them" in html


@pytest.mark.parametrize("rows", [3, 300])
def test_my_bookings_runs_a_constant_number_of_queries(
    client, teacher, pool, rows, django_assert_max_num_queries
):
    monday = next_weekday(0)
    for index in range(rows):
        start = at(monday, "08:00") + datetime.timedelta(days=index - rows // 2)
        ReservationFactory(
            pool=pool, user=teacher, start=start, end=start + datetime.timedelta(hours=1)
        )
    services.calendar_token(user=teacher)
    client.force_login(teacher)
    # 8: the session, the user, the roles, the calendar token, the upcoming bookings, the
    # past page (no count), their hand-outs, the pools of the filter.
    with django_assert_max_num_queries(8):
        assert client.get("/bookings/").status_code == 200
    older = at(monday, "08:00").astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S%f-1")
    # A later page: the rows before the cursor, and whether any come after it.
    with django_assert_max_num_queries(9):
        assert client.get("/bookings/", {"older": older}).status_code == 200


def _past_rows(html: str) -> list[int]:
    past = html.split('id="past-heading"')[1]
    return [int(pk) for pk in re.findall(r'href="/bookings/(\d+)/"', past)]


def _page_link(html: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]*)" rel="{rel}"', html)
    return found and found[1].replace("&amp;", "&")


def _page_number(html: str) -> int:
    return int(re.search(r'<span aria-current="page">Page (\d+)</span>', html)[1])


def test_the_past_is_paginated_and_every_booking_is_reached(client, teacher, pool):
    """Keyset pages: "Next page" walks back through every past booking, newest first, each
    once; "Previous page" walks forward again; nothing counts them all."""
    for index in range(45):
        start = at(datetime.date(2025, 1, 6), "08:00") + datetime.timedelta(days=index)
        ReservationFactory(
            pool=pool, user=teacher, start=start, end=start + datetime.timedelta(hours=1)
        )
    newest_first = list(
        Reservation.objects.filter(user=teacher).order_by("-start").values_list("pk", flat=True)
    )
    client.force_login(teacher)
    html = client.get("/bookings/").content.decode()
    assert _page_link(html, "prev") is None
    pages, numbers = [_past_rows(html)], [_page_number(html)]
    while link := _page_link(html, "next"):
        response = client.get("/bookings/" + link)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(_past_rows(html))
        numbers.append(_page_number(html))
    assert [len(rows) for rows in pages] == [20, 20, 5]
    assert [pk for rows in pages for pk in rows] == newest_first
    assert numbers == [1, 2, 3] and "<title>My bookings – Page 3 – Lernpool</title>" in html
    back = []
    while link := _page_link(html, "prev"):
        html = client.get("/bookings/" + link).content.decode()
        back.append((_past_rows(html), _page_number(html)))
    assert back == [(pages[1], 2), (pages[0], 1)]


def test_a_broken_page_link_is_named_and_the_newest_are_shown(client, teacher, pool):
    start = at(datetime.date(2025, 1, 6), "08:00")
    past = ReservationFactory(
        pool=pool, user=teacher, start=start, end=start + datetime.timedelta(hours=1)
    )
    client.force_login(teacher)
    for bad in ("x", "20250106T070000000000", "20251399T000000000000-1", "1" * 60):
        response = client.get("/bookings/", {"older": bad})
        assert response.status_code == 400
        html = response.content.decode()
        assert "That page of past bookings does not exist: here are the newest." in html
        assert _past_rows(html) == [past.pk]
    # An address from before the keyset pages still opens the page.
    assert client.get("/bookings/", {"page": "2"}).status_code == 200


def test_the_detail_shows_everything_and_the_series_actions(client, teacher, pool):
    first = next_weekday(1)
    series = services.book_series(
        by=teacher,
        pool=pool,
        quantity=4,
        first_date=first,
        until=first + datetime.timedelta(weeks=2),
        purpose="AG Robotik",
        start_time=datetime.time(9, 45),
        end_time=datetime.time(11, 15),
    )
    reservation = series.reservations.order_by("start").first()
    client.force_login(teacher)
    html = client.get(f"/bookings/{reservation.pk}/").content.decode()
    assert "4 × iPad-Koffer 1" in html and "AG Robotik" in html and "Kronberg-Gymnasium" in html
    assert "09:45–11:15" in html and "weekly" in html
    assert f"/bookings/{reservation.pk}/cancel/?scope=one" in html
    assert f"/bookings/{reservation.pk}/cancel/?scope=rest" in html
    assert no_duplicate_ids(html)


def test_staff_of_the_pool_see_a_teachers_booking_but_outsiders_do_not(
    client, teacher, staff, outsider, pool
):
    reservation = book(pool, next_weekday(1), "09:45", "10:30", 5, user=teacher)
    client.force_login(staff)
    html = client.get(f"/bookings/{reservation.pk}/").content.decode()
    assert "Booked by" in html and str(teacher) in html
    client.force_login(outsider)
    assert client.get(f"/bookings/{reservation.pk}/").status_code == 404
    assert client.get(f"/bookings/{reservation.pk}.ics").status_code == 404
    response = client.post(f"/bookings/{reservation.pk}/cancel/", {"scope": "one"})
    assert response.status_code == 404
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"


def test_a_colleague_cannot_see_or_cancel_my_booking(client, teacher, organization, pool):
    colleague = MembershipFactory(organization=organization, role=Role.TEACHER).user
    reservation = book(pool, next_weekday(1), "09:45", "10:30", 5, user=teacher)
    client.force_login(colleague)
    assert client.get(f"/bookings/{reservation.pk}/").status_code == 404
    assert client.post(f"/bookings/{reservation.pk}/cancel/").status_code == 404
    assert Reservation.objects.get().status == "confirmed"


def test_cancel_one_booking(client, teacher, pool):
    reservation = book(pool, next_weekday(1), "09:45", "10:30", 5, user=teacher)
    client.force_login(teacher)
    response = client.post(f"/bookings/{reservation.pk}/cancel/", {"scope": "one"}, follow=True)
    reservation.refresh_from_db()
    assert reservation.status == "cancelled"
    assert response.redirect_chain[-1][0] == "/bookings/"
    assert re.search(
        r"Cancelled: [^<]*iPad-Koffer 1, \w{3} \d\d\.\d\d\. period 3\.", response.content.decode()
    )


def test_cancel_the_rest_of_a_series(client, teacher, pool):
    first = next_weekday(1)
    series = services.book_series(
        by=teacher,
        pool=pool,
        quantity=4,
        first_date=first,
        until=first + datetime.timedelta(weeks=3),
        start_time=datetime.time(9, 45),
        end_time=datetime.time(11, 15),
    )
    dates = list(series.reservations.order_by("start"))
    client.force_login(teacher)
    response = client.post(f"/bookings/{dates[1].pk}/cancel/", {"scope": "rest"}, follow=True)
    assert "and 2 more dates until" in response.content.decode()
    statuses = list(series.reservations.order_by("start").values_list("status", flat=True))
    assert statuses == ["confirmed", "cancelled", "cancelled", "cancelled"]


def test_a_booking_that_has_begun_cannot_be_cancelled(client, teacher, pool):
    start = timezone.now() - datetime.timedelta(minutes=10)
    reservation = ReservationFactory(
        pool=pool, user=teacher, start=start, end=start + datetime.timedelta(hours=1)
    )
    client.force_login(teacher)
    response = client.post(f"/bookings/{reservation.pk}/cancel/", {"scope": "one"}, follow=True)
    assert "This booking has already begun" in response.content.decode()
    response = client.post(f"/bookings/{reservation.pk}/cancel/", {"scope": "rest"}, follow=True)
    assert "This booking is not part of a series." in response.content.decode()
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"


def test_an_unknown_cancel_scope_is_400(client, teacher, pool):
    reservation = book(pool, next_weekday(1), "09:45", "10:30", 5, user=teacher)
    client.force_login(teacher)
    assert client.post(f"/bookings/{reservation.pk}/cancel/", {"scope": "all"}).status_code == 400
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"


# ---------------------------------------------------------------------------------------
# iCalendar: one booking, and the subscription feed


def test_a_booking_downloads_as_ics(client, teacher, pool):
    reservation = book(pool, next_weekday(1), "09:45", "10:30", 5, user=teacher)
    client.force_login(teacher)
    response = client.get(f"/bookings/{reservation.pk}.ics")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert (
        response["Content-Disposition"] == f'attachment; filename="lernpool-{reservation.pk}.ics"'
    )
    assert "BEGIN:VCALENDAR" in text and "5 × iPad-Koffer 1" in text
    assert "STATUS:CONFIRMED" in text
    assert f"UID:reservation-{reservation.pk}@" in text


def test_the_feed_works_without_login_and_includes_cancelled(client, teacher, pool):
    tuesday = next_weekday(1)
    confirmed = book(pool, tuesday, "09:45", "10:30", 5, user=teacher)
    cancelled = book(pool, tuesday, "12:25", "13:10", 2, user=teacher, status="cancelled")
    long_ago = ReservationFactory(
        pool=pool,
        user=teacher,
        start=timezone.now() - datetime.timedelta(days=40),
        end=timezone.now() - datetime.timedelta(days=40) + datetime.timedelta(hours=1),
    )
    someone_elses = book(pool, tuesday, "08:00", "08:45", 1)
    token = services.calendar_token(user=teacher).token
    response = client.get(f"/calendar/{token}.ics")
    text = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert f"reservation-{confirmed.pk}@" in text and f"reservation-{cancelled.pk}@" in text
    assert "STATUS:CANCELLED" in text
    assert f"reservation-{long_ago.pk}@" not in text
    assert f"reservation-{someone_elses.pk}@" not in text


@pytest.mark.parametrize("token", ["unknown", "x" * 65, "%00"])
def test_an_unknown_feed_token_is_404(client, teacher, token):
    services.calendar_token(user=teacher)
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_resetting_the_token_stops_the_old_url(client, teacher, pool):
    book(pool, next_weekday(1), "09:45", "10:30", 5, user=teacher)
    old = services.calendar_token(user=teacher).token
    client.force_login(teacher)
    response = client.post("/bookings/calendar/reset/", follow=True)
    new = CalendarToken.objects.get(user=teacher).token
    assert new != old
    assert response.redirect_chain[-1][0] == "/bookings/#calendar"
    assert "The old address no longer works" in response.content.decode()
    assert f"/calendar/{new}.ics" in response.content.decode()
    client.logout()
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


def test_resetting_needs_a_login(client):
    response = client.post("/bookings/calendar/reset/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not CalendarToken.objects.exists()


@pytest.mark.parametrize("rows", [3, 300])
def test_the_feed_runs_a_constant_number_of_queries(
    client, teacher, pool, rows, django_assert_max_num_queries
):
    monday = next_weekday(0)
    for index in range(rows):
        start = at(monday, "08:00") + datetime.timedelta(days=index)
        ReservationFactory(
            pool=pool, user=teacher, start=start, end=start + datetime.timedelta(hours=1)
        )
    token = services.calendar_token(user=teacher).token
    with django_assert_max_num_queries(2):
        response = client.get(f"/calendar/{token}.ics")
    assert response.content.decode().count("BEGIN:VEVENT") == rows


def test_the_feed_of_an_inactive_person_is_gone(client, pool):
    person = UserFactory(is_active=False)
    token = services.calendar_token(user=person).token
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_no_booking_page_has_duplicate_ids(client, teacher, pool):
    reservation = book(pool, next_weekday(1), "09:45", "10:30", 5, user=teacher)
    client.force_login(teacher)
    for url in [
        f"/pools/{pool.pk}/week/",
        f"/pools/{pool.pk}/book/",
        "/bookings/",
        reservation.get_absolute_url(),
    ]:
        assert no_duplicate_ids(client.get(url).content.decode()), url


def test_a_region_admin_may_book_any_pool(client, region_admin, pool):
    client.force_login(region_admin)
    assert client.get(f"/pools/{pool.pk}/week/").status_code == 200


def test_a_quantity_in_odd_digits_is_ignored_not_a_500(client, teacher, pool):
    client.force_login(teacher)
    response = client.get(f"/pools/{pool.pk}/book/", {"quantity": "²"})
    assert response.status_code == 200


def test_in_german_the_booking_form_counts_devices_in_betrieb(client, teacher, pool, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    client.force_login(teacher)
    html = client.get(f"/pools/{pool.pk}/book/").content.decode()
    assert "30 Geräte in Betrieb." in html
    assert "im Einsatz" not in html
