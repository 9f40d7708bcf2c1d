"""The opening hours from the data where a resident needs them: the lending pool page and
the reservation and reminder emails, in the reader's language."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from booking.models import Reservation
from lending.emails import send_lending_email, send_loan_notice
from tests.lending.test_views import make_loan

from ..factories import (
    LIBRARY_WEEK,
    DeviceFactory,
    LendingPoolFactory,
    OrganizationFactory,
    UserFactory,
    give_hours,
    give_special_hours,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# From a weekday's name (today's says so, hidden) to its hours in the week table.
ROW = r"(?: <span[^>]*>[^<]*</span>)?</th><td[^>]*>"


def pool_url(pool) -> str:
    return reverse("lending:pool", kwargs={"pk": pool.pk})


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 12, 15, 12, tzinfo=BERLIN), tick=False):
        yield


@pytest.fixture
def pool():
    library = OrganizationFactory(kind="library", opening_hours="Rückgabekasten am Eingang")
    give_hours(library, LIBRARY_WEEK)
    give_special_hours(library, datetime.date(2026, 12, 24), "10-12", note="Heiligabend")
    pool = LendingPoolFactory(organization=library, name="Leih-Laptops")
    DeviceFactory.create_batch(2, pool=pool)
    return pool


def test_the_pool_page_shows_the_hours_and_whether_it_is_open_now(client, pool):
    html = client.get(pool_url(pool)).content.decode()
    assert "Jetzt geöffnet bis 13:00 Uhr" in html
    assert re.search(rf"Dienstag{ROW}10:00–13:00, 14:00–18:00", html)
    assert "10:00–12:00 (<span>Heiligabend</span>)" in html
    assert "Rückgabekasten am Eingang" in html


def test_the_pool_page_runs_a_constant_number_of_queries(
    client, pool, django_assert_max_num_queries
):
    client.get(pool_url(pool))
    with django_assert_max_num_queries(40) as few:
        client.get(pool_url(pool))
    for n in range(20):
        give_special_hours(pool.organization, datetime.date(2026, 12, 16 + n % 10), f"{n}-{n}:30")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(pool_url(pool))


def test_the_reservation_email_names_the_hours_in_the_readers_language(pool):
    person = UserFactory(preferred_language="en")
    start = datetime.datetime(2026, 12, 17, 10, tzinfo=BERLIN)
    reservation = Reservation.objects.create(
        pool=pool,
        user=person,
        quantity=1,
        start=start,
        end=start + datetime.timedelta(days=14),
        status=Reservation.Status.CONFIRMED,
    )
    send_lending_email("reserved", reservation.pk)
    message = mail.outbox[-1]
    assert "Tue–Wed 10:00–13:00, 14:00–18:00" not in message.body  # Wednesday differs
    assert "Tue 10:00–13:00, 14:00–18:00" in message.body
    assert "Wed 10:00–18:00" in message.body
    assert "Thu 12/24/2026: 10:00–12:00 (Heiligabend)" in message.body
    assert "Rückgabekasten am Eingang" in message.body
    html = message.alternatives[0][0]
    assert "Tue 10:00–13:00, 14:00–18:00<br>" in html


def test_the_reminder_names_the_hours(pool):
    person = UserFactory(preferred_language="de")
    loan = make_loan(pool, person, due_in_days=3)
    send_loan_notice(loan.pk, "reminder", 3)
    body = mail.outbox[-1].body
    assert "Di 10:00–13:00, 14:00–18:00" in body
    assert "Mi–Fr" not in body  # Thursday has its own hours
    assert "Sa 10:00–13:00" in body
