"""“My data”: everything Lernpool holds about the person, readable on a page and as one JSON
file; never anyone else's."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts import privacy
from accounts.models import ApiToken, AuditLog
from accounts.services import create_api_token
from tests.factories import (
    DevicePoolFactory,
    LibraryCardFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit_section(monkeypatch):
    """A section as an app would register it: a date, a time, a yes/no and an empty value,
    and one more section that holds nothing about anybody."""
    berlin_evening = timezone.make_aware(datetime.datetime(2026, 3, 14, 18, 30))
    rows = [
        {
            "place": "Stadtbibliothek",
            "day": datetime.date(2026, 3, 1),
            "at": berlin_evening,
            "paid": True,
            "note": None,
        },
    ]
    monkeypatch.setitem(
        privacy._sections,
        "visits",
        privacy.PersonalData(
            key="visits",
            label="Visits",
            covers=(),
            export=lambda user: rows,
            columns=(
                ("place", "Place"),
                ("day", "Day"),
                ("at", "Time"),
                ("paid", "Paid"),
                ("note", "Note"),
            ),
        ),
    )
    monkeypatch.setitem(
        privacy._sections,
        "nothing",
        privacy.PersonalData(
            key="nothing", label="Parking permits", covers=(), export=lambda user: []
        ),
    )
    return berlin_evening


def _section(html: str, heading: str) -> str:
    """The HTML of the section under ``heading`` up to the next section."""
    start = html.index(f">{heading}</h2>")
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def test_the_page_shows_each_section_as_a_table_with_its_rows(client, resident, visit_section):
    resident.name = "Anna Beispiel"
    resident.save()
    create_api_token(by=resident, name="Stundenplan-Skript")
    MembershipFactory(user=resident, organization=OrganizationFactory(name="Kronberg-Schule"))
    client.force_login(resident)

    response = client.get("/account/data/")

    assert response.status_code == 200
    html = response.content.decode()
    account = _section(html, "Account")
    assert resident.email in account and "Anna Beispiel" in account
    assert '<th scope="col" class="kern-table__header">Email address</th>' in account
    assert "Stundenplan-Skript" in _section(html, "API tokens")
    assert "Kronberg-Schule" in _section(html, "Roles in organizations")
    visits = _section(html, "Visits")
    with translation.override("en"):
        assert date_format(datetime.date(2026, 3, 1), "SHORT_DATE_FORMAT") in visits
        assert date_format(timezone.localtime(visit_section), "SHORT_DATETIME_FORMAT") in visits
    assert (
        "<caption" in visits
        and '<th scope="row" class="kern-table__cell">Stadtbibliothek' in visits
    )
    assert "yes" in visits and "–" in visits and "None" not in visits
    assert "Nothing stored." in _section(html, "Parking permits")
    assert 'href="/account/data.json"' in html


def test_another_persons_data_is_never_shown(client, resident, outsider):
    create_api_token(by=outsider, name="Fremder Token")
    client.force_login(resident)

    html = client.get("/account/data/").content.decode()

    assert resident.email in html
    assert outsider.email not in html and outsider.name not in html
    assert "Fremder Token" not in html


def test_the_json_download_holds_the_persons_data_and_is_logged(client, resident, outsider):
    create_api_token(by=resident, name="Kalender")
    create_api_token(by=outsider, name="Fremder Token")
    client.force_login(resident)

    response = client.get("/account/data.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="lernpool-data-{today}.json"'
    body = response.content.decode("utf-8")
    data = json.loads(body)
    assert data["format"] == privacy.EXPORT_FORMAT
    sections = {section["key"]: section for section in data["sections"]}
    assert sections["account"]["rows"][0]["email"] == resident.email
    assert [row["name"] for row in sections["api_tokens"]["rows"]] == ["Kalender"]
    assert outsider.email not in body and "Fremder Token" not in body
    assert body.startswith('{\n  "format"')  # indented, for people to read too
    entry = AuditLog.objects.get(action="accounts.exported")
    assert (entry.actor, entry.target_id) == (resident, str(resident.pk))
    assert entry.data == {"on_behalf": False}


def test_the_json_keeps_letters_as_they_are(client, resident):
    resident.name = "Jürgen Weiß"
    resident.save()
    client.force_login(resident)
    assert "Jürgen Weiß" in client.get("/account/data.json").content.decode("utf-8")


def test_the_download_and_the_page_are_not_cached(client, resident):
    client.force_login(resident)
    for url in ("/account/data/", "/account/data.json"):
        assert "no-store" in client.get(url)["Cache-Control"]


@pytest.mark.parametrize("url", ["/account/data/", "/account/data.json"])
def test_logged_out_people_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not AuditLog.objects.filter(action="accounts.exported").exists()


@pytest.mark.parametrize("url", ["/account/data/", "/account/data.json"])
def test_the_wrong_method_gets_405(client, resident, url):
    client.force_login(resident)
    assert client.post(url).status_code == 405


def _fill(user, count: int) -> None:
    """``count`` tokens, roles, reservations and library cards."""
    for number in range(count):
        ApiToken.objects.create(user=user, name=f"Token {number}", key_hash=f"{number:064}")
        organization = OrganizationFactory()
        MembershipFactory(user=user, organization=organization)
        ReservationFactory(user=user, pool=DevicePoolFactory(organization=organization))
        LibraryCardFactory(user=user, organization=organization)


def _query_budget() -> int:
    # One query per registered section (a few take two), and the page's own few: the same
    # for 3 rows as for 30.
    return len(privacy.sections()) + 10


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_runs_a_constant_number_of_queries(
    client, resident, count, django_assert_max_num_queries
):
    _fill(resident, count)
    client.force_login(resident)
    with django_assert_max_num_queries(_query_budget()):
        response = client.get("/account/data/")
    assert len(re.findall("Token \\d+", response.content.decode())) == count


@pytest.mark.parametrize("count", [3, 30])
def test_the_download_runs_a_constant_number_of_queries(
    client, resident, count, django_assert_max_num_queries
):
    _fill(resident, count)
    client.force_login(resident)
    with django_assert_max_num_queries(_query_budget()):
        response = client.get("/account/data.json")
    assert len(re.findall('"Token \\d+"', response.content.decode())) == count
