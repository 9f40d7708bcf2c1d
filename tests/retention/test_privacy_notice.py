"""The privacy notice's table comes from the registered retention rules and the settings the
job applies; an organization's own period stays within the region's limits."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import privacy
from accounts.privacy import Retention, retention_rules
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

URL = "/privacy/"


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _rows(html: str) -> list[str]:
    body = html.split('<tbody class="kern-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in body.split("</tr>")[:-1]
    ]


def test_the_table_shows_every_rule_with_the_periods_of_the_default_settings(english):
    html = unescape(english.get(URL).content.decode())

    rows = _rows(html)
    assert len(rows) == len(retention_rules())
    assert "90 days after the reservation ends or the devices are returned" in html
    assert "organizations may choose 30 to 365 days" in html
    assert "365 days after the course's last date" in html
    assert "after 730 days without a login or use of your API tokens it is deleted" in html
    assert "we warn you by email 14 days before" in html
    assert "<caption" in html
    assert html.count('<th scope="col"') == 3
    assert html.count('<th scope="row"') == len(rows)


def test_the_table_follows_the_settings(english, settings):
    settings.LERNPOOL_RETENTION = {
        "bookings_days": 77,
        "bookings_min_days": 20,
        "bookings_max_days": 200,
        "courses_days": 120,
        "inactive_days": 1000,
        "inactive_warning_days": 21,
        "audit_days": 400,
    }
    settings.LERNPOOL_REPORT_DAYS = 9
    settings.SESSION_COOKIE_AGE = 3 * 86400

    rows = _rows(english.get(URL).content.decode())

    text = "\n".join(rows)
    assert "77 days after the reservation ends" in text
    assert "organizations may choose 20 to 200 days" in text
    assert "120 days after the course's last date" in text
    assert "after 1000 days without a login" in text
    assert "21 days before" in text
    assert "400 days, then deleted" in text  # the log
    assert "9 days, then deleted" in text  # report files
    assert "at most 3 days" in text  # sessions
    assert "90 days" not in text and "730 days" not in text


def test_a_default_outside_the_limits_is_shown_as_applied(english, settings):
    settings.LERNPOOL_RETENTION = {**settings.LERNPOOL_RETENTION, "bookings_days": 1000}

    html = unescape(english.get(URL).content.decode())

    assert "365 days after the reservation ends" in html


def test_a_newly_registered_rule_appears_in_the_table(english, monkeypatch):
    rule = Retention(
        key="tests.newsletter",
        purpose="Newsletter of the test app",
        stored="Your newsletter topics",
        kept=lambda: "Until you unsubscribe, at most 42 days",
        order=15,
    )
    monkeypatch.setitem(privacy._retention, rule.key, rule)

    rows = _rows(english.get(URL).content.decode())

    assert (
        "Newsletter of the test app Your newsletter topics Until you unsubscribe, at most 42 days"
        in rows
    )
    assert rows.index(
        "Newsletter of the test app Your newsletter topics Until you unsubscribe, at most 42 days"
    ) == [r.key for r in retention_rules()].index("tests.newsletter")


def test_the_notice_links_to_my_data_and_says_how_to_delete_the_account(english):
    html = english.get(URL).content.decode()

    my_data, delete = reverse("accounts:my_data"), reverse("accounts:delete")
    assert f'href="{my_data}"' in html
    assert f'href="{delete}"' in html
    assert "delete your account" in html
    # What is kept: operator, rights, cookies, no tracking.
    assert "No tracking" in html
    assert "You may see, correct and delete your data" in html


@pytest.mark.parametrize("extra_rules", [3, 300])
def test_the_page_runs_the_same_few_queries_for_any_number_of_rules(
    client, monkeypatch, django_assert_max_num_queries, extra_rules
):
    for number in range(extra_rules):
        rule = Retention(
            key=f"tests.rule{number}",
            purpose=f"Purpose {number}",
            stored="Something",
            kept=lambda: "A while",
        )
        monkeypatch.setitem(privacy._retention, rule.key, rule)

    with django_assert_max_num_queries(2):
        response = client.get(URL)

    assert response.content.decode().count("Purpose ") == extra_rules


def test_the_notice_is_read_only(client):
    assert client.post(URL).status_code == 405


@pytest.mark.parametrize("days", [10, 29, 366, 1000])
def test_an_organization_cannot_choose_a_period_outside_the_limits(days):
    organization = OrganizationFactory.build(retention_days=days)

    with pytest.raises(ValidationError) as error:
        organization.clean()

    assert "retention_days" in error.value.message_dict
    assert "30" in error.value.message_dict["retention_days"][0]
    assert "365" in error.value.message_dict["retention_days"][0]


@pytest.mark.parametrize(("days", "effective"), [(None, 90), (30, 30), (365, 365), (120, 120)])
def test_an_organization_may_choose_within_the_limits_or_keep_the_default(days, effective):
    organization = OrganizationFactory.build(retention_days=days)

    organization.clean()

    assert organization.effective_retention_days == effective


def test_a_period_chosen_before_the_limits_changed_is_clamped(settings):
    settings.LERNPOOL_RETENTION = {
        **settings.LERNPOOL_RETENTION,
        "bookings_min_days": 60,
        "bookings_max_days": 100,
    }

    assert OrganizationFactory.build(retention_days=30).effective_retention_days == 60
    assert OrganizationFactory.build(retention_days=200).effective_retention_days == 100


def test_the_notice_says_the_log_stops_naming_a_person_unlinked_from_a_booking(english):
    html = " ".join(unescape(english.get(URL).content.decode()).split())

    assert "the log of actions no longer links you to it either" in html
    assert "Only what staff did with it (who approved, handed out or took back) stays" in html
