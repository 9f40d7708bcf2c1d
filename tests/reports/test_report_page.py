"""What the report page says in words: the key findings (German and English, from the
figures), no data said as such, no comparison with an empty period, a running period up to
today, the tables per district and organization sortable by links, and who published it."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from reports.figures import build_report
from reports.findings import findings
from reports.periods import month_period, range_period
from reports.scope import organization_scope, region_scope

from .conftest import WEEK, at

pytestmark = pytest.mark.django_db

WEEK_KEY = "2026-03-02..2026-03-08"


def page(client, user, *, scope: str, period: str = WEEK_KEY, language: str = "en", extra=""):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    response = client.get(f"{reverse('reports:report')}?period={period}&scope={scope}{extra}")
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_findings_in_german_are_the_figures_in_words(report_world):
    report = build_report(
        scope=organization_scope(report_world.library), period=range_period(*WEEK), now=at(20, 12)
    )
    with translation.override("de"):
        sentences = findings(report)

    assert sentences == [
        "Die Auslastung der Gerätesets lag bei 50,0 % (Vorzeitraum 0,0 %).",
        "Bürgerinnen und Bürger haben 2 Ausleihen vorgenommen.",
        "50,0 % dieser Ausleihen kamen verspätet zurück oder sind überfällig.",
        "2 Kurse wurden angeboten.",
        "3 Personen haben sich angemeldet.",
        "Die Anwesenheit lag bei 83,3 %.",
    ]


def test_the_findings_name_the_most_used_pool_and_the_devices_in_repair(report_world):
    report = build_report(scope=region_scope(), period=range_period(*WEEK), now=at(20, 12))
    with translation.override("en"):
        sentences = findings(report)

    assert "Most used: Leih-Laptops, Stadtbücherei Miltenberg (50.0 %)." in sentences
    assert "1 of 5 devices were in repair on average over the period." in sentences
    assert "There were 5 bookings by teachers." in sentences
    with translation.override("de"):
        assert "1 von 5 Geräten waren im Mittel in Reparatur." in findings(report)


def test_the_findings_come_first_on_the_page(client, region_admin, report_world):
    html = page(client, region_admin, scope="region")

    assert html.index('id="findings-heading"') < html.index('id="summary-heading"')
    assert "There were 5 bookings by teachers." in html


def test_a_period_before_the_first_record_says_there_is_no_data(client, region_admin, report_world):
    html = page(client, region_admin, scope="org:kronberg-gymnasium", period="2025-11")

    assert "No data for this period." in html
    assert 'data-figure="utilization"' not in html
    assert 'id="devices-heading"' not in html


def test_a_comparison_with_an_empty_period_says_so(client, region_admin, report_world):
    """The devices came in on 5 January: the week before has nothing to compare with."""
    html = page(
        client, region_admin, scope="org:kronberg-gymnasium", period="2026-01-05..2026-01-11"
    )

    rows = dict(
        re.findall(
            r'data-figure="(\w+)">.*?</td>\s*<td[^>]*>.*?</td>\s*<td[^>]*>(.*?)</td>', html, re.S
        )
    )
    assert rows["devices_in_service"] == "no comparison data"
    assert not re.search(r"[+-][\d.,]+ percentage points", html)
    german = page(
        client,
        region_admin,
        scope="org:kronberg-gymnasium",
        period="2026-01-05..2026-01-11",
        language="de",
    )
    assert "keine Vergleichsdaten" in german


def test_a_running_period_is_reported_up_to_today(report_world):
    report = build_report(
        scope=region_scope(), period=month_period(datetime.date(2026, 3, 1)), now=at(3, 12)
    )
    with translation.override("de"):
        sentences = findings(report)

    assert sentences[0] == "Der Zeitraum läuft noch: Gezählt ist bis heute, 03.03.2026."
    assert report.devices.bookings_by_teachers == 4  # Wednesday's booking is still to come


def test_the_region_has_a_table_per_district_and_per_organization(
    client, region_admin, report_world
):
    html = page(client, region_admin, scope="region")

    assert 'data-table="districts"' in html
    assert 'data-table="organizations"' in html
    organizations = re.search(r'data-table="organizations">(.*?)</table>', html, re.S)[1]
    assert "Kronberg-Gymnasium" in organizations and "Stadtbücherei Miltenberg" in organizations
    assert 'data-table="organizations"' not in page(
        client, region_admin, scope="org:kronberg-gymnasium"
    )


def _organization_names(html: str) -> list[str]:
    body = re.search(r'data-table="organizations">.*?<tbody[^>]*>(.*?)</tbody>', html, re.S)[1]
    return re.findall(r'<th scope="row"[^>]*>(.*?)</th>', body)


def test_the_tables_sort_by_links_and_say_how_they_are_sorted(client, region_admin, report_world):
    html = page(client, region_admin, scope="region")
    assert _organization_names(html) == ["Kronberg-Gymnasium", "Stadtbücherei Miltenberg"]
    link = re.search(r'href="([^"]*sort=organizations.utilization[^"]*)"', html)[1]
    assert "order=desc" in link and "period=" in link and "scope=region" in link

    sorted_html = page(
        client, region_admin, scope="region", extra="&sort=organizations.utilization&order=desc"
    )

    assert _organization_names(sorted_html) == ["Stadtbücherei Miltenberg", "Kronberg-Gymnasium"]
    assert sorted_html.count('aria-sort="descending"') == 1
    by_name = page(
        client, region_admin, scope="region", extra="&sort=organizations.name&order=desc"
    )
    assert _organization_names(by_name) == ["Stadtbücherei Miltenberg", "Kronberg-Gymnasium"]


def test_an_unknown_sort_is_a_400_that_names_the_columns(client, region_admin, report_world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    client.force_login(region_admin)
    query = f"period={WEEK_KEY}&scope=region&sort=organizations.secret"
    response = client.get(f"{reverse('reports:report')}?{query}")

    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "Die Tabelle „organizations“ hat keine Spalte „secret“." in html
    assert "„utilization“" in html and "„loans“" in html


def test_the_report_says_who_published_it_and_from_what_data(
    client, region_admin, report_world, settings
):
    settings.LERNPOOL_OPERATOR = {**settings.LERNPOOL_OPERATOR, "name": "Stadt Musterstadt"}
    html = page(client, region_admin, scope="region")

    about = html[html.index('id="responsibility-heading"') :]
    assert "Stadt Musterstadt" in about
    assert "Automatically by Lernpool on" in about
    assert 'href="#definitions-heading"' in about


@pytest.mark.parametrize("pools", [3, 30])
def test_the_region_page_needs_the_same_queries_however_many_organizations(
    client, region_admin, report_world, pools, django_assert_max_num_queries
):
    from tests.factories import DeviceFactory, DevicePoolFactory, OrganizationFactory

    for _number in range(pools):
        DeviceFactory(pool=DevicePoolFactory(organization=OrganizationFactory()))
    client.force_login(region_admin)
    # As many as the school's report (REPORT_QUERIES in test_views), the opening calendars
    # included: none per organization.
    with django_assert_max_num_queries(61 + 3 * 4):
        response = client.get(f"{reverse('reports:report')}?period={WEEK_KEY}&scope=region")
    assert response.status_code == 200


def test_a_running_month_says_up_to_today_and_compares_as_many_days(
    client, region_admin, report_world
):
    with time_machine.travel(at(4, 12), tick=False):
        html = page(client, region_admin, scope="region", period="2026-03", language="de")

    assert re.search(r"März 2026, bis heute, 04\.03\.", html)
    assert "Februar 2026 (01.02.2026–04.02.2026)" in html
    assert "Der Zeitraum läuft noch: Gezählt ist bis heute, 04.03.2026." in html


def test_a_first_year_of_courses_has_nothing_to_compare_while_the_devices_do(report_world):
    """The library's courses began in March, its laptops were there in February."""
    report = build_report(
        scope=organization_scope(report_world.library),
        period=month_period(datetime.date(2026, 3, 1)),
        now=at(31, 12),
    )
    with translation.override("en"):
        figures = {figure.key: figure for figure in report.key_figures()}

    assert figures["devices_in_service"].comparable
    assert not figures["courses"].comparable
    assert not figures["enrolments"].comparable
