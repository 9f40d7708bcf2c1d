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

Nobody reads 971 rows on paper, and laying them out was most of the region's PDF (15–20 s of
CPU). So in a district's or the region's report a table of more than ``LONGEST_PRINTED_TABLE``
rows is not printed whole: the PDF says what it is and how many rows it has, prints an
extract (the rows with the highest and the lowest values of the figure the key findings
talk about, labelled as an extract), embeds the whole table as the CSV file the report page
offers for download, the same bytes, and names that download's address. Every figure is
still in the document. One organization's report prints every table whole.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache

from django.contrib.staticfiles import finders
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from fontTools.ttLib import TTFont

from core import html_pdf
from core.mail import site_url

from . import csv_export, html
from .formatting import DataTable, display
from .scope import ORGANIZATION

# What static/css/pdf.css gives the tables: the usable width of an A4 page (210 mm less
# 2 × 18 mm margins), the type size and the cells' padding (left + right), in points.
PAGE_WIDTH = (210 - 2 * 18) * 72 / 25.4
MM = 72 / 25.4
WIDE_TABLES = {"pools", "organizations", "districts"}
# A little room per column for what the estimate leaves out (kerning, the borders).
SLACK = 1.5
SPACES = re.compile(r"\s+")

# A table with more rows than this (about two pages of the wide tables) is printed as an
# extract in a district's or the region's report: the region's per-pool table has ≈970
# rows, its per-organization table 300; a district's per-organization table (≈100) stays.
LONGEST_PRINTED_TABLE = 100
# How many rows with the highest values, and how many with the lowest, an extract shows.
EXTRACT_ROWS = 10
# The tables that can grow that long, each with the column whose highest and lowest values
# the extract shows: utilization, the first figure of the key findings, and for the lending
# and hand-out tables the count they are about.
EXTRACT_BY = {
    "organizations": gettext_noop("Utilization"),
    "pools": gettext_noop("Utilization"),
    "lending": gettext_noop("Loans to residents"),
    "handouts": gettext_noop("Hand-outs"),
}


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


@dataclass
class Extract:
    """What the PDF prints of a table too long for paper (``DataTable.extract``)."""

    note: str  # what the table is, how many rows, where all of them are
    url: str  # the absolute address of the table's CSV download ("": none known)
    parts: list[DataTable]  # the extract: the highest values, then the lowest
    file: html_pdf.AttachedFile  # the whole table, embedded


def _captions(key: str, highest: int, lowest: int) -> tuple[str, str]:
    """The extract's two captions, saying that it is one and what it shows."""
    if key == "organizations":
        return (
            ngettext(
                "Extract: the organization with the highest utilization",
                "Extract: the %(count)s organizations with the highest utilization",
                highest,
            )
            % {"count": highest},
            ngettext(
                "Extract: the organization with the lowest utilization",
                "Extract: the %(count)s organizations with the lowest utilization",
                lowest,
            )
            % {"count": lowest},
        )
    if key == "pools":
        return (
            ngettext(
                "Extract: the device pool with the highest utilization",
                "Extract: the %(count)s device pools with the highest utilization",
                highest,
            )
            % {"count": highest},
            ngettext(
                "Extract: the device pool with the lowest utilization",
                "Extract: the %(count)s device pools with the lowest utilization",
                lowest,
            )
            % {"count": lowest},
        )
    if key == "lending":
        return (
            ngettext(
                "Extract: the device pool with the most loans to residents",
                "Extract: the %(count)s device pools with the most loans to residents",
                highest,
            )
            % {"count": highest},
            ngettext(
                "Extract: the device pool with the fewest loans to residents",
                "Extract: the %(count)s device pools with the fewest loans to residents",
                lowest,
            )
            % {"count": lowest},
        )
    return (
        ngettext(
            "Extract: the device pool with the most hand-outs",
            "Extract: the %(count)s device pools with the most hand-outs",
            highest,
        )
        % {"count": highest},
        ngettext(
            "Extract: the device pool with the fewest hand-outs",
            "Extract: the %(count)s device pools with the fewest hand-outs",
            lowest,
        )
        % {"count": lowest},
    )


