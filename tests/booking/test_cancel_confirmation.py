"""Nothing destructive in one click: cancelling a booking or the rest of a series asks on a
page that names exactly what goes (GET), and only the confirmation cancels (POST)."""

from __future__ import annotations

import datetime
import re

import pytest

from booking import services
from booking.models import Reservation
from organizations.models import Role
from tests.booking.conftest import ipad_case
from tests.booking.test_views import next_weekday
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(organization):
    return ipad_case(organization, devices=10)


@pytest.fixture
def series(teacher, pool):
    first = next_weekday(1)  # a Tuesday
    return services.book_series(
        by=teacher,
        pool=pool,
        quantity=4,
        first_date=first,
        until=first + datetime.timedelta(weeks=3),
        start_time=datetime.time(9, 45),
        end_time=datetime.time(11, 15),
        purpose="Mathe 7b",
    )


def _statuses(series) -> list[str]:
    return list(series.reservations.order_by("start").values_list("status", flat=True))


def test_my_bookings_has_no_button_that_cancels_at_once(client, teacher, series):
    client.force_login(teacher)
    html = client.get("/bookings/").content.decode()

    assert not re.search(r'<form[^>]*method="post"[^>]*action="/bookings/\d+/cancel/"', html)
    first = series.reservations.order_by("start").first()
    link = f"/bookings/{first.pk}/cancel/?scope=one"
    assert link in html
    assert client.get(link).status_code == 200
    assert _statuses(series) == ["confirmed"] * 4


def test_the_confirmation_names_the_series_and_how_many_dates_go(client, teacher, series):
    first = series.reservations.order_by("start").first()
    client.force_login(teacher)

    html = client.get(f"/bookings/{first.pk}/cancel/?scope=rest").content.decode()

    assert re.search(
        r"Mathe 7b, iPad-Koffer 1, Di \d\d\.\d\d\. 3\.–4\. Stunde, und 3 weitere Termine "
        r"bis \d\d\.\d\d\.",
        html,
    ), html
    assert 'name="scope" value="rest"' in html
    assert _statuses(series) == ["confirmed"] * 4


def test_confirming_cancels_and_the_message_names_what_went(client, teacher, series):
    second = series.reservations.order_by("start")[1]
    client.force_login(teacher)

    response = client.post(f"/bookings/{second.pk}/cancel/", {"scope": "rest"}, follow=True)

    assert _statuses(series) == ["confirmed", "cancelled", "cancelled", "cancelled"]
    assert re.search(
        r"Storniert: Mathe 7b, iPad-Koffer 1, Di \d\d\.\d\d\. 3\.–4\. Stunde, und 2 weitere",
        response.content.decode(),
    )


def test_one_date_is_named_by_its_periods(client, teacher, series):
    first = series.reservations.order_by("start").first()
    client.force_login(teacher)

    html = client.get(f"/bookings/{first.pk}/cancel/").content.decode()

    assert re.search(r"Mathe 7b, iPad-Koffer 1, Di \d\d\.\d\d\. 3\.–4\. Stunde<", html)
    assert "weitere Termine" not in html


def test_a_colleague_gets_404_on_the_confirmation(client, teacher, organization, series):
    colleague = MembershipFactory(organization=organization, role=Role.TEACHER).user
    first = series.reservations.order_by("start").first()
    client.force_login(colleague)

    assert client.get(f"/bookings/{first.pk}/cancel/?scope=rest").status_code == 404


def test_an_unknown_scope_on_the_confirmation_is_400(client, teacher, series):
    first = series.reservations.order_by("start").first()
    client.force_login(teacher)

    assert client.get(f"/bookings/{first.pk}/cancel/?scope=all").status_code == 400
    assert not Reservation.objects.filter(status="cancelled").exists()


@pytest.mark.parametrize("weeks", [3, 30])
def test_the_confirmation_costs_the_same_queries_for_a_long_series(
    client, teacher, pool, django_assert_max_num_queries, weeks
):
    first = next_weekday(1)
    series = services.book_series(
        by=teacher,
        pool=pool,
        quantity=1,
        first_date=first,
        until=first + datetime.timedelta(weeks=weeks),
        start_time=datetime.time(9, 45),
        end_time=datetime.time(10, 30),
    )
    first_date = series.reservations.order_by("start").first()
    client.force_login(teacher)
    with django_assert_max_num_queries(12):
        response = client.get(f"/bookings/{first_date.pk}/cancel/?scope=rest")
    assert response.status_code == 200
