"""A table too long for paper, in the PDF of a district's or the region's report: the PDF
says what the table is and how many rows it has, prints an extract that says it is one (the
rows with the highest and the lowest values), embeds the whole table as the CSV file the
report page offers, byte for byte, and names that download's address. The PDF stays tagged
PDF/UA-1. One organization's report prints every table whole.

The limit is 100 rows; these tests lower it (and the extract's length) to count by hand:
eight pools, printed as the two highest and the two lowest."""

from __future__ import annotations

import csv
import io
import re
import subprocess

import pikepdf
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from reports import csv_export, formatting, pdf
from reports.figures import build_report
from reports.models import ReportRun
from reports.periods import parse_period
from reports.scope import organization_scope, region_scope
from reports.tasks import build_report_file
from tests.factories import DeviceFactory, DevicePoolFactory
from tests.tagged_pdf import read_back

from .conftest import ADDED
from .test_pdf import TWO_MONTHS, link_targets, pdf_attachments, pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

POOLS_FILE = "usage-report-region-2026-02-23_2026-03-08-pools.csv"


def pools_csv() -> str:
    """The address of the region report's per-pool CSV download, as the page links it."""
    return f"{reverse('reports:csv')}?period={TWO_MONTHS}&scope=region&table=pools"


@pytest.fixture
def short_paper(monkeypatch):
    """Tables of more than 3 rows are too long for paper; an extract shows 2 + 2 rows."""
    monkeypatch.setattr(pdf, "LONGEST_PRINTED_TABLE", 3)
    monkeypatch.setattr(pdf, "EXTRACT_ROWS", 2)


@pytest.fixture
def eight_pools(report_world):
    """The small world's two pools and six unused ones, three at each organization."""
    for number in range(6):
        organization = report_world.school if number % 2 else report_world.library
        pool = DevicePoolFactory(organization=organization, name=f"Koffer {number}")
        DeviceFactory(pool=pool, created_at=ADDED)
    return report_world


@pytest.fixture
def region_pdf(client, region_admin, eight_pools, short_paper):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(region_admin)
    response = client.get(f"{reverse('reports:pdf')}?period={TWO_MONTHS}&scope=region")
    assert response.status_code == 200
    return response.content


def _report(scope=None):
    return build_report(scope=scope or region_scope(), period=parse_period(TWO_MONTHS))


def pdf_words(content: bytes) -> str:
    """The PDF's text in the order it is drawn (a cell's wrapped lines one after the other),
    its words one space apart."""
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())


def _between(words: str, start: str, end: str = "") -> str:
    begin = words.index(start) + len(start)
    return words[begin : words.index(end, begin)] if end else words[begin:]


def _printed_pools(words: str, pools) -> list[str]:
    """The pools whose row is printed in ``words``, in order: a row starts with the pool's
    name and its organization's."""
    found = []
    for pool in pools:
        row = rf"(?<!\S){re.escape(pool.pool)} {re.escape(str(pool.organization))}(?!\S)"
        found += [(match.start(), pool.pool) for match in re.finditer(row, words)]
    return [name for _start, name in sorted(found)]


def _row_count(words: str) -> int:
    """How many rows of the per-pool table ``words`` hold: each has its reserved and
    available hours and its utilization side by side ("7.3 h 24.0 h 30.2 %")."""
    return len(re.findall(r"[\d.,]+ h [\d.,]+ h (?:[\d.,]+ %|–)", words))


HIGHEST = "Extract: the 2 device pools with the highest utilization"
LOWEST = "Extract: the 2 device pools with the lowest utilization"
AFTER_POOLS = "Loans to residents per device pool"


def test_a_long_table_says_what_it_is_how_many_rows_it_has_and_where_they_all_are(region_pdf):
    section = _between(pdf_words(region_pdf), "Use per device pool", AFTER_POOLS)

    assert section.startswith(" This table has 8 rows, too many to read on paper.")
    assert f"All of them are in the file {POOLS_FILE} attached to this PDF" in section
    assert "and in this table's CSV download:" in section
    assert HIGHEST in section and LOWEST in section
    assert section.index(HIGHEST) < section.index(LOWEST)


def test_the_extract_shows_the_pools_with_the_highest_and_the_lowest_utilization(region_pdf):
    pools = _report().devices.pools
    utilization = {pool.pool: pool.utilization for pool in pools}
    assert len(utilization) == 8
    words = pdf_words(region_pdf)

    highest = _printed_pools(_between(words, HIGHEST, LOWEST), pools)
    lowest = _printed_pools(_between(words, LOWEST, AFTER_POOLS), pools)
    others = [value for name, value in utilization.items() if name not in highest + lowest]

    assert _row_count(_between(words, "Use per device pool", AFTER_POOLS)) == 4
    assert len(highest) == len(lowest) == 2 and not set(highest) & set(lowest)
    assert [utilization[name] for name in highest] == sorted(
        (utilization[name] for name in highest), reverse=True
    )
    assert [utilization[name] for name in lowest] == sorted(utilization[name] for name in lowest)
    assert min(utilization[name] for name in highest) >= max(others)
    assert max(utilization[name] for name in lowest) <= min(others)
    assert highest == ["iPad-Koffer 1", "Leih-Laptops"]  # the only ones used