def extract_rows(table: DataTable) -> tuple[list[list], list[list]]:
    """The rows with the ``EXTRACT_ROWS`` highest values of the table's extract column
    (highest first), and those with the lowest (lowest first) of the rest; rows without a
    value are in neither. Ties go by the rows' names."""
    labels = [str(column.label) for column in table.columns]
    index = labels.index(_(EXTRACT_BY[table.key]))
    valued = [row for row in table.rows if row[index] is not None]
    by_name = sorted(valued, key=lambda row: str(row[0]).casefold())
    highest = sorted(by_name, key=lambda row: row[index], reverse=True)[:EXTRACT_ROWS]
    chosen = {id(row) for row in highest}
    rest = [row for row in by_name if id(row) not in chosen]
    lowest = sorted(rest, key=lambda row: row[index])[:EXTRACT_ROWS]
    return highest, lowest


def extract(report, table: DataTable, *, csv_url: str, sort: str = "", order: str = "") -> Extract:
    """The extract of a long table, with the whole table as its CSV download's file."""
    name = csv_export.filename(report.scope.key, report.period.key, "csv", table.key)
    url = site_url(csv_url) if csv_url else ""
    if url:
        note = _(
            "This table has %(rows)s rows, too many to read on paper. All of them are in the "
            "file %(file)s attached to this PDF (your PDF viewer lists its attachments) and "
            "in this table's CSV download:"
        )
    else:
        note = _(
            "This table has %(rows)s rows, too many to read on paper. All of them are in the "
            "file %(file)s attached to this PDF (your PDF viewer lists its attachments)."
        )
    # The file's name on one line: it has hyphens, where a line must not break.
    note = mark_safe(  # noqa: S308 - the message and the values are escaped
        conditional_escape(note)
        % {
            "rows": conditional_escape(display(len(table.rows))),
            "file": format_html('<span class="report-extract__file">{}</span>', name),
        }
    )
    highest, lowest = extract_rows(table)
    captions = _captions(table.key, len(highest), len(lowest))
    parts = [
        DataTable(table.key, caption, table.columns, rows)
        for caption, rows in zip(captions, (highest, lowest), strict=True)
        if rows
    ]
    # Both parts share the columns' widths, so that their columns line up.
    widths = column_widths(DataTable(table.key, table.title, table.columns, highest + lowest))
    for part in parts:
        part.column_widths = widths
    attached = html_pdf.AttachedFile(
        name=name,
        content=csv_export.render_table(report, table.key, sort=sort, order=order),
        description=table.title,
        made=report.generated_at,
    )
    return Extract(note=note, url=url, parts=parts, file=attached)


def render_pdf(report, *, csv_url: str = "", sort: str = "", order: str = "") -> bytes:
    """The report as PDF bytes, in the active language, its tables sorted as the page's
    (``sort``, ``order``: checked by ``forms.ReportQueryForm``). Paper has no sort links:
    the column headings are plain. ``csv_url`` is the address of the report's CSV downloads
    (as on the page, ``?table=`` is added): a table too long for paper names its own."""
    context = html.report_context(
        report, pdf_url="", csv_url=csv_url, zip_url="", sort=sort, order=order
    )
    links = dict(
        zip(
            csv_export.tables_of(report),
            (url for _title, url in context["csv_links"]),
            strict=True,
        )
    )
    tables = list(context["tables"].values())
    tables += [chart.table for chart in context["charts"].values()]
    attachments = []
    for table in tables:
        table.headers = []
        if (
            report.scope.kind != ORGANIZATION
            and table.key in EXTRACT_BY
            and len(table.rows) > LONGEST_PRINTED_TABLE
        ):
            table.extract = extract(
                report,
                table,
                csv_url=links[table.key] if csv_url else "",
                sort=sort,
                order=order,
            )
            attachments.append(table.extract.file)
        elif table.rows:
            table.column_widths = column_widths(table)
    return html_pdf.render_pdf("reports/report_pdf.html", context, attachments)
