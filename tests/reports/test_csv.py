"""The report as tidy CSV: one table per file with one header row (offered one by one and as
a ZIP), UTF-8 with a BOM, ``;`` between fields, headers in the reader's language, the same
numbers as the page and the PDF, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from reports import csv_export, formatting
from reports.figures import build_report
from reports.periods import range_period
from reports.scope import organization_scope

from .conftest import WEEK

pytestmark = pytest.mark.django_db

WEEK_KEY = "2026-03-02..2026-03-08"
SCHOOL = "org:kronberg-gymnasium"


def download(
    client, user, language: str = "en", table: str = "figures", scope: str = SCHOOL
) -> bytes:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    query = f"period={WEEK_KEY}&scope={scope}&table={table}"
    response = client.get(f"{reverse('reports:csv')}?{query}")
    assert response.status_code == 200
    return response.content


def rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def table(client, user, key: str) -> list[list[str]]:
    return rows(download(client, user, table=key))


def test_it_is_utf8_with_a_bom_and_semicolons(client, org_admin, report_world):
    content = download(client, org_admin)

    assert content.startswith(b"\xef\xbb\xbf")
    assert rows(content)[0] == ["Section", "Figure", "Value", "Previous period", "Unit"]


@pytest.mark.parametrize("key", csv_export.TABLES)
def test_every_table_is_tidy_one_header_row_and_rows_of_its_width(
    client, region_admin, report_world, key
):
    """What pandas.read_csv and a spreadsheet's import need: the first line is the header (of
    distinct, non-empty names), every line has its width, and no line is empty."""
    all_rows = rows(download(client, region_admin, table=key, scope="region"))
    header = all_rows[0]
    assert all(header) and len(set(header)) == len(header), header
    assert all(len(row) == len(header) for row in all_rows), key
    assert all(any(cell for cell in row) for row in all_rows), key


def test_an_organizations_report_has_no_table_per_district(client, org_admin, report_world):
    client.force_login(org_admin)
    for key in csv_export.AREA_TABLES:
        query = f"period={WEEK_KEY}&scope={SCHOOL}&table={key}"
        assert client.get(f"{reverse('reports:csv')}?{query}").status_code == 404


def test_the_zip_holds_every_table_as_its_own_file(client, org_admin, report_world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    client.force_login(org_admin)
    response = client.get(f"{reverse('reports:zip')}?period={WEEK_KEY}&scope={SCHOOL}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert [name.rsplit("-", 1)[1] for name in names] == [
            f"{key}.csv" for key in csv_export.TABLES if key not in csv_export.AREA_TABLES
        ]
        pools = archive.read(next(name for name in names if name.endswith("-pools.csv")))
    assert pools == download(client, org_admin, language="de", table="pools")


def test_an_unknown_table_is_a_400(client, org_admin, report_world):
    client.force_login(org_admin)
    query = f"period={WEEK_KEY}&scope={SCHOOL}&table=secrets"
    assert client.get(f"{reverse('reports:csv')}?{query}").status_code == 400


@pytest.mark.parametrize("scope_kind", ["org", "region"])
def test_no_cell_of_the_report_csv_is_a_formula(
    client, org_admin, region_admin, report_world, scope_kind
):
    """A pool named like a formula stays text in every table (org and region reports)."""
    pool = report_world.school.pools.first()
    pool.name = '=HYPERLINK("http://evil.example","Klick")'
    pool.save()
    user = org_admin if scope_kind == "org" else region_admin
    scope = SCHOOL if scope_kind == "org" else "region"
    client.force_login(user)
    for key in csv_export.TABLES:
        query = f"period={WEEK_KEY}&scope={scope}&table={key}"
        response = client.get(f"{reverse('reports:csv')}?{query}")
        if scope_kind == "org" and key in csv_export.AREA_TABLES:
            assert response.status_code == 404
            continue
        assert response.status_code == 200, key
        for row in rows(response.content):
            for cell in row:
                assert not cell.startswith(("=", "@", "\t", "\r")), (key, cell)
                assert not cell.startswith(("+", "-")) or cell[1:].replace(".", "").isdigit()
    pools = rows(download(client, user, table="pools"))
    assert any(row[0] == "'" + pool.name for row in pools)


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
                figure.previous_plain,
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


def test_the_tables_have_their_headers(client, org_admin, report_world):
    pools = table(client, org_admin, "pools")
    assert pools[0] == [
        "Pool",
        "Organization",
        "Devices in service at the end",
        "Devices in service on average",
        "Reserved (h)",
        "Available (h)",
        "Utilization (%)",
        "Bookings by teachers",
        "Hand-outs",
        "Loans to residents",
        "Returned damaged (%)",
        "Shortfalls",
    ]
    assert pools[1] == [
        "iPad-Koffer 1",
        "Kronberg-Gymnasium",
        "2",
        "2",
        "4.3",
        "12.0",
        "35.4",
        "5",
        "0",
        "0",
        "",
        "1",
    ]
    trend = table(client, org_admin, "trend")
    assert trend[0][0] == "Month"
    assert trend[1][0] == "2026-03"
    assert table(client, org_admin, "peaks")[1][0] == "2026-03-02"


def test_in_german_numbers_have_a_decimal_comma(client, org_admin, report_world):
    all_rows = rows(download(client, org_admin, language="de"))

    utilization = [row for row in all_rows if len(row) == 5 and row[2] == "35,4"]
    assert utilization, all_rows[:20]
    assert all_rows[0] == ["Abschnitt", "Kennzahl", "Wert", "Vorzeitraum", "Einheit"]
