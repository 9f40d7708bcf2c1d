"""A teacher's "Meine Buchungen": the calendar subscription at the top, a series as one row
that expands to its dates, filters by pool and week, and what became of past bookings.
The clock stands still on Monday 07.12.2026, 09:00 (Europe/Berlin)."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.template.base import Variable, VariableDoesNotExist

from booking import services
from booking.forms import MyBookingsFilter
from booking.models import Loan, LoanItem, Reservation, Series
from devices.models import DevicePool
from tests.booking.conftest import ipad_case
from tests.factories import (
    DOUBLE_LESSON,
    DevicePoolFactory,
    ReservationFactory,
    pool_with_devices,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)  # a Monday
TUESDAY = datetime.date(2026, 12, 8)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pool(organization):
    return ipad_case(organization, periods=DOUBLE_LESSON, max_days_ahead=120)


@pytest.fixture
def other_pool(organization):
    return pool_with_devices(organization, 10, name="Laptopwagen")


def at(day: datetime.date, time: str) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.fromisoformat(time), tzinfo=BERLIN)


def book(pool, day, start="09:45", end="11:15", **kwargs) -> Reservation:
    return ReservationFactory(pool=pool, start=at(day, start), end=at(day, end), **kwargs)


def series(teacher, pool, weeks=5, **kwargs) -> Series:
    return services.book_series(
        by=teacher,
        pool=pool,
        quantity=kwargs.pop("quantity", 25),
        first_date=TUESDAY,
        until=TUESDAY + datetime.timedelta(weeks=weeks - 1),
        start_time=datetime.time(9, 45),
        end_time=datetime.time(11, 15),
        purpose=kwargs.pop("purpose", "Mathe 7b"),
        **kwargs,
    )


def series_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="series-row">.*?</tr>', html, flags=re.S)


def no_duplicate_ids(html: str) -> bool:
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    return not [name for name, count in ids.items() if count > 1]


def test_a_series_is_one_row_that_expands_to_its_dates(client, teacher, pool):
    single = book(pool, datetime.date(2026, 12, 9), user=teacher, purpose="Projekt Wetter")
    weekly = series(teacher, pool)
    client.force_login(teacher)
    html = client.get("/bookings/").content.decode()
    upcoming = html.split('id="past-heading"')[0]
    [row] = series_rows(upcoming)
    # One summary the way a teacher says it, and every date inside the disclosure.
    assert "Mathe 7b · Tuesdays periods 3–4 · 5 dates until 05.01." in row
    assert row.count("<details") == 1 and "<summary" in row
    dates = list(weekly.reservations.order_by("start"))
    for date in dates:
        assert f'href="/bookings/{date.pk}/"' in row
        assert f'href="/bookings/{date.pk}/cancel/?scope=one"' in row
    assert f'href="/bookings/{dates[0].pk}/cancel/?scope=rest"' in row
    # The dates are not listed a second time as rows of their own.
    assert upcoming.count(f'href="/bookings/{dates[1].pk}/"') == 1
    # The series sits at its first date (08.12.), before the single booking of 09.12.
    assert upcoming.index("Mathe 7b · Tuesdays") < upcoming.index("Projekt Wetter")
    assert f'href="/bookings/{single.pk}/cancel/?scope=one"' not in row
    assert no_duplicate_ids(html)


def test_a_series_whose_dates_differ_says_so_per_date(client, teacher, pool):
    weekly = series(teacher, pool, weeks=3)
    declined = weekly.reservations.order_by("start").last()
    Reservation.objects.filter(pk=declined.pk).update(
        status="declined", decision_reason="Koffer in Reparatur"
    )
    client.force_login(teacher)
    [row] = series_rows(client.get("/bookings/").content.decode())
    assert "Confirmed: 2" in row and "Declined: 1" in row
    assert "Reason: Koffer in Reparatur" in row


def test_a_series_with_one_date_left_is_a_plain_row(client, teacher, pool):
    weekly = series(teacher, pool, weeks=2)
    Reservation.objects.filter(pk=weekly.reservations.order_by("start").last().pk).update(
        status="cancelled"
    )
    client.force_login(teacher)
    html = client.get("/bookings/").content.decode()
    assert series_rows(html) == []
    assert "weekly" in html.split('id="past-heading"')[0]


def test_the_calendar_subscription_comes_before_the_bookings(client, teacher, pool):
    book(pool, TUESDAY, user=teacher)
    client.force_login(teacher)
    html = client.get("/bookings/").content.decode()
    assert html.index('id="calendar-heading"') < html.index('id="upcoming-heading"')
    assert html.index('href="webcal://') < html.index('id="upcoming-heading"')


def test_past_bookings_say_what_happened(client, teacher, pool, organization):
    devices = list(pool.devices.all()[:3])
    returned = book(pool, datetime.date(2026, 11, 10), user=teacher, purpose="Zurueck")
    kept = book(pool, datetime.date(2026, 11, 11), user=teacher, purpose="Noch draussen")
    book(pool, datetime.date(2026, 11, 12), user=teacher, purpose="Nie abgeholt")
    book(pool, datetime.date(2026, 11, 13), user=teacher, purpose="Storniert", status="cancelled")
    book(pool, datetime.date(2026, 11, 16), user=teacher, purpose="Abgelehnt", status="declined")
    book(pool, datetime.date(2026, 11, 17), user=teacher, purpose="Offen", status="requested")
    for reservation, device, back in [(returned, devices[0], True), (kept, devices[1], False)]:
        loan = Loan.objects.create(
            pool=pool,
            reservation=reservation,
            borrower=teacher,
            handed_out_at=reservation.start,
            due_at=reservation.end,
        )
        LoanItem.objects.create(
            loan=loan, device=device, returned_at=reservation.end if back else None
        )
    client.force_login(teacher)
    past = client.get("/bookings/").content.decode().split('id="past-heading"')[1]
    rows = {
        purpose: re.search(rf"<tr>(?:(?!</tr>).)*{purpose}(?:(?!</tr>).)*</tr>", past, re.S)[0]
        for purpose in [
            "Zurueck",
            "Noch draussen",
            "Nie abgeholt",
            "Storniert",
            "Abgelehnt",
            "Offen",
        ]
    }
    words = {
        "Zurueck": "returned",
        "Noch draussen": "not all returned",
        "Nie abgeholt": "not picked up",
        "Storniert": "Cancelled",
        "Abgelehnt": "Declined",
        "Offen": "never confirmed",
    }
    badge = re.compile(r'kern-badge--(\w+)"><span class="kern-label kern-label--small">([^<]+)<')
    seen = {purpose: badge.search(row).groups() for purpose, row in rows.items()}
    assert {purpose: word for purpose, (_tone, word) in seen.items()} == words
    # Distinct words, and the returned one does not look like the one still out.
    assert seen["Zurueck"][0] != seen["Noch draussen"][0]


def test_filter_by_pool_and_by_week(client, teacher, pool, other_pool):
    series(teacher, pool, weeks=4)
    laptops = book(other_pool, datetime.date(2026, 12, 16), user=teacher, purpose="Laptops 9c")
    client.force_login(teacher)
    html = client.get("/bookings/", {"pool": other_pool.pk}).content.decode()
    assert "Laptops 9c" in html and "Mathe 7b" not in html
    # The week of Wednesday 16.12.: Monday 14.12. to Sunday 20.12.
    response = client.get("/bookings/", {"week": "2026-12-16"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Week from Mon 14.12. to Sun 20.12.2026" in html
    upcoming = html.split('id="past-heading"')[0]
    assert f'href="/bookings/{laptops.pk}/"' in upcoming
    dates = list(Reservation.objects.filter(series__isnull=False).order_by("start"))
    shown = [date for date in dates if f'href="/bookings/{date.pk}/"' in upcoming]
    assert shown == [dates[1]]  # Tuesday 15.12. only, as a plain row
    assert "week=2026-12-07" in html and "week=2026-12-21" in html
    html = client.get("/bookings/", {"week": "2026-12-16", "pool": pool.pk}).content.decode()
    assert "Laptops 9c" not in html and f'href="/bookings/{dates[1].pk}/"' in html


def test_the_pool_filter_writes_what_django_s_select_wrote(teacher, pool, other_pool):
    # The filter's pools are plain rows written by core.forms.LongSelect (no template per
    # option, no model instance per pool): the HTML is what the template-based Select wrote.
    book(pool, datetime.date(2026, 12, 9), user=teacher)
    book(other_pool, datetime.date(2026, 12, 9), user=teacher)
    DevicePool.objects.filter(pk=other_pool.pk).update(name='Laptops <9c> & "Physik"')
    pools = DevicePool.objects.filter(reservations__user=teacher).order_by("name", "pk")

    class TemplateSelect(MyBookingsFilter):
        pool = forms.ModelChoiceField(
            queryset=pools,
            required=False,
            empty_label=MyBookingsFilter.base_fields["pool"].empty_label,
        )

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["pool"].queryset = pools  # Django's own choices again: an instance each

    for data in (None, {"pool": str(other_pool.pk)}):
        html = str(MyBookingsFilter(data, pools=pools)["pool"])
        assert html == str(TemplateSelect(data, pools=pools)["pool"])
        assert "Laptops &lt;9c&gt; &amp; &quot;Physik&quot;</option>" in html
    assert f'<option value="{other_pool.pk}" selected>' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"week": "2026-13-45"}, "Enter a valid date."),
        ({"week": "9999-12-31"}, "between"),
        ({"pool": "abc"}, "Select a valid choice."),
        ({"pool": "99999999999999999999"}, "Select a valid choice."),
    ],
    ids=["no such day", "year 9999", "not a number", "too large"],
)
def test_bad_filter_values_are_named_and_not_applied(client, teacher, pool, query, message):
    book(pool, TUESDAY, user=teacher, purpose="Projekt Wetter")
    client.force_login(teacher)
    response = client.get("/bookings/", query)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in html and message in html
    assert "Projekt Wetter" in html  # the list is shown unfiltered


def test_a_pool_i_have_not_booked_is_not_a_filter(client, teacher, pool, other_organization):
    stranger = DevicePoolFactory(organization=other_organization, name="Fremder Koffer")
    book(stranger, TUESDAY, purpose="Fremde Buchung")
    book(pool, TUESDAY, user=teacher)
    client.force_login(teacher)
    html = client.get("/bookings/").content.decode()
    assert "Fremder Koffer" not in html and "Fremde Buchung" not in html
    response = client.get("/bookings/", {"pool": stranger.pk})
    assert response.status_code == 400
    assert "Fremde Buchung" not in response.content.decode()


def test_the_rows_look_up_nothing_that_is_not_there(client, teacher, pool, monkeypatch):
    # A failed variable lookup is dear in Django's engine (two exceptions and a dir() of the
    # object, 40–80 µs): "{% if row.dates %}" asked every single booking for the dates only
    # a series row has (bench/README.md, 2026-12-07, session 11).
    book(pool, datetime.date(2026, 12, 9), user=teacher, purpose="Projekt Wetter")
    book(pool, datetime.date(2026, 12, 10), user=teacher, status="cancelled")
    series(teacher, pool, weeks=3)
    failed = []
    lookup = Variable._resolve_lookup

    def recording(self, context):
        try:
            return lookup(self, context)
        except VariableDoesNotExist:
            failed.append(self.var)
            raise

    monkeypatch.setattr(Variable, "_resolve_lookup", recording)
    client.force_login(teacher)
    html = client.get("/bookings/").content.decode()
    assert "Projekt Wetter" in html and len(series_rows(html)) == 1
    assert [name for name in failed if name.startswith(("row.", "reservation.", "first."))] == []


def test_my_bookings_takes_no_post(client, teacher):
    client.force_login(teacher)
    assert client.post("/bookings/").status_code == 405


@pytest.mark.parametrize("rows", [3, 300])
@pytest.mark.parametrize("query", [{}, {"week": "2026-12-14"}, {"pool": "POOL"}])
def test_my_bookings_with_series_and_filters_runs_a_constant_number_of_queries(
    client, teacher, pool, other_pool, rows, query, django_assert_max_num_queries
):
    for index in range(rows):
        start = at(TUESDAY, "08:00") + datetime.timedelta(days=index - rows // 2)
        ReservationFactory(
            pool=other_pool, user=teacher, start=start, end=start + datetime.timedelta(hours=1)
        )
    series(teacher, pool, weeks=8)
    other = pool_with_devices(pool.organization, 5, max_days_ahead=120)
    series(teacher, other, weeks=8, quantity=2)
    Reservation.objects.filter(pk__in=Reservation.objects.order_by("start")[:2]).update(
        status="cancelled"
    )
    services.calendar_token(user=teacher)
    query = {key: pool.pk if value == "POOL" else value for key, value in query.items()}
    client.force_login(teacher)
    with django_assert_max_num_queries(10):
        assert client.get("/bookings/", query).status_code == 200
