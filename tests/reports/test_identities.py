"""The identities a reader of a report checks with a pocket calculator, at organization,
district and region scope: the summary's devices are the per-pool table's added up (and the
per-organization and per-district tables'), so are its bookings, hand-outs and loans; the
rates of the summary are those of the tables' counts; and a figure is the same on the page,
in the PDF (read back with ``pdftotext -layout``, or, for a table too long for paper, from
the CSV file attached to the PDF), in the CSV and in the open data."""

from __future__ import annotations

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from booking.models import Loan, LoanItem
from reports import csv_export, pdf
from reports.figures import build_report
from reports.opendata import build_statistics
from reports.periods import month_period
from reports.scope import district_scope, organization_scope, region_scope
from tests.factories import DeviceFactory, DevicePoolFactory

from .conftest import ADDED, at
from .test_pdf import pdf_attachments, pdf_text

pytestmark = pytest.mark.django_db

MARCH = month_period(datetime.date(2026, 3, 1))
NOW = at(31, 12)  # after March: nothing of it is still to come


def _scopes(world):
    return {
        "organization": organization_scope(world.school),
        "district": district_scope(world.library.district),
        "region": region_scope(),
    }


@pytest.fixture
def world(report_world):
    """The small world, plus a device in no pool (it is in no table, so in no figure) and a
    second pool at the school whose teachers' bookings are handed out."""
    DeviceFactory(organization=report_world.school, pool=None, created_at=ADDED)
    second = DevicePoolFactory(organization=report_world.school, name="Laptopwagen")
    laptop = DeviceFactory(pool=second, created_at=ADDED)
    loan = Loan.objects.create(
        pool=second, handed_out_at=at(9, 8), due_at=at(9, 10), closed_at=at(9, 9, 30)
    )
    LoanItem.objects.create(loan=loan, device=laptop, returned_at=at(9, 9, 30))
    return report_world


def test_a_hand_out_is_not_a_loan_to_a_resident_and_lasts_hours(world):
    devices = build_report(scope=organization_scope(world.school), period=MARCH, now=NOW).devices

    assert (devices.handouts, devices.loans_to_residents) == (1, 0)
    assert devices.avg_handout_hours == 1.5
    assert devices.avg_loan_days is None
    assert devices.overdue_rate is None


@pytest.mark.parametrize("kind", ["organization", "district", "region"])
def test_the_summary_adds_up_the_tables(world, kind):
    report = build_report(scope=_scopes(world)[kind], period=MARCH, now=NOW)
    devices, pools = report.devices, report.devices.pools

    assert devices.in_service == sum(pool.capacity for pool in pools) > 0
    assert devices.avg_in_service == pytest.approx(sum(pool.avg_in_service for pool in pools))
    assert devices.bookings_by_teachers == sum(pool.bookings_by_teachers for pool in pools)
    assert devices.handouts == sum(pool.handouts for pool in pools)
    assert devices.loans_to_residents == sum(pool.loans_to_residents for pool in pools)
    assert devices.reserved_hours == pytest.approx(sum(pool.reserved_hours for pool in pools))
    lent = [pool for pool in pools if pool.residents and pool.loans_to_residents]
    if lent:
        late = sum(pool.overdue_rate * pool.loans_to_residents for pool in lent)
        assert devices.overdue_rate == pytest.approx(late / devices.loans_to_residents)
    assert sum(row.bookings for row in report.trend) == devices.bookings_by_teachers
    assert sum(row.loans for row in report.trend) == devices.loans_to_residents
    assert sum(row.handouts for row in report.trend) == devices.handouts
    for rows in (report.organizations, report.districts):
        if kind == "organization":
            assert rows == []
            continue
        assert sum(row.in_service for row in rows) == devices.in_service
        assert sum(row.bookings_by_teachers for row in rows) == devices.bookings_by_teachers
        assert sum(row.loans_to_residents for row in rows) == devices.loans_to_residents
        assert sum(row.courses for row in rows) == report.courses.offered
        assert sum(row.enrolments for row in rows) == report.courses.enrolments


