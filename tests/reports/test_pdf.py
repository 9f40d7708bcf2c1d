"""The report as a PDF: it opens, says what it is about, numbers its pages, draws its charts,
repeats table headers on every page a table runs across, and prints the same numbers as the
report page. It is a tagged PDF/UA-1 made from the page's template: read back with pdfinfo,
pdffonts and pikepdf (tests/tagged_pdf.py)."""

from __future__ import annotations

import base64
import contextlib
import io
import re
import subprocess
import zlib

import pikepdf
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from reportlab.graphics import renderPDF

from reports import charts, formatting, pdf
from reports.figures import build_report
from reports.periods import range_period
from reports.scope import organization_scope, region_scope
from tests.factories import DeviceFactory, DevicePoolFactory
from tests.tagged_pdf import read_back

from .conftest import WEEK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

TWO_MONTHS = "2026-02-23..2026-03-08"


def pdf_text(content: bytes, *, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    result = subprocess.run(
        ["pdftotext", "-layout", *pages, "-", "-"], input=content, capture_output=True, check=True
    )
    return result.stdout.decode()


def pdf_attachments(content: bytes) -> dict[str, tuple[str, bytes]]:
    """The files embedded in the PDF (what a viewer lists as its attachments): name →
    (description, bytes)."""
    with pikepdf.open(io.BytesIO(content)) as document:
        return {
            name: (spec.description, spec.get_file().read_bytes())
            for name, spec in document.attachments.items()
        }


def link_targets(content: bytes) -> list[str]:
    """The addresses of the PDF's links to the web, page by page."""
    with pikepdf.open(io.BytesIO(content)) as document:
        return [
            str(annotation.A.URI)
            for page in document.pages
            for annotation in page.get("/Annots", [])
            if "/A" in annotation and "/URI" in annotation.A
        ]


def page_count(content: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)
    return int(re.search(rb"Pages:\s+(\d+)", info.stdout).group(1))


def drawing_operators(content: bytes) -> str:
    """The page content streams, decoded (reportlab writes them ASCII85 and Flate encoded)."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", content, re.DOTALL)
    text = []
    for stream in streams:
        data = stream.strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(data.removeprefix(b"<~").removesuffix(b"~>"))
        with contextlib.suppress(zlib.error):
            data = zlib.decompress(data)
        text.append(data.decode("latin-1"))
    return "\n".join(text)


@pytest.fixture
def region_pdf(client, region_admin, report_world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(region_admin)
    response = client.get(f"{reverse('reports:pdf')}?period={TWO_MONTHS}&scope=region")
    assert response.status_code == 200
    return response.content


def test_the_pdf_opens_and_says_what_it_reports_on(region_pdf):
    text = pdf_text(region_pdf, first=1, last=1)

    assert "Usage report" in text
    assert "Whole region" in text
    assert "02/23/2026–03/08/2026" in text
    assert re.search(r"Compared with\s+02/09/2026–02/22/2026", text)
    assert "Generated" in text


def test_the_pdf_is_tagged_with_title_language_headings_tables_and_figures(region_pdf):
    pdf = read_back(region_pdf)

    assert pdf.tagged
    assert pdf.title == "Usage report: Whole region, 02/23/2026–03/08/2026"
    assert pdf.display_doc_title
    assert pdf.lang == "en"
    assert pdf.tags["H1"] == 1
    assert pdf.tags["H2"] >= 5 and pdf.tags["H3"] >= 5
    assert pdf.table_header_cells and all(pdf.table_header_cells)
    assert pdf.figure_alts == [
        "Chart: Utilization per device pool. The table below the chart has the same figures.",
        "Chart: Enrolments by topic. The table below the chart has the same figures.",
        "Chart: Utilization and attendance month by month. "
        "The table below the chart has the same figures.",
    ]


def test_the_pdfs_bookmarks_are_its_headings(region_pdf):
    bookmarks = read_back(region_pdf).bookmarks

    assert bookmarks[0] == "Usage report: Whole region"
    for heading in ("Summary", "Devices", "Courses", "Month by month"):
        assert heading in bookmarks


def test_every_font_of_the_pdf_is_embedded_and_is_the_pages_own(region_pdf):
    fonts = read_back(region_pdf).fonts

    assert fonts
    assert all(embedded for _name, embedded in fonts)
    assert {name.split("+")[-1] for name, _embedded in fonts} <= {
        "Fira-Sans",
        "Fira-Sans-Semi-Bold",
        "Fira-Sans-Italic",
    }


def test_the_pdf_is_made_from_the_pages_template(client, region_admin, report_world):
    """The same headings and table titles, in the same order, in page and PDF."""
    client.force_login(region_admin)
    query = f"period={TWO_MONTHS}&scope=region"
    page = client.get(f"{reverse('reports:report')}?{query}").content.decode()
    content = client.get(f"{reverse('reports:pdf')}?{query}").content
    body = page[page.index('<article class="report"') :]
    headings = [
        re.sub(r"<[^>]+>", "", heading).replace("&#x27;", "'")
        for heading in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", body, re.DOTALL)
    ]

    assert read_back(content).bookmarks == [h.replace("&amp;", "&") for h in headings]


def test_no_word_is_broken_inside_and_no_page_is_near_empty(region_pdf):
    text = pdf_text(region_pdf)
    pages = text.split("\f")[: page_count(region_pdf)]

    assert not re.search(r"\w-\n", text)  # no hyphen at a line's end
    for number, page in enumerate(pages[:-1], 1):
        lines = [line for line in page.splitlines() if line.strip()]
        assert len(lines) > 12, f"page {number} is nearly empty"


def test_every_page_has_its_number_of_all_and_the_scope(region_pdf):
    total = page_count(region_pdf)

    assert total >= 4
    for number in range(1, total + 1):
        text = pdf_text(region_pdf, first=number, last=number)
        assert f"Page {number} of {total}" in text
        assert "Whole region · 02/23/2026–03/08/2026" in text


def test_the_charts_are_drawn_with_titles_and_labelled_axes(region_pdf):
    text = pdf_text(region_pdf)

    assert "Utilization per device pool" in text
    assert "Utilization in %" in text  # the value axis
    assert "Enrolments by topic" in text
    assert "Utilization and attendance month by month" in text
    assert re.search(r"0\s+20\s+40\s+60\s+80\s+100", text)  # the percent axis, from zero
    operators = drawing_operators(region_pdf)
    # Grey bars (#9aa3ad, rounded by the SVG) with black outlines.
    assert "0.6 0.63 0.67 rg" in operators
    assert "0 0 0 RG" in operators


def test_lines_are_told_apart_without_colour():
    drawing = charts.line_chart(
        ["Jan", "Feb", "Mar"],
        [("Utilization", [10, 20, 30]), ("Attendance", [80, None, 60])],
        axis_label="%",
    )

    operators = renderPDF.drawToString(drawing).decode("latin-1")
    assert "[6 3] 0 d" in drawing_operators(operators.encode("latin-1"))  # the second is dashed
    svg = charts.to_svg(drawing, prefix="chart-x", labelledby="x-caption")
    assert svg.startswith('<svg role="img" aria-labelledby="x-caption"')
    assert "style=" not in svg
    assert 'stroke-dasharray="6, 3"' in svg


def test_the_pdf_prints_the_numbers_of_the_report(region_pdf, report_world):
    report = build_report(scope=region_scope(), period=range_period(*_two_months()))
    text = pdf_text(region_pdf)

    for figure in formatting.summary(report):
        assert figure.label in text
        assert figure.display in text, figure.label
    for section in formatting.sections(report):
        for figure in section.figures:
            assert figure.display in text, figure.label
            assert figure.previous_display in text, figure.label
            assert figure.change in text, figure.label
    assert "How the figures are counted" in text


def _two_months():
    import datetime

    return datetime.date(2026, 2, 23), datetime.date(2026, 3, 9)


def test_a_long_table_repeats_its_header_on_each_page(organization, report_world):
    for number in range(70):
        pool = DevicePoolFactory(organization=organization, name=f"Koffer {number:02}")
        DeviceFactory(pool=pool)
    report = build_report(scope=organization_scope(organization), period=range_period(*WEEK))

    content = pdf.render_pdf(report)

    pages_with_pools = [
        number
        for number in range(1, page_count(content) + 1)
        # A row of the per-pool table starts with the pool's name (the findings on page 1
        # name the most used pool inside a sentence).
        if re.search(r"(?m)^\s*Koffer\s", pdf_text(content, first=number, last=number))
    ]
    assert len(pages_with_pools) >= 2
    for number in pages_with_pools:
        text = pdf_text(content, first=number, last=number)
        assert re.search(r"Pool\s+Organization", text), number
    # 70 pools are more than a chart can show: it shows the device types instead.
    assert "Utilization per device type" in pdf_text(content)


def test_the_pdf_is_in_the_readers_language(report_world):
    with translation.override("de"):
        report = build_report(scope=region_scope(), period=range_period(*_two_months()))
        content = pdf.render_pdf(report)

    text = pdf_text(content)
    assert "23.02.2026–08.03.2026" in text
    assert re.search(r"\d+,\d %", text)  # German decimal comma


def test_a_long_name_in_the_footer_wraps_at_spaces_beside_the_page_number(report_world):
    report_world.school.name = "Staatliches Berufliches Schulzentrum " + "Miltenberg-Obernburg " * 6
    report_world.school.save()
    report = build_report(scope=organization_scope(report_world.school), period=range_period(*WEEK))
    lines = pdf_text(pdf.render_pdf(report), first=1, last=1).rstrip().splitlines()
    footer = [line for line in lines if "Usage report: Staatliches" in line][-1]
    following = lines[lines.index(footer) + 1 :]

    assert re.search(r"Miltenberg-Obernburg\s{2,}Page 1 of \d+$", footer)
    rest = " ".join(line.strip() for line in following)
    assert rest.endswith("Miltenberg-Obernburg · 03/02/2026–03/08/2026")


def test_the_columns_share_the_width_and_a_figure_gets_room_for_its_whole_text():
    table = formatting.DataTable(
        key="pools",
        title="Pools",
        columns=[
            formatting.Column("Pool", formatting.TEXT),
            formatting.Column("Organization", formatting.TEXT),
            formatting.Column("Reserved", "h"),
        ],
        rows=[["Koffer 1", "Grundschule am langen Weg mit einem sehr langen Namen", 1234567.8]],
    )
    figure = table.display_rows()[0][2]  # "1,234,567.8 h"

    widths = pdf.column_widths(table)

    assert sum(widths) == pytest.approx(100, abs=0.05)
    figure_width = pdf._text_width(figure, "FiraSans-Regular.woff2", 7.0)
    assert widths[2] / 100 * pdf.PAGE_WIDTH > figure_width
    # The long name wraps; the room left goes to it, not to the figure.
    assert widths[1] > widths[2]
