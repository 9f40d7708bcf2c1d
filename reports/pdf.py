"""The usage report as a tagged PDF (PDF/UA-1): the report page's own body
(templates/reports/report.html, ``report-body``) set for paper by the print stylesheet, so
the PDF has the page's headings, tables and charts and the same figures.

Texts are in the active language (the reader's). Nothing here touches the database: it
prints a Report.

The tables' column widths are chosen here, from the texts they hold, and the PDF lays the
tables out with ``table-layout: fixed`` (static/css/pdf.css): WeasyPrint's automatic table
layout measures the smallest and largest width of every one of the ≈15,000 cells of a
region's report (a tenth of the PDF's time), and fixed layout without widths gives every
column the same share (the region's PDF grew by a sixth).
"""

from __future__ import annotations

import io
import re
from functools import cache

from django.contrib.staticfiles import finders
from fontTools.ttLib import TTFont

from core import html_pdf

from . import html
from .formatting import DataTable

# What static/css/pdf.css gives the tables: the usable width of an A4 page (210 mm less
# 2 × 18 mm margins), the type size and the cells' padding (left + right), in points.
PAGE_WIDTH = (210 - 2 * 18) * 72 / 25.4
MM = 72 / 25.4
WIDE_TABLES = {"pools", "organizations", "districts"}
# A little room per column for what the estimate leaves out (kerning, the borders).
SLACK = 1.5
SPACES = re.compile(r"\s+")


@cache
def _advances(face: str) -> tuple[dict[int, float], float]:
    """A Fira Sans face's advance widths per character, in ems, and a width for the letters
    it lacks (they come from the fallback font)."""
    font = TTFont(
        io.BytesIO(html_pdf._read(finders.find(f"vendor/kern-ux/fonts/fira-sans/{face}")))
    )
    per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    advances = {code: metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    return advances, 0.6


def _text_width(text: str, face: str, size: float) -> float:
    advances, missing = _advances(face)
    return sum(advances.get(ord(char), missing) for char in text) * size


def column_widths(table: DataTable) -> list[float]:
    """The columns' shares of the width in per cent, as CSS's automatic table layout would
    choose them: each column at least as wide as its longest word (a figure is never
    wrapped, so its whole text), the room left shared in proportion to how much wider each
    column would like to be."""
    size, padding = (7.0, 1.6 * MM) if table.key in WIDE_TABLES else (8.5, 3 * MM)
    extra = padding + SLACK
    rows = table.display_rows()
    lows, highs = [], []
    for index, column in enumerate(table.columns):
        label = str(column.label)
        low = max(_text_width(word, "FiraSans-SemiBold.woff2", size) for word in label.split())
        high = _text_width(label, "FiraSans-SemiBold.woff2", size)
        for row in rows:
            text = row[index]
            whole = _text_width(text, "FiraSans-Regular.woff2", size)
            if column.is_number and index:
                low = max(low, whole)
            else:
                words = SPACES.split(text) or [text]
                low = max(low, *(_text_width(w, "FiraSans-Regular.woff2", size) for w in words))
            high = max(high, whole)
        lows.append(low + extra)
        highs.append(max(high, low) + extra)
    if sum(highs) <= PAGE_WIDTH:
        widths = highs
    elif sum(lows) >= PAGE_WIDTH:
        widths = lows
    else:
        room = PAGE_WIDTH - sum(lows)
        wishes = [high - low for low, high in zip(lows, highs, strict=True)]
        widths = [low + room * wish / sum(wishes) for low, wish in zip(lows, wishes, strict=True)]
    total = sum(widths)
    return [round(width / total * 100, 2) for width in widths]


def render_pdf(report, *, sort: str = "", order: str = "") -> bytes:
    """The report as PDF bytes, in the active language, its tables sorted as the page's
    (``sort``, ``order``: checked by ``forms.ReportQueryForm``). Paper has no sort links:
    the column headings are plain."""
    context = html.report_context(
        report, pdf_url="", csv_url="", zip_url="", sort=sort, order=order
    )
    tables = list(context["tables"].values())
    tables += [chart.table for chart in context["charts"].values()]
    for table in tables:
        table.headers = []
        if table.rows:
            table.column_widths = column_widths(table)
    return html_pdf.render_pdf("reports/report_pdf.html", context)