def test_the_whole_table_is_attached_as_the_pages_csv_download(client, region_pdf):
    download = client.get(pools_csv())
    attachments = pdf_attachments(region_pdf)

    assert list(attachments) == [POOLS_FILE]
    description, content = attachments[POOLS_FILE]
    assert description == "Use per device pool"
    assert content == download.content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert {row[0] for row in rows[1:]} == {pool.pool for pool in _report().devices.pools}
    assert len(rows) == 1 + 8


def test_the_pdf_names_the_downloads_absolute_address(region_pdf):
    address = settings.LERNPOOL_SITE_URL + pools_csv()

    assert address.startswith("http")
    assert address in link_targets(region_pdf)
    assert address in re.sub(r"\s+", "", pdf_text(region_pdf))


def test_a_pdf_with_an_extract_and_an_attachment_is_still_tagged_pdf_ua(region_pdf):
    back = read_back(region_pdf)

    assert back.tagged
    assert back.lang == "en"
    assert back.title == "Usage report: Whole region, 02/23/2026–03/08/2026"
    assert back.fonts and not back.unembedded_fonts
    assert back.table_header_cells and all(back.table_header_cells)
    with pikepdf.open(io.BytesIO(region_pdf)) as document:
        assert document.open_metadata().get("pdfuaid:part") == "1"
        names = document.Root.Names.EmbeddedFiles.Names
        specs = [names[index + 1] for index in range(0, len(names), 2)]
        # PDF/UA-1 (ISO 14289-1, 7.11): an embedded file's specification has F and UF.
        for spec in specs:
            assert str(spec.F) == str(spec.UF) == POOLS_FILE
            assert str(spec.Desc) == "Use per device pool"


def test_the_extract_is_in_the_readers_language(eight_pools, short_paper):
    with translation.override("de"):
        content = pdf.render_pdf(_report(), csv_url="/berichte/ansicht.csv?scope=region")
    text = pdf_words(content)

    assert "Diese Tabelle hat 8 Zeilen, zu viele, um sie auf Papier zu lesen." in text
    assert "Auszug: die 2 Gerätesets mit der höchsten Auslastung" in text
    assert "Auszug: die 2 Gerätesets mit der niedrigsten Auslastung" in text
    assert list(pdf_attachments(content)) == [
        "nutzungsbericht-region-2026-02-23_2026-03-08-pools.csv"  # as the German download
    ]


def test_one_organizations_report_prints_every_table_whole(eight_pools, short_paper):
    report = _report(organization_scope(eight_pools.school))
    pools = report.devices.pools
    assert len(pools) == 4  # more than 3

    content = pdf.render_pdf(report, csv_url="/reports/view/report.csv")
    words = pdf_words(content)

    assert pdf_attachments(content) == {}
    assert "too many to read on paper" not in words
    assert "Extract" not in words
    assert _row_count(_between(words, "Use per device pool", AFTER_POOLS)) == 4


def test_a_table_as_long_as_the_limit_is_printed_whole(eight_pools, short_paper, monkeypatch):
    monkeypatch.setattr(pdf, "LONGEST_PRINTED_TABLE", 8)
    report = _report()

    content = pdf.render_pdf(report, csv_url=pools_csv().removesuffix("&table=pools"))

    assert pdf_attachments(content) == {}
    assert _row_count(_between(pdf_words(content), "Use per device pool", AFTER_POOLS)) == 8


def test_a_background_runs_pdf_attaches_and_names_the_runs_own_csv(
    region_admin, eight_pools, short_paper
):
    run = ReportRun.objects.create(
        user=region_admin,
        scope_key="region",
        scope_label="Whole region",
        period_key=TWO_MONTHS,
        period_label="02/23/2026–03/08/2026",
        language="en",
    )

    assert build_report_file.call(run.pk) == "done"

    run.refresh_from_db()
    content = bytes(run.pdf)
    address = f"{settings.LERNPOOL_SITE_URL}/reports/runs/{run.pk}/report.csv?table=pools"
    assert address in link_targets(content)
    assert pdf_attachments(content)[POOLS_FILE][1] == csv_export.table_from_zip(
        bytes(run.csv), "pools"
    )


def test_an_extract_leaves_out_rows_without_a_value_and_sorts_ties_by_name(monkeypatch):
    monkeypatch.setattr(pdf, "EXTRACT_ROWS", 2)
    table = formatting.DataTable(
        "pools",
        "Pools",
        [formatting.Column("Pool", formatting.TEXT)]
        + [formatting.Column(str(index)) for index in range(1, 6)]
        + [formatting.Column("Utilization", "%")],
        [
            [name, 0, 0, 0, 0, 0, value]
            for name, value in [
                ("b", 0.5),
                ("a", 0.5),
                ("c", None),
                ("d", 0.1),
                ("e", 0.0),
                ("f", 0.2),
            ]
        ],
    )

    highest, lowest = pdf.extract_rows(table)

    assert [row[0] for row in highest] == ["a", "b"]
    assert [row[0] for row in lowest] == ["e", "d"]
