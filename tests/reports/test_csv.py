"""The report as CSV: UTF-8 with a BOM, ``;`` between fields, the figures as rows and the
tables below, headers in the reader's language, the same numbers as the page and the PDF."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from reports import formatting
from reports.figures import build_report
from reports.periods import range_period
from reports.scope import organization_scope

from .conftest import WEEK

pytestmark = pytest.mark.django_db

WEEK_KEY = "2026-03-02..2026-03-08"
SCHOOL = "org:kronberg-gymnasium"


def download(client, user, language: str = "en") -> bytes:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    response = client.get(f"{reverse('reports:csv')}?period={WEEK_KEY}&scope={SCHOOL}")
    assert response.status_code == 200
    return response.content


def rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def table(all_rows: list[list[str]], title: str) -> list[list[str]]:
    """The header and the rows under a table's title, up to the next empty line."""
    start = all_rows.index([title]) + 1
    end = next((i for i in range(start, len(all_rows)) if not all_rows[i]), len(all_rows))
    return all_rows[start:end]


def test_it_is_utf8_with_a_bom_and_semicolons(client, org_admin, report_world):
    content = download(client, org_admin)

    assert content.startswith(b"\xef\xbb\xbf")
    assert rows(content)[0] == ["Usage report", "Kronberg-Gymnasium", "03/02/2026–03/08/2026"]
    assert ["Section", "Figure", "Value", "Previous period", "Unit"] in rows(content)


def test_the_figures_are_the_reports(client, org_admin, report_world):
    all_rows = rows(download(client, org_admin))
    with translation.override("en"):
        report = build_report(
            scope=organization_scope(report_world.school), period=range_period(*WEEK)
        )
        expected = [
            [
                section.title,
                figure.label,
                formatting.plain(figure.value, figure.unit),
                formatting.plain(figure.previous, figure.unit),
                formatting.unit_text(figure.unit),
            ]
            for section in formatting.sections(report)
            for figure in section.figures
        ]

    for row in expected:
        assert row in all_rows
    assert ["Devices", "Utilization", "35.4", "25.0", "%"] in all_rows  # 4.25 of 12 h
    assert ["Devices", "Bookings by teachers", "5", "1", ""] in all_rows
    assert ["Summary", "Utilization", "35.4", "25.0", "%"] in all_rows


def test_its_numbers_are_the_pages(client, org_admin, report_world):
    """The CSV drops units and thousands separators; the number is the page's."""
    all_rows = rows(download(client, org_admin))
    with translation.override("en"):
        report = build_report(
            scope=organization_scope(report_world.school), period=range_period(*WEEK)
        )
        shown = {
            (figure.label, figure.display)
            for section in formatting.sections(report)
            for figure in section.figures
        }

    in_csv = {row[1]: row[2] for row in all_rows if len(row) == 5 and row[0] == "Devices"}
    for label, display in shown:
        if label in in_csv and display != "–":
            assert display.split(" ")[0].replace(",", "") == in_csv[label], label


def test_the_tables_follow_with_their_headers(client, org_admin, report_world):
    all_rows = rows(download(client, org_admin))

    pools = table(all_rows, "Use per device pool")
    assert pools[0] == [
        "Pool",
        "Organization",
        "Devices",
        "Reserved (h)",
        "Available (h)",
        "Utilization (%)",
        "Bookings",
        "Shortfalls",
    ]
    assert pools[1] == ["iPad-Koffer 1", "Kronberg-Gymnasium", "2", "4.3", "12.0", "35.4", "5", "1"]
    trend = table(all_rows, "Figures by month")
    assert trend[0][0] == "Month"
    assert trend[1][0] == "2026-03"
    assert table(all_rows, "Busiest days")[1][0] == "2026-03-02"


def test_in_german_numbers_have_a_decimal_comma(client, org_admin, report_world):
    all_rows = rows(download(client, org_admin, language="de"))

    utilization = [row for row in all_rows if len(row) == 5 and row[2] == "35,4"]
    assert utilization, all_rows[:20]
    assert all_rows[0][2] == "02.03.2026–08.03.2026"


def test_the_previous_period_is_named(client, org_admin, report_world):
    all_rows = rows(download(client, org_admin))

    previous = datetime.date(2026, 2, 23)
    assert all_rows[1] == ["Compared with", f"{previous:%m/%d/%Y}–03/01/2026"]
