"""The opening hours form on the organization's page, and the hours shown there: for its
staff and admins, with a preview of the next four weeks."""

from __future__ import annotations

import datetime
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import AuditLog
from organizations.models import Closure, OpeningSchedule, SpecialHours

from ..factories import LIBRARY_WEEK, ClosureFactory, give_hours, give_special_hours

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# From a weekday's name (today's says so, hidden) to its hours in the week table.
ROW = r"(?: <span[^>]*>[^<]*</span>)?</th><td[^>]*>"
# A Tuesday in December 2026, before Christmas.
TUESDAY_NOON = datetime.datetime(2026, 12, 15, 12, 0, tzinfo=BERLIN)
T = datetime.time


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TUESDAY_NOON, tick=False):
        yield


def url(organization) -> str:
    return f"/organizations/{organization.slug}/hours/"


def week_data(week: dict[int, list[str]], prefix: str = "regular") -> dict:
    """{1: ["10:00-13:00", "14:00-18:00"]} → the form's fields."""
    data = {}
    for day in range(7):
        spans = week.get(day, [])
        for n, span in enumerate(spans, start=1):
            opens, closes = span.split("-")
            data[f"{prefix}_{day}_opens{n}"] = opens
            data[f"{prefix}_{day}_closes{n}"] = closes
        if not spans:
            data[f"{prefix}_{day}_closed"] = "on"
    return data


def post_data(week=None, special=(), **extra) -> dict:
    data = {
        **week_data(week if week is not None else {1: ["10:00-13:00", "14:00-18:00"]}),
        "special-TOTAL_FORMS": str(max(3, len(special))),
        "special-INITIAL_FORMS": "0",
        "special-MIN_NUM_FORMS": "0",
        "special-MAX_NUM_FORMS": "60",
        "notes": "",
    }
    for n, (day, opens, closes, note) in enumerate(special):
        data.update(
            {
                f"special-{n}-day": day,
                f"special-{n}-opens": opens,
                f"special-{n}-closes": closes,
                f"special-{n}-note": note,
            }
        )
    data.update(extra)
    return data


def intervals(organization, **filters) -> list[tuple]:
    return [
        (i.weekday, i.opens, i.closes)
        for schedule in OpeningSchedule.objects.filter(organization=organization, **filters)
        for i in schedule.intervals.order_by("weekday", "opens")
    ]


def test_staff_set_weekly_hours_special_hours_and_notes(client, staff, organization):
    client.force_login(staff)
    week = {1: ["10:00-13:00", "14:00-18:00"], 2: ["10:00-18:00"], 5: ["10:00-13:00"]}
    response = client.post(
        url(organization),
        post_data(
            week,
            special=[("2026-12-24", "10:00", "12:00", "Heiligabend")],
            notes="Rückgabe auch am Automaten",
        ),
    )
    assert response.status_code == 302
    assert intervals(organization) == [
        (1, T(10), T(13)),
        (1, T(14), T(18)),
        (2, T(10), T(18)),
        (5, T(10), T(13)),
    ]
    special = SpecialHours.objects.get(organization=organization)
    assert (special.day, special.opens, special.note) == (
        datetime.date(2026, 12, 24),
        T(10),
        "Heiligabend",
    )
    organization.refresh_from_db()
    assert organization.opening_hours == "Rückgabe auch am Automaten"
    entry = AuditLog.objects.get(action="organizations.hours_changed")
    assert entry.actor == staff and entry.organization_id == organization.pk
    html = client.get(response["Location"]).content.decode()
    assert "Die Öffnungszeiten sind gespeichert." in html
    # The form shows what is saved, and the preview the next four weeks from it.
    assert 'name="regular_1_opens2" value="14:00"' in html
    assert re.search(r"Do 24\.12\.(2026)?</th><td[^>]*>10:00–12:00 \(<span>Heiligabend", html)


