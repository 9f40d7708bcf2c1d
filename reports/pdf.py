"""The usage report as a PDF (reportlab platypus): a cover, a one-page summary of the key
figures against the previous period, the device and course sections with their charts and
tables, the month-by-month trend and how the figures are counted. Every page has the scope
and period in its footer and "Page x of y".

Texts are in the active language (the reader's). Nothing here touches the database: it
prints a Report. reportlab writes untagged PDFs, so the HTML page is the accessible version
of the same figures.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core import pdf_fonts

from . import charts, formatting
from .formatting import DataTable, Figure

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
# DejaVu Sans: Helvetica lacks the letters of many residents' names (core/pdf_fonts.py).
REGULAR, BOLD = pdf_fonts.register()
HEADER_GREY = colors.HexColor("#e8ecf1")
RULE_GREY = colors.HexColor("#5a6472")

_BASE = ParagraphStyle("base", fontName=REGULAR, fontSize=10, leading=13)
_SMALL = ParagraphStyle("small", parent=_BASE, fontSize=8.5, leading=11)
_CELL = ParagraphStyle("cell", parent=_BASE, fontSize=8, leading=10)
_CELL_BOLD = ParagraphStyle("cell-bold", parent=_CELL, fontName=BOLD)
_NUMBER = ParagraphStyle("number", parent=_CELL, alignment=TA_RIGHT)
_NUMBER_BOLD = ParagraphStyle("number-bold", parent=_NUMBER, fontName=BOLD)
_TITLE = ParagraphStyle("title", parent=_BASE, fontName=BOLD, fontSize=26, leading=32)
_COVER = ParagraphStyle("cover", parent=_BASE, fontSize=14, leading=20)
_H1 = ParagraphStyle(
    "h1", parent=_BASE, fontName=BOLD, fontSize=16, leading=20, spaceBefore=4, spaceAfter=8
)
_H2 = ParagraphStyle(
    "h2", parent=_BASE, fontName=BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=5
)


def _p(text: str, style: ParagraphStyle = _BASE) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _local(moment) -> str:
    moment = timezone.localtime(moment)
    return f"{formats.date_format(moment, 'DATE_FORMAT')}, {moment:%H:%M}"


class _NumberedCanvas(Canvas):
    """Remembers every page and writes "Page x of y" once the total is known."""

    footer_text = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        self.saveState()
        self.setFont(REGULAR, 8)
        self.setFillColor(colors.black)
        self.setStrokeColor(RULE_GREY)
        self.setLineWidth(0.5)
        self.line(MARGIN, MARGIN - 4 * mm, PAGE_WIDTH - MARGIN, MARGIN - 4 * mm)
        page = _("Page %(number)d of %(total)d") % {"number": self._pageNumber, "total": total}
        room = PAGE_WIDTH - 2 * MARGIN - stringWidth(page, REGULAR, 8) - 6 * mm
        self.drawString(MARGIN, MARGIN - 8 * mm, fit(self.footer_text, REGULAR, 8, room))
        self.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 8 * mm, page)
        self.restoreState()


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text``, shortened with “…” where it would be wider than ``width`` (a long name in
    the footer must not run into the page number)."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _canvas_class(footer: str) -> type[_NumberedCanvas]:
    return type("ReportCanvas", (_NumberedCanvas,), {"footer_text": footer})


# Cell padding left and right (reportlab's default is 6 pt each).
_PAD = 3


def _longest_word(text: str, style: ParagraphStyle) -> float:
    return max(
        (stringWidth(word, style.fontName, style.fontSize) for word in text.split()), default=0
    )


def _column_widths(data, texts: int) -> list[float]:
    """Number columns as wide as their longest header word or their widest value (so that no
    word is cut in two, in any language, and no number wraps), text columns share the rest."""
    numbers = len(data.columns) - texts
    needed = [
        max(
            _longest_word(column.label, _NUMBER_BOLD),
            # A value is never wrapped ("2.552,0 Std." on one line).
            max(
                (
                    stringWidth(str(row[i]), _NUMBER.fontName, _NUMBER.fontSize)
                    for row in data.display_rows()
                ),
                default=0,
            ),
        )
        + 2 * _PAD
        + 1
        for i, column in enumerate(data.columns)
    ]
    # As narrow as their content allows (but not cramped): the names need the room.
    number_width = min(16 * mm, CONTENT_WIDTH * 0.7 / max(numbers, 1))
    widths = [
        max(number_width, needed[i]) if column.is_number else 0.0
        for i, column in enumerate(data.columns)
    ]
    # Many number columns (the per-pool table has ten) are squeezed to leave the names a
    # quarter of the width: a header word may then break, the names never vanish.
    if sum(widths) > CONTENT_WIDTH * 0.75:
        factor = CONTENT_WIDTH * 0.75 / sum(widths)
        widths = [width * factor for width in widths]
    rest = (CONTENT_WIDTH - sum(widths)) / max(texts, 1)
    return [
        width if column.is_number else rest
        for width, column in zip(widths, data.columns, strict=True)
    ]


def _table_style(*, numbers_from: int) -> TableStyle:
    return TableStyle(
        [
            ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_GREY),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE_GREY),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (numbers_from, 0), (-1, -1), "RIGHT"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )


def _figures_table(figures: list[Figure], *, first: str) -> Table:
    header = [
        _p(first, _CELL_BOLD),
        _p(_("This period"), _NUMBER_BOLD),
        _p(_("Previous period"), _NUMBER_BOLD),
        _p(_("Change"), _NUMBER_BOLD),
    ]
    rows = [
        [
            _p(figure.label, _CELL),
            _p(figure.display, _NUMBER),
            _p(figure.previous_display, _NUMBER),
            _p(figure.change, _NUMBER),
        ]
        for figure in figures
    ]
    table = Table(
        [header, *rows],
        colWidths=[CONTENT_WIDTH * 0.37, CONTENT_WIDTH * 0.19, CONTENT_WIDTH * 0.19, None],
        repeatRows=1,
    )
    table.setStyle(_table_style(numbers_from=1))
    return table


def _data_table(data: DataTable) -> list:
    if not data.rows:
        return [_p(data.title, _H2), _p(_("Nothing in this period."), _SMALL)]
    texts = sum(1 for column in data.columns if not column.is_number)
    header = [
        _p(column.label, _NUMBER_BOLD if column.is_number else _CELL_BOLD)
        for column in data.columns
    ]
    body = [
        [
            _p(value, _NUMBER if column.is_number else _CELL)
            for value, column in zip(row, data.columns, strict=True)
        ]
        for row in data.display_rows()
    ]
    widths = _column_widths(data, texts)
    table = Table([header, *body], colWidths=widths, repeatRows=1)
    table.setStyle(_table_style(numbers_from=texts))
    return [CondPageBreak(40 * mm), _p(data.title, _H2), table]


def _chart(chart: charts.Chart) -> list:
    return [CondPageBreak(chart.drawing.height + 20 * mm), _p(chart.title, _H2), chart.drawing]


def story(report) -> list:
    tables = formatting.tables(report)
    sections = {section.key: section for section in formatting.sections(report)}
    by_key = {chart.key: chart for chart in charts.charts(report)}
    previous = report.period.previous()
    flow: list = [
        Spacer(0, 50 * mm),
        _p(_("Usage report"), _TITLE),
        Spacer(0, 10 * mm),
        _p(report.scope.label, _COVER),
        _p(report.period.label, _COVER),
        Spacer(0, 8 * mm),
        _p(_("Compared with: %(period)s") % {"period": previous.label}),
        _p(_("Generated on %(when)s") % {"when": _local(report.generated_at)}),
        Spacer(0, 40 * mm),
        _p(_("Lernpool · %(operator)s") % {"operator": _operator()}, _SMALL),
        PageBreak(),
        _p(_("Summary"), _H1),
        _figures_table(formatting.summary(report), first=_("Key figure")),
        PageBreak(),
        _p(_("Devices"), _H1),
        _figures_table(sections["devices"].figures, first=_("Figure")),
    ]
    if "utilization" in by_key:
        flow += _chart(by_key["utilization"])
    for key in ("pools", "lending", "types", "peaks"):
        flow += _data_table(tables[key])
    flow += [PageBreak(), _p(_("Courses"), _H1)]
    flow.append(_figures_table(sections["courses"].figures, first=_("Figure")))
    if "topics" in by_key:
        flow += _chart(by_key["topics"])
    for key in ("topics", "audiences"):
        flow += _data_table(tables[key])
    flow += [CondPageBreak(120 * mm), _p(_("Month by month"), _H1)]
    if "trend" in by_key:
        flow += _chart(by_key["trend"])[1:]
    flow += _data_table(tables["trend"])
    flow += [CondPageBreak(60 * mm), _p(_("How the figures are counted"), _H1)]
    for term, explanation in formatting.definitions():
        flow.append(
            KeepTogether(
                [
                    _p(term, ParagraphStyle("term", parent=_SMALL, fontName=BOLD)),
                    _p(explanation, _SMALL),
                ]
            )
        )
        flow.append(Spacer(0, 2 * mm))
    return flow


def _operator() -> str:
    return getattr(settings, "LERNPOOL_OPERATOR", {}).get("name", "")


def render_pdf(report) -> bytes:
    """The report as PDF bytes, in the active language."""
    buffer = io.BytesIO()
    title = f"{_('Usage report')}: {report.scope.label}, {report.period.label}"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=title,
        author="Lernpool",
        creator="Lernpool",
        subject=title,
        lang=translation.get_language() or "de",
    )
    footer = f"{report.scope.label} · {report.period.label}"
    document.build(story(report), canvasmaker=_canvas_class(footer))
    return buffer.getvalue()
