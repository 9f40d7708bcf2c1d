"""The report as a PDF: it opens, says what it is about, numbers its pages, draws its charts,
repeats table headers on every page a table runs across, and prints the same numbers as the
report page."""

from __future__ import annotations

import base64
import contextlib
import re
import subprocess
import zlib

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

from .conftest import WEEK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

TWO_MONTHS = "2026-02-23..2026-03-08"


def pdf_text(content: bytes, *, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    result = subprocess.run(
        ["pdftotext", "-layout", *pages, "-", "-"], input=content, capture_output=True, check=True
    )
    return result.stdout.decode()


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
    assert "Compared with: 02/09/2026–02/22/2026" in text
    assert "Generated on" in text


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
    # Grey bars (#9aa3ad) with black outlines, drawn as filled rectangles.
    assert ".603922 .639216 .678431 rg" in operators
    assert re.search(r"\d re B\*", operators)


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
        if "Koffer" in pdf_text(content, first=number, last=number)
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


def test_a_long_name_in_the_footer_is_shortened_before_the_page_number(report_world):
    report_world.school.name = "Staatliches Berufliches Schulzentrum " + "Miltenberg-Obernburg " * 3
    report_world.school.save()
    report = build_report(scope=organization_scope(report_world.school), period=range_period(*WEEK))
    footer = pdf_text(pdf.render_pdf(report), first=1, last=1).rstrip().splitlines()[-1]

    assert footer.startswith("Staatliches Berufliches Schulzentrum Miltenberg")
    assert "…" in footer
    assert re.search(r"…\s{2,}Page 1 of \d+$", footer)