def test_seasonal_hours_replace_the_weekly_hours_for_their_days(client, org_admin, organization):
    client.force_login(org_admin)
    data = post_data(
        {1: ["10:00-18:00"]},
        seasonal_name="Sommer",
        seasonal_from="2027-08-02",
        seasonal_until="2027-09-13",
        **week_data({1: ["10:00-13:00"]}, prefix="seasonal"),
    )
    assert client.post(url(organization), data).status_code == 302
    summer = OpeningSchedule.objects.get(organization=organization, name="Sommer")
    assert (summer.valid_from, summer.valid_until) == (
        datetime.date(2027, 8, 2),
        datetime.date(2027, 9, 13),
    )
    assert intervals(organization, name="Sommer") == [(1, T(10), T(13))]
    html = client.get(url(organization)).content.decode()
    assert 'name="seasonal_1_closes1" value="13:00"' in html


def test_saving_again_replaces_the_hours_but_keeps_the_past(client, staff, organization):
    give_hours(
        organization,
        {0: "8-9"},
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 3, 31),
        name="Winter 2026",
    )
    give_hours(organization, {0: "8-12"})
    give_special_hours(organization, datetime.date(2026, 12, 1), "9-10", note="past")
    client.force_login(staff)
    assert client.post(url(organization), post_data({3: ["14:00-16:00"]})).status_code == 302
    assert intervals(organization, valid_from__isnull=True) == [(3, T(14), T(16))]
    assert OpeningSchedule.objects.filter(name="Winter 2026").exists()
    assert SpecialHours.objects.filter(note="past").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            post_data({1: ["18:00-10:00"]}),
            "Die Schließzeit 10:00 liegt nicht nach der Öffnungszeit 18:00.",
        ),
        (post_data({1: ["10:00-14:00", "13:00-18:00"]}), "Die Zeiten überschneiden sich"),
        (post_data({1: ["10:00-"]}), "Bitte geben Sie Öffnungs- und Schließzeit an."),
        (
            post_data({1: ["10:00-13:00"]}, regular_1_closed="on"),
            "Bitte kreuzen Sie entweder „geschlossen“ an oder geben Sie Zeiten an",
        ),
        (
            post_data(seasonal_from="2027-09-01", seasonal_until="2027-08-01"),
            "Der letzte Tag der Saisonzeiten liegt vor ihrem ersten Tag.",
        ),
        (post_data(seasonal_from="2027-08-01"), "Saisonzeiten brauchen ihren ersten und letzten"),
        (
            post_data(special=[("2026-12-01", "10:00", "12:00", "")]),
            "Sonderöffnungszeiten sind nur ab heute möglich.",
        ),
        (
            post_data(
                special=[
                    ("2026-12-24", "10:00", "12:00", ""),
                    ("2026-12-24", "11:00", "13:00", ""),
                ]
            ),
            "Die Sonderöffnungszeiten am 24.12.2026 überschneiden sich.",
        ),
        (post_data(special=[("2026-12-24", "", "12:00", "")]), "Bitte geben Sie den Tag"),
    ],
)
def test_bad_hours_are_refused_with_a_clear_message_and_nothing_is_written(
    client, staff, organization, data, message
):
    give_hours(organization, LIBRARY_WEEK)
    before = intervals(organization)
    client.force_login(staff)
    response = client.post(url(organization), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert intervals(organization) == before
    assert not AuditLog.objects.filter(action="organizations.hours_changed").exists()


def test_the_preview_shows_the_form_values_without_saving(client, staff, organization):
    ClosureFactory(
        organization=organization,
        name="Inventur",
        start=datetime.date(2026, 12, 17),
        end=datetime.date(2026, 12, 18),
        kind=Closure.Kind.CLOSED,
    )
    client.force_login(staff)
    response = client.post(url(organization), post_data({3: ["09:00-11:00"]}, preview="1"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vorschau der nächsten vier Wochen (noch nicht gespeichert)" in html
    assert re.search(r"Do 24\.12\.(2026)?</th><td[^>]*>09:00–11:00", html)
    assert re.search(r"Do 17\.12\.(2026)?</th><td[^>]*>geschlossen \(<span>Inventur", html)
    assert not OpeningSchedule.objects.exists()
    assert not AuditLog.objects.filter(action="organizations.hours_changed").exists()


def test_teachers_and_outsiders_get_404(client, teacher, outsider, organization):
    for user in (teacher, outsider):
        client.force_login(user)
        assert client.get(url(organization)).status_code == 404
        assert client.post(url(organization), post_data()).status_code == 404
    assert not OpeningSchedule.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, organization):
    response = client.get(url(organization))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_wrong_method_is_refused(client, staff, organization):
    client.force_login(staff)
    assert client.put(url(organization)).status_code == 405


def test_the_form_runs_a_constant_number_of_queries(
    client, staff, organization, django_assert_max_num_queries
):
    give_hours(organization, LIBRARY_WEEK)
    client.force_login(staff)
    client.get(url(organization))
    with django_assert_max_num_queries(20):
        client.get(url(organization))
    for n in range(30):
        give_special_hours(
            organization,
            datetime.date(2026, 12, 16) + n * datetime.timedelta(1),
            "10-11",
            note=f"Tag {n}",
        )
        give_hours(
            organization,
            {0: "8-9"},
            valid_from=datetime.date(2026, 1, 1),
            valid_until=datetime.date(2026, 1, 2),
        )
    with django_assert_max_num_queries(20):
        client.get(url(organization))


# --- the organization's page ---------------------------------------------------------------------


def page(client, organization) -> str:
    return client.get(organization.get_absolute_url()).content.decode()


def test_the_page_says_it_is_open_now_and_until_when(client, organization):
    give_hours(organization, LIBRARY_WEEK)
    html = page(client, organization)
    assert "Jetzt geöffnet bis 13:00 Uhr" in html
    assert re.search(rf"Dienstag{ROW}10:00–13:00, 14:00–18:00", html)
    assert re.search(r"Montag</th><td[^>]*>geschlossen", html)


def test_after_closing_the_page_says_when_it_opens_again(client, organization):
    give_hours(organization, LIBRARY_WEEK)
    with time_machine.travel(datetime.datetime(2026, 12, 19, 15, 0, tzinfo=BERLIN), tick=False):
        assert "Jetzt geschlossen, öffnet Di um 10:00 Uhr" in page(client, organization)
    with time_machine.travel(datetime.datetime(2026, 12, 15, 13, 30, tzinfo=BERLIN), tick=False):
        assert "Jetzt geschlossen, öffnet heute um 14:00 Uhr" in page(client, organization)
    with time_machine.travel(datetime.datetime(2026, 12, 21, 9, 0, tzinfo=BERLIN), tick=False):
        assert "Heute geschlossen, öffnet morgen um 10:00 Uhr" in page(client, organization)


def test_a_holiday_and_special_hours_are_named(client, organization):
    give_hours(organization, LIBRARY_WEEK)
    ClosureFactory(
        organization=None,
        kind=Closure.Kind.PUBLIC_HOLIDAY,
        name="1. Weihnachtsfeiertag",
        start=datetime.date(2026, 12, 25),
        end=datetime.date(2026, 12, 26),
    )
    give_special_hours(organization, datetime.date(2026, 12, 24), "10-12", note="Heiligabend")
    html = page(client, organization)
    assert "Abweichende Öffnungszeiten in den nächsten vier Wochen" in html
    assert "10:00–12:00 (<span>Heiligabend</span>)" in html
    assert "geschlossen (<span>1. Weihnachtsfeiertag</span>)" in html
    with time_machine.travel(datetime.datetime(2026, 12, 25, 11, 0, tzinfo=BERLIN), tick=False):
        assert "Heute geschlossen (1. Weihnachtsfeiertag), öffnet morgen um 10:00 Uhr" in page(
            client, organization
        )


def test_the_page_in_english(client, organization, english_pages):
    give_hours(organization, LIBRARY_WEEK)
    html = page(client, organization)
    assert "Open now until 13:00" in html
    assert re.search(rf"Tuesday{ROW}10:00–13:00, 14:00–18:00", html)


def test_without_hours_the_page_shows_only_the_notes(client, organization):
    organization.opening_hours = "Termine nach Vereinbarung"
    organization.save()
    html = page(client, organization)
    assert "Termine nach Vereinbarung" in html
    assert "geöffnet" not in html.lower().replace("öffnungszeiten", "")


def test_staff_find_the_form_from_the_page(client, staff, organization):
    client.force_login(staff)
    assert url(organization) in page(client, organization)
    client.logout()
    assert url(organization) not in page(client, organization)


def test_the_json_ld_carries_the_opening_hours(client, organization):
    give_hours(organization, {1: "10-13,14-18"})
    give_hours(
        organization,
        {1: "10-13"},
        valid_from=datetime.date(2027, 8, 2),
        valid_until=datetime.date(2027, 9, 13),
    )
    give_special_hours(organization, datetime.date(2026, 12, 24), "10-12", note="Heiligabend")
    html = page(client, organization)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html)[1])
    assert data["name"] == organization.name
    specification = data["openingHoursSpecification"]
    assert {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": "https://schema.org/Tuesday",
        "opens": "14:00",
        "closes": "18:00",
    } in specification
    assert {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": "https://schema.org/Tuesday",
        "opens": "10:00",
        "closes": "13:00",
        "validFrom": "2027-08-02",
        "validThrough": "2027-09-13",
    } in specification
    assert {
        "@type": "OpeningHoursSpecification",
        "opens": "10:00",
        "closes": "12:00",
        "validFrom": "2026-12-24",
        "validThrough": "2026-12-24",
        "description": "Heiligabend",
    } in specification