def test_the_region_names_every_organization_and_the_loans_table_names_the_library(world):
    report = build_report(scope=region_scope(), period=MARCH, now=NOW)

    assert [row.name for row in report.organizations] == [
        "Kronberg-Gymnasium",
        "Stadtbücherei Miltenberg",
    ]
    assert {row.name for row in report.districts} == {
        world.school.district.name,
        world.library.district.name,
    }
    assert [(pool.pool, pool.organization) for pool in report.devices.pools if pool.residents] == [
        ("Leih-Laptops", "Stadtbücherei Miltenberg")
    ]


# --- page, CSV and open data ------------------------------------------------------------


def _table_rows(html: str, key: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*data-table="{key}">(.*?)</table>', html, re.S)
    assert table, key
    body = table[1].split("<tbody", 1)[1]
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _summary(html: str, key: str) -> str:
    match = re.search(rf'<tr data-figure="{key}">\s*<th[^>]*>.*?</th>\s*<td[^>]*>(.*?)</td>', html)
    assert match, key
    return match[1]


def _number(text: str) -> float:
    return float(text.split(" ")[0].replace(",", ""))


# A number as the PDF prints it in a table cell: "1,234", "4.5 %", "31.5 h", "3.5 days", "–".
_PDF_NUMBER = re.compile(r"^(–|-?[\d,]+(\.\d+)?( %| h| days)?)$")


def _pdf_summary(text: str, label: str) -> str:
    """The first figure printed beside ``label`` in the PDF: the summary's, on page 1."""
    match = re.search(rf"(?m)^\s*{re.escape(label)}\s{{2,}}(\S+(?: %| h| days)?)", text)
    assert match, label
    return match[1]


def _pdf_rows(text: str, title: str, end: str, numbers: int) -> list[list[str]]:
    """The rows of the PDF's table ``title`` (up to the heading ``end``): the lines whose last
    ``numbers`` cells are numbers. A row's name may wrap onto a second line; its figures stay
    on the first, and lines of only words (the wrapped names, the header repeated on a new
    page, the page footer) are no rows."""
    start = text.index(f"\n{title}\n")
    section = text[start : text.index(f"\n{end}\n", start)]
    rows = []
    for line in section.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) > numbers and all(_PDF_NUMBER.match(cell) for cell in cells[-numbers:]):
            rows.append(cells[-numbers:])
    return rows


def _csv(client, scope_key: str, table: str) -> list[list[str]]:
    query = f"period=2026-03&scope={scope_key}&table={table}"
    response = client.get(f"{reverse('reports:csv')}?{query}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _attached(content: bytes, name: str) -> list[list[str]]:
    """The rows of a CSV file attached to the PDF, without its header."""
    text = pdf_attachments(content)[name][1].decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))[1:]


