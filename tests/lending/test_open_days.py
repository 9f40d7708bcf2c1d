"""Every date lending proposes or accepts falls on a day the library is open.

The Stadtbibliothek is closed on Sunday and Monday (``LIBRARY_WEEK``), on Good Friday and on a
Tuesday holiday; March 2027 also has the clock change (Sunday 28 March). Whatever day it is,
no pick-up day, due date, hold, no-show release or reminder lands on a closed day, through the
pages, the desk's API and the daily job; a seeded random loop over other weekly hours, loan
periods and hold days holds the same rules.
"""

from __future__ import annotations

import datetime
import json
import random
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.services import create_api_token
from booking.models import Loan, Reservation
from booking.services import LimitExceeded, last_day, loan_due_at
from booking.services.dates import due_day
from lending import services
from lending.models import LendingPolicy, OverdueNotice, WaitlistEntry
from lending.services.overdue import reminder_day
from lending.services.waitlist import last_hold_day
from organizations.hours import calendar_for
from organizations.models import Closure
from tests.factories import (
    LIBRARY_WEEK,
    ClosureFactory,
    DeviceFactory,
    LendingPoolFactory,
    LibraryCardFactory,
    UserFactory,
    give_hours,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
DAY = datetime.timedelta(days=1)
MARCH = [datetime.date(2027, 3, 1) + DAY * n for n in range(31)]
GOOD_FRIDAY = datetime.date(2027, 3, 26)
HOLIDAY_TUESDAY = datetime.date(2027, 3, 30)
CLOCK_CHANGE = datetime.date(2027, 3, 28)


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def library(library):
    give_hours(library, LIBRARY_WEEK)
    ClosureFactory(
        organization=None,
        kind=Closure.Kind.PUBLIC_HOLIDAY,
        name="Karfreitag",
        start=GOOD_FRIDAY,
        end=GOOD_FRIDAY + DAY,
    )
    ClosureFactory(
        organization=library, name="Inventur", start=HOLIDAY_TUESDAY, end=HOLIDAY_TUESDAY + DAY
    )
    LendingPolicy.objects.create(organization=library, hold_days=3, reminder_days_before=1)
    return library


@pytest.fixture
def pool(library):
    pool = LendingPoolFactory(
        organization=library, name="Leih-Laptops", loan_period_days=14, max_renewals=2
    )
    DeviceFactory.create_batch(4, pool=pool)
    return pool


@pytest.fixture
def calendar(library):
    return calendar_for(library, datetime.date(2027, 2, 1), datetime.date(2027, 6, 30))


def test_the_calendar_of_the_month_is_as_the_tests_assume(calendar):
    assert not calendar.is_open(datetime.date(2027, 3, 28))  # Sunday, the clocks change
    assert not calendar.is_open(datetime.date(2027, 3, 29))  # Monday
    assert not calendar.is_open(HOLIDAY_TUESDAY)
    assert not calendar.is_open(GOOD_FRIDAY)
    assert calendar.is_open(datetime.date(2027, 3, 31))  # Wednesday
    assert calendar.is_open(datetime.date(2027, 3, 27))  # Saturday


def test_no_pick_up_day_offered_or_accepted_is_closed(pool, resident, calendar):
    """Each day of the month, in the morning and late in the evening: the first free day and
    every day the field lists are open; a closed day is refused, naming the next open day;
    an open day is accepted, and its due date is open."""
    for today in MARCH:
        for moment in (at(today, 9), at(today, 23, 30)):
            with time_machine.travel(moment, tick=False):
                outlook = services.lending_outlook([pool], with_pickup_days=True)[pool.pk]
                assert calendar.is_open(outlook.next_free), moment
                assert outlook.pickup_days and all(map(calendar.is_open, outlook.pickup_days))
                closed = next(
                    d for d in (today + DAY * n for n in range(8)) if not calendar.is_open(d)
                )
                with translation.override("en"), pytest.raises(LimitExceeded) as refused:
                    services.reserve_loan(by=resident, pool=pool, pickup_date=closed)
                after = calendar.next_open_day(closed)
                assert f"Next open day: {after:%A}, {after:%d.%m.}" in str(refused.value)
                reservation = services.reserve_loan(
                    by=resident, pool=pool, pickup_date=outlook.next_free
                )
                assert calendar.is_open(last_day(reservation.end))
                services.cancel_loan_reservation(by=resident, reservation=reservation)


def test_the_page_defaults_to_the_first_open_day_and_refuses_a_closed_one(
    client, pool, resident, calendar
):
    url = reverse("lending:pool", args=[pool.pk])
    with time_machine.travel(at(CLOCK_CHANGE, 12), tick=False):
        client.force_login(resident)
        html = client.get(url).content.decode()
        # Sunday (the clock change), Monday and the Tuesday holiday are closed.
        assert 'name="pickup_date" value="2027-03-31"' in html
        assert '<option value="2027-03-29">' not in html
        assert '<option value="2027-03-31">' in html
        response = client.post(url, {"pickup_date": "2027-03-29", "quantity": 1})
        assert response.status_code == 400
        assert (
            "Stadtbibliothek Aschaffenburg ist am Montag, 29.03. geschlossen. "
            "Nächster Öffnungstag: Mittwoch, 31.03."
        ) in response.content.decode()
        response = client.post(url, {"pickup_date": "2027-03-30", "quantity": 1})
        assert "am Dienstag, 30.03. geschlossen (Inventur)" in response.content.decode()
        assert not Reservation.objects.exists()
        response = client.post(url, {"pickup_date": "2027-03-31", "quantity": 1})
        assert response.status_code == 302
    reservation = Reservation.objects.get()
    # 31.3. + 14 days is Wednesday 14.4., open: nothing moves.
    assert last_day(reservation.end) == datetime.date(2027, 4, 14)


def test_the_loan_period_example_starts_on_the_first_open_day(client, pool):
    """On a closed day the pool page does not promise "picked up today": its example starts
    on the day the library opens next, and its due date is on an open day too."""
    url = reverse("lending:pool", args=[pool.pk])
    with time_machine.travel(at(datetime.date(2027, 3, 29), 12), tick=False):  # a Monday
        html = client.get(url).content.decode()
    # Monday closed, Tuesday 30.3. a holiday: Wednesday 31.3. + 14 days is Wednesday 14.4.
    assert "am Mittwoch, 31. März 2027 abgeholt, Rückgabe bis 14. April 2027" in html
    assert "heute abgeholt" not in html
    with time_machine.travel(at(datetime.date(2027, 3, 31), 12), tick=False):
        html = client.get(url).content.decode()
    assert "heute abgeholt, Rückgabe bis 14. April 2027" in html


def test_free_now_means_free_on_a_day_the_library_is_open(client, pool, settings):
    """The list's "free now" badge promises a device one can pick up today: on a closed
    Monday, and on the holiday Tuesday after it, it names the next open day instead; on the
    Wednesday the four devices are free now."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("lending:pools")
    for closed in (datetime.date(2027, 3, 29), HOLIDAY_TUESDAY):
        with time_machine.travel(at(closed, 12), tick=False):
            html = client.get(url).content.decode()
            assert services.lending_outlook([pool])[pool.pk].free_today == 0
        assert "free now" not in html, closed
        assert "Next free on March 31, 2027" in html, closed
    with time_machine.travel(at(datetime.date(2027, 3, 31), 12), tick=False):
        html = client.get(url).content.decode()
    assert "4 free now" in html
    assert "Next free on" not in html


def test_due_dates_move_to_the_next_open_day_for_every_loan_period(pool, calendar):
    for today in MARCH:
        for period in range(1, 22):
            pool.loan_period_days = period
            due = last_day(loan_due_at(pool, at(today)))
            assert calendar.is_open(due), (today, period)
            assert due >= today + DAY * period
            # Moved only over closed days.
            assert not any(calendar.open_days(today + DAY * period, due - DAY))


def api(user) -> Client:
    _token, secret = create_api_token(by=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post_json(client: Client, url: str, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_the_desk_api_and_renewals_store_the_moved_due_date(librarian, library, pool, resident):
    """Handed out on Saturday 13.3. for 16 days: due Monday 29.3. (closed), Tuesday is the
    holiday, so due Wednesday 31.3.; the confirmation, "My loans" and the API show it.
    Renewed, 16 days from 31.3. is Friday 16.4., open."""
    LibraryCardFactory(organization=library, user=resident)
    pool.loan_period_days = 16
    pool.save()
    device = pool.devices.first()
    with time_machine.travel(at(datetime.date(2027, 3, 13), 11), tick=False):
        response = post_json(
            api(librarian),
            "/api/v1/loans",
            {
                "pool_id": pool.pk,
                "borrower_id": resident.pk,
                "devices": [device.asset_tag],
                "agreement_signed": True,
            },
        )
        assert response.status_code == 201, response.content
        loan = Loan.objects.get()
        assert last_day(loan.due_at) == datetime.date(2027, 3, 31)
        mine = api(resident).get("/api/v1/loans").json()["items"][0]
        assert mine["due_at"].startswith("2027-04-01T00:00")  # the end of 31.3.
        client = Client()
        client.force_login(resident)
        assert "31. März 2027" in client.get(reverse("lending:my_loans")).content.decode()
    with time_machine.travel(at(datetime.date(2027, 3, 27), 11), tick=False):
        response = post_json(api(resident), f"/api/v1/loans/{loan.pk}/renew")
        assert response.status_code == 200, response.content
    loan.refresh_from_db()
    assert last_day(loan.due_at) == datetime.date(2027, 4, 16)
    # The clock change in between does not move the hour: due at the end of the day.
    assert timezone.localtime(loan.due_at).time() == datetime.time(0, 0)


def test_holds_of_an_offer_count_open_days_and_end_on_one(pool, resident, calendar):
    for device in pool.devices.all()[1:]:
        device.status = device.Status.RETIRED
        device.save()
    other = UserFactory()
    for today in MARCH:
        for moment in (at(today, 8), at(today, 23, 45)):
            with time_machine.travel(moment, tick=False):
                taken = services.reserve_loan(
                    by=other,
                    pool=pool,
                    pickup_date=services.lending_outlook([pool])[pool.pk].next_free,
                )
                entry = services.join_waitlist(by=resident, pool=pool)
                services.cancel_loan_reservation(by=other, reservation=taken)
                services.offer_next(pool=pool)  # after commit, in the app
                entry.refresh_from_db()
                assert entry.status == WaitlistEntry.Status.OFFERED, moment
                last = last_day(entry.hold_until)
                assert calendar.is_open(last), moment
                assert len(list(calendar.open_days(today + DAY, last))) == 3
                assert calendar.is_open(last_day(entry.reservation.end))
                services.leave_waitlist(by=resident, pool=pool)
            WaitlistEntry.objects.all().delete()
            Reservation.objects.all().delete()


def test_a_no_show_is_released_after_three_open_days(pool, resident, calendar):
    """Reserved for Saturday 27.3. and not picked up: Sunday, Monday (closed) and the holiday
    do not count; the last day to come is Friday 2.4., so it is released on the 3rd."""
    with time_machine.travel(at(datetime.date(2027, 3, 20)), tick=False):
        reservation = services.reserve_loan(
            by=resident, pool=pool, pickup_date=datetime.date(2027, 3, 27)
        )
    released_on = None
    for today in [datetime.date(2027, 3, 27) + DAY * n for n in range(10)]:
        with time_machine.travel(at(today, 2), tick=False):
            if services.release_no_shows():
                released_on = today
                break
    assert released_on == datetime.date(2027, 4, 3)
    assert calendar.is_open(released_on - DAY)
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED


def test_reminders_come_on_the_last_open_day_before_the_due_day(pool, resident, calendar):
    """A loan for every due day of the month; the daily job runs every evening. Each
    reminder goes out on an open day, the last one before the (open) due day."""
    loans = {}
    for due in MARCH:
        if not calendar.is_open(due):
            continue
        handed_out = at(due - DAY * 14)
        loans[due] = Loan.objects.create(
            pool=pool,
            borrower=resident,
            handed_out_at=handed_out,
            due_at=datetime.datetime.combine(due + DAY, datetime.time(), tzinfo=BERLIN),
        )
    sent_on = {}
    for today in [MARCH[0] - DAY * 7 + DAY * n for n in range(40)]:
        with time_machine.travel(at(today, 20), tick=False):
            services.send_overdue_notices(today=today)
            for loan_id in OverdueNotice.objects.filter(
                kind=OverdueNotice.Kind.REMINDER
            ).values_list("loan_id", flat=True):
                sent_on.setdefault(loan_id, today)
    for due, loan in loans.items():
        assert sent_on[loan.pk] == calendar.last_open_day_before(due), due
        assert calendar.is_open(sent_on[loan.pk])
    # Wednesday 31.3. is due after Sunday to Tuesday closed: reminded on Saturday 27.3.
    assert sent_on[loans[datetime.date(2027, 3, 31)].pk] == datetime.date(2027, 3, 27)


def test_random_hours_loan_periods_and_holds_never_end_on_a_closed_day(db):
    """A seeded random loop (hypothesis is not a dependency): random weekly hours, closures
    and special hours; for random days and loan periods the due day, the hold's last day and
    the reminder day are open, and nothing open is skipped."""
    rng = random.Random(17)
    for round_ in range(12):
        library = LendingPoolFactory().organization
        open_weekdays = rng.sample(range(7), rng.randint(1, 6))
        give_hours(library, {weekday: "10-13,14-18" for weekday in open_weekdays})
        for _ in range(rng.randint(0, 4)):
            start = datetime.date(2027, 3, 1) + DAY * rng.randint(0, 80)
            ClosureFactory(organization=library, start=start, end=start + DAY * rng.randint(1, 9))
        cal = calendar_for(library, datetime.date(2027, 2, 1), datetime.date(2027, 8, 31))
        for _ in range(40):
            first = datetime.date(2027, 3, 1) + DAY * rng.randint(0, 60)
            period = rng.randint(1, 42)
            due = due_day(period, first, cal)
            assert cal.is_open(due), (round_, first, period)
            assert not any(cal.open_days(first + DAY * period, due - DAY))
            hold_days = rng.randint(1, 7)
            last = last_hold_day(cal, first, hold_days)
            assert cal.is_open(last)
            assert len(list(cal.open_days(first + DAY, last))) == hold_days
            reminded = reminder_day(cal, due, 1)
            assert reminded < due and cal.is_open(reminded)
            assert not any(cal.open_days(reminded + DAY, due - DAY))


def test_the_api_reserves_only_on_open_days_and_names_the_next_one(pool, resident):
    url = f"/api/v1/pools/{pool.pk}/reservations"
    with time_machine.travel(at(CLOCK_CHANGE, 12), tick=False):
        client = api(resident)
        response = post_json(client, url, {"pickup_date": "2027-03-29"})
        assert response.status_code == 409
        assert response.json()["detail"] == (
            "Stadtbibliothek Aschaffenburg ist am Montag, 29.03. geschlossen. "
            "Nächster Öffnungstag: Mittwoch, 31.03."
        )
        assert not Reservation.objects.exists()
        response = post_json(client, url, {"pickup_date": "2027-04-03", "quantity": 1})
        assert response.status_code == 201, response.content
        # 3.4. + 14 days is Saturday 17.4., open.
        assert response.json()["due_date"] == "2027-04-17"
        pool.loan_period_days = 16  # 19.4. is a Monday: due on Tuesday 20.4.
        pool.save()
        response = post_json(client, url, {"pickup_date": "2027-04-03"})
        assert response.json()["due_date"] == "2027-04-20"
        assert last_day(Reservation.objects.latest("pk").end) == datetime.date(2027, 4, 20)


def test_the_api_reservation_refuses_bad_input_outsiders_and_other_methods(
    pool, resident, organization
):
    url = f"/api/v1/pools/{pool.pk}/reservations"
    client = api(resident)
    for body in ({}, {"pickup_date": "soon"}, {"pickup_date": "2027-03-31", "quantity": 0}):
        assert post_json(client, url, body).status_code == 422
    assert client.get(url).status_code == 405
    school_pool = LendingPoolFactory(organization=organization, booking_scope="teachers")
    response = post_json(
        client, f"/api/v1/pools/{school_pool.pk}/reservations", {"pickup_date": "2027-03-31"}
    )
    assert response.status_code == 404
    assert Client().post(url, "{}", content_type="application/json").status_code == 401
    assert not Reservation.objects.exists()