def test_the_page_runs_a_constant_number_of_queries(
    client, staff, organization, django_assert_max_num_queries
):
    give_hours(organization, LIBRARY_WEEK)
    client.force_login(staff)
    client.get(organization.get_absolute_url())
    with django_assert_max_num_queries(25) as few:
        client.get(organization.get_absolute_url())
    for n in range(30):
        give_special_hours(
            organization,
            datetime.date(2026, 12, 16) + n * datetime.timedelta(1),
            "10-11",
            note=f"Tag {n}",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(organization.get_absolute_url())


def test_times_are_read_as_people_type_them(client, staff, organization):
    client.force_login(staff)
    data = post_data({})
    data.update(
        {
            "regular_0_closed": "",
            "regular_0_opens1": "9.30",
            "regular_0_closes1": "1230",
            "regular_0_opens2": "14",
            "regular_0_closes2": "18 Uhr",
        }
    )
    assert client.post(url(organization), data).status_code == 302
    assert intervals(organization) == [(0, T(9, 30), T(12, 30)), (0, T(14), T(18))]


def test_a_time_that_is_no_time_is_named_in_the_summary(client, staff, organization):
    client.force_login(staff)
    response = client.post(url(organization), post_data({2: ["25:00-26:00"]}))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Wöchentliche Öffnungszeiten, Mittwoch: Bitte eine gültige Uhrzeit eingeben." in html
    assert not OpeningSchedule.objects.exists()


def test_the_preview_writes_the_times_back_cleanly(client, staff, organization):
    client.force_login(staff)
    data = post_data({}, preview="1")
    data.update({"regular_4_closed": "", "regular_4_opens1": "9", "regular_4_closes1": "1800"})
    html = client.post(url(organization), data).content.decode()
    assert 'name="regular_4_opens1" value="09:00"' in html
    assert 'name="regular_4_closes1" value="18:00"' in html


def test_a_schools_holidays_are_one_line_and_today_is_marked(client, organization):
    give_hours(organization, {day: "7:30-16" for day in range(5)})
    ClosureFactory(
        organization=None,
        kind=Closure.Kind.SCHOOL_HOLIDAY,
        name="Weihnachtsferien",
        start=datetime.date(2026, 12, 24),
        end=datetime.date(2027, 1, 7),
    )
    html = page(client, organization)
    assert "Do 24.12.2026 – Mi 06.01.2027: geschlossen (<span>Weihnachtsferien</span>)" in html
    assert re.search(r'<tr class="opening-hours__today"><th[^>]*>Dienstag <span', html)