@pytest.mark.parametrize(
    ("kind", "paper"),
    [
        ("organization", "whole"),
        ("district", "whole"),
        ("region", "whole"),
        # Every table longer than none rows is too long for paper: the district's and the
        # region's long tables come as extracts with the CSV attached; one organization's
        # report still prints them whole.
        ("organization", "extract"),
        ("district", "extract"),
        ("region", "extract"),
    ],
)
def test_the_same_figure_on_the_page_in_the_pdf_in_the_csv_and_in_the_open_data(
    client, region_admin, world, kind, paper, monkeypatch
):
    if paper == "extract":
        monkeypatch.setattr(pdf, "LONGEST_PRINTED_TABLE", 0)
    extracts = paper == "extract" and kind != "organization"
    scope = _scopes(world)[kind]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(region_admin)
    page = client.get(f"{reverse('reports:report')}?period=2026-03&scope={scope.key}")
    assert page.status_code == 200
    html = page.content.decode()

    devices = int(_number(_summary(html, "devices_in_service")))
    bookings = int(_number(_summary(html, "bookings")))
    loans = int(_number(_summary(html, "loans")))
    pool_rows = _table_rows(html, "pools")
    assert devices == sum(int(_number(row[2])) for row in pool_rows)
    assert bookings == sum(int(_number(row[7])) for row in pool_rows)
    assert loans == sum(int(_number(row[9])) for row in pool_rows)
    if kind != "organization":
        organization_rows = _table_rows(html, "organizations")
        assert devices == sum(int(_number(row[2])) for row in organization_rows)
        assert loans == sum(int(_number(row[6])) for row in organization_rows)

    content = client.get(f"{reverse('reports:pdf')}?period=2026-03&scope={scope.key}").content
    text = pdf_text(content)
    assert (
        int(_number(_pdf_summary(text, "Devices in service at the end of the period"))) == devices
    )
    assert int(_number(_pdf_summary(text, "Bookings by teachers"))) == bookings
    assert int(_number(_pdf_summary(text, "Loans to residents"))) == loans
    assert _pdf_summary(text, "Utilization") == _summary(html, "utilization")
    if extracts:
        assert "too many to read on paper" in text
        stem = csv_export.filename(scope.key, "2026-03", "csv")[: -len(".csv")]
        # Pool, organization, then 10 figures: in service (2) … bookings (7), loans (9).
        attached_pools = _attached(content, f"{stem}-pools.csv")
        assert len(attached_pools) == len(pool_rows)
        assert sum(int(row[2]) for row in attached_pools) == devices
        assert sum(int(row[7]) for row in attached_pools) == bookings
        assert sum(int(row[9]) for row in attached_pools) == loans
        attached_organizations = _attached(content, f"{stem}-organizations.csv")
        assert len(attached_organizations) == len(organization_rows)
        assert sum(int(row[2]) for row in attached_organizations) == devices
        assert sum(int(row[6]) for row in attached_organizations) == loans
        assert attached_pools == _csv(client, scope.key, "pools")[1:]
    else:
        assert pdf_attachments(content) == {}
        # Pool, organization, then 10 figures: in service (-10) … bookings (-5), loans (-3).
        pdf_pools = _pdf_rows(text, "Use per device pool", "Loans to residents per device pool", 10)
        assert len(pdf_pools) == len(pool_rows)
        assert sum(int(_number(row[-10])) for row in pdf_pools) == devices
        assert sum(int(_number(row[-5])) for row in pdf_pools) == bookings
        assert sum(int(_number(row[-3])) for row in pdf_pools) == loans
        if kind != "organization":
            # Organization, district, then 8 figures: in service (-8) … loans (-4).
            pdf_organizations = _pdf_rows(text, "Per organization", "Devices", 8)
            assert len(pdf_organizations) == len(organization_rows)
            assert sum(int(_number(row[-8])) for row in pdf_organizations) == devices
            assert sum(int(_number(row[-4])) for row in pdf_organizations) == loans

    figures = _csv(client, scope.key, "figures")
    summary = {row[1]: row[2] for row in figures if row[0] == "Summary"}
    assert int(summary["Devices in service at the end of the period"]) == devices
    assert int(summary["Bookings by teachers"]) == bookings
    assert int(summary["Loans to residents"]) == loans
    pools = _csv(client, scope.key, "pools")
    assert sum(int(row[2]) for row in pools[1:]) == devices
    assert sum(int(row[9]) for row in pools[1:]) == loans
    for table in csv_export.TABLES:
        if kind == "organization" and table in csv_export.AREA_TABLES:
            continue
        assert len(_csv(client, scope.key, table)[0]) > 1, table

    statistics = build_statistics(scope=scope, period=MARCH).rows
    assert sum(row.devices_in_service for row in statistics) == devices
    published = [row.bookings for row in statistics]
    if all(isinstance(count, int) for count in published):
        assert sum(published) == bookings


def test_a_running_month_counts_the_same_days_in_the_report_and_the_open_data(world):
    """On Tuesday 3 March, March is counted up to that day in both: Wednesday's booking is
    planned, not use."""
    now = at(3, 12)
    report = build_report(scope=region_scope(), period=MARCH, now=now)
    statistics = build_statistics(scope=region_scope(), period=MARCH, now=now).rows

    assert report.is_running
    assert report.counted.last_day == datetime.date(2026, 3, 3)
    assert report.previous_counted.start == datetime.date(2026, 2, 1)
    assert report.previous_counted.last_day == datetime.date(2026, 2, 3)
    assert sum(row.devices_in_service for row in statistics) == report.devices.in_service
    assert report.devices.bookings_by_teachers == 4  # Monday 2, Tuesday 2
    assert [row.month for row in report.trend] == [datetime.date(2026, 3, 1)]
