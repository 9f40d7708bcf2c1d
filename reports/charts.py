"""The report's charts, drawn once with reportlab.graphics and put into the report page as
inline SVG (renderSVG); the PDF is rendered from that page, so it shows the same SVG.

Readable in black and white: grey bars with black outlines, lines told apart by dash
pattern and marker shape (and a legend that shows both), value axes from zero with a
labelled unit. No colour carries meaning. On the page each chart has a caption and is
followed by its data table, which is its text alternative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from core import pdf_fonts

from . import formatting
from .formatting import TEXT, Column, DataTable

WIDTH = 480
FONT, BOLD = pdf_fonts.register()
GREY = colors.HexColor("#9aa3ad")
DARK = colors.HexColor("#3b4350")
LABEL_WIDTH = 150  # room for the category names left of horizontal bars
BAR_HEIGHT = 16
MAX_LABEL = 28
# More pools than this: the utilization chart shows device types instead.
MAX_POOL_BARS = 15
# (dash pattern, marker) per line, so each line is told apart without colour.
LINE_STYLES = [(None, "FilledSquare"), ([6, 3], "Circle"), ([2, 2], "FilledTriangle")]


def _short(label: str) -> str:
    label = str(label)
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


@dataclass
class Chart:
    key: str
    title: str
    axis_label: str
    drawing: Drawing
    table: DataTable
    extra: dict = field(default_factory=dict)

    @property
    def caption_id(self) -> str:
        return f"chart-{self.key}-caption"

    @property
    def alt(self) -> str:
        """The chart's text alternative (the SVG's ``<title>``, the PDF figure's /Alt)."""
        chart = _("Chart: %(title)s") % {"title": self.title}
        same = _("The table below the chart has the same figures.")  # xgettext skips f-strings
        return f"{chart}. {same}"

    def svg(self) -> str:
        return to_svg(
            self.drawing, prefix=f"chart-{self.key}", labelledby=self.caption_id, title=self.alt
        )


# ---------------------------------------------------------------------------------------
# Bar and line charts


def bar_chart(
    labels: list[str], values: list[float], *, axis_label: str, percent: bool = False
) -> Drawing:
    """Horizontal grey bars (long names stay readable), from zero, each with its value."""
    count = max(len(values), 1)
    plot_height = count * (BAR_HEIGHT + 6)
    height = plot_height + 50
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = LABEL_WIDTH, 35
    chart.width, chart.height = WIDTH - LABEL_WIDTH - 50, plot_height
    # reportlab draws the first category at the bottom; reverse so the table order reads
    # top-down in the chart as well.
    chart.data = [[value or 0 for value in reversed(values)] or [0]]
    chart.categoryAxis.categoryNames = [_short(label) for label in reversed(labels)] or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.valueAxis.valueMin = 0
    largest = max([value or 0 for value in values] or [0])
    if percent:
        chart.valueAxis.valueMax = 100
        chart.valueAxis.valueStep = 20
    elif largest <= 0:
        chart.valueAxis.valueMax = 1
        chart.valueAxis.valueStep = 1
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.labelTextFormat = _axis_number
    chart.bars[0].fillColor = GREY
    chart.bars[0].strokeColor = colors.black
    chart.bars[0].strokeWidth = 0.6
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.barLabelFormat = _axis_number
    drawing.add(chart)
    drawing.add(
        String(
            LABEL_WIDTH + chart.width / 2,
            8,
            axis_label,
            fontName=FONT,
            fontSize=8,
            textAnchor="middle",
        )
    )
    return drawing


def line_chart(
    months: list[str], series: list[tuple[str, list[float | None]]], *, axis_label: str
) -> Drawing:
    """Lines over months, from zero to 100 %, told apart by dash and marker."""
    height = 230
    drawing = Drawing(WIDTH, height)
    chart = HorizontalLineChart()
    chart.x, chart.y = 50, 60
    chart.width, chart.height = WIDTH - 70, height - 90
    chart.data = [[value for value in values] for _name, values in series] or [[0]]
    chart.categoryAxis.categoryNames = months or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(months) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(months) > 6 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.labelTextFormat = _axis_number
    chart.joinedLines = 1
    for index, _series in enumerate(series):
        dash, marker = LINE_STYLES[index % len(LINE_STYLES)]
        line = chart.lines[index]
        line.strokeColor = colors.black if index == 0 else DARK
        line.strokeWidth = 1.4
        line.strokeDashArray = dash
        line.symbol = makeMarker(marker, size=5)
        line.symbol.fillColor = colors.black if marker.startswith("Filled") else colors.white
        line.symbol.strokeColor = colors.black
    drawing.add(chart)
    drawing.add(String(12, chart.y + chart.height / 2, axis_label, fontName=FONT, fontSize=8))
    # The legend: a sample of each line with its marker, then its name.
    x = chart.x
    for index, (name, _values) in enumerate(series):
        dash, marker = LINE_STYLES[index % len(LINE_STYLES)]
        y = 12
        drawing.add(
            Line(
                x,
                y + 3,
                x + 28,
                y + 3,
                strokeColor=colors.black if index == 0 else DARK,
                strokeWidth=1.4,
                strokeDashArray=dash,
            )
        )
        symbol = makeMarker(marker, size=5)
        symbol.x, symbol.y = x + 14, y + 3
        symbol.fillColor = colors.black if marker.startswith("Filled") else colors.white
        symbol.strokeColor = colors.black
        drawing.add(symbol)
        drawing.add(String(x + 34, y, name, fontName=FONT, fontSize=8))
        x += 44 + len(name) * 4.6
    return drawing


def _axis_number(value: float) -> str:
    decimals = 0 if float(value).is_integer() else 1
    return formats.number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True)


# ---------------------------------------------------------------------------------------
# The report's charts


def utilization_chart(report) -> Chart | None:
    devices = report.devices
    by_pool = len(devices.pools) <= MAX_POOL_BARS
    rows = (
        [(p.pool, p.utilization) for p in devices.pools]
        if by_pool
        else [(t.label, t.utilization) for t in devices.by_type]
    )
    if not rows:
        return None
    title = _("Utilization per device pool") if by_pool else _("Utilization per device type")
    first = _("Pool") if by_pool else _("Device type")
    percents = [round((value or 0) * 100, 1) for _label, value in rows]
    return Chart(
        "utilization",
        title,
        _("Utilization in %"),
        bar_chart(
            [label for label, _value in rows],
            percents,
            axis_label=_("Utilization in %"),
            percent=True,
        ),
        DataTable(
            "chart-utilization",
            title,
            [Column(first, TEXT), Column(_("Utilization"), "%")],
            [[label, value] for label, value in rows],
        ),
    )


def topic_chart(report) -> Chart | None:
    rows = [(group.label, group.enrolments) for group in report.courses.by_topic]
    if not rows:
        return None
    title = _("Enrolments by topic")
    return Chart(
        "topics",
        title,
        _("Enrolments"),
        bar_chart(
            [label for label, _value in rows],
            [value for _label, value in rows],
            axis_label=_("Enrolments"),
        ),
        DataTable(
            "chart-topics",
            title,
            [Column(_("Topic"), TEXT), Column(_("Enrolments"))],
            [[label, value] for label, value in rows],
        ),
    )


def trend_chart(report) -> Chart | None:
    months = report.trend
    if not months:
        return None
    title = _("Utilization and attendance month by month")
    names = [formatting.display(m.month, formatting.MONTH) for m in months]
    series = [
        (_("Utilization"), [_percent(m.utilization) for m in months]),
        (_("Attendance"), [_percent(m.attendance_rate) for m in months]),
    ]
    # A line needs two points: a month alone (or a figure with no value in most months)
    # is left to the table.
    series = [(name, values) for name, values in series if _points(values) >= 2]
    if len(months) < 2 or not series:
        return None
    return Chart(
        "trend",
        title,
        _("in %"),
        line_chart(names, series, axis_label="%"),
        DataTable(
            "chart-trend",
            title,
            [
                Column(_("Month"), formatting.MONTH),
                Column(_("Utilization"), "%"),
                Column(_("Attendance"), "%"),
            ],
            [[m.month, m.utilization, m.attendance_rate] for m in months],
        ),
    )


def _points(values: list[float | None]) -> int:
    return sum(1 for value in values if value is not None)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def charts(report) -> list[Chart]:
    return [
        chart
        for chart in (utilization_chart(report), topic_chart(report), trend_chart(report))
        if chart is not None
    ]


# ---------------------------------------------------------------------------------------
# SVG for the page

_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_STYLE = re.compile(r'\sstyle="([^"]*)"')
_TITLE_DESC = re.compile(r"\s*<(title|desc)>.*?</\1>", re.DOTALL)
_ID = re.compile(r'\sid="([^"]+)"')
_FONT = re.compile(r'font-family="LernpoolSans[^"]*"')
_URL = re.compile(r"url\(#([^)]+)\)")


def _presentation_attributes(match: re.Match) -> str:
    """``style="fill: red; stroke: none"`` → ``fill="red" stroke="none"``: the page's
    Content Security Policy refuses style attributes, but SVG takes the same properties as
    presentation attributes."""
    attributes = []
    for declaration in match.group(1).split(";"):
        name, _sep, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        # reportlab writes "fill: None"; as an attribute only "none" means no fill.
        value = "none" if value == "None" else value
        if name and value:
            attributes.append(f'{name}="{escape(value, {chr(34): "&quot;"})}"')
    return (" " + " ".join(attributes)) if attributes else ""


def to_svg(drawing: Drawing, *, prefix: str, labelledby: str, title: str = "") -> str:
    """The drawing as an inline ``<svg role="img">`` labelled by the caption with the id
    ``labelledby``, with ``title`` as its ``<title>`` (the tagged PDF's alternative text of
    the figure); its own ids get ``prefix`` so several charts share one page."""
    svg = renderSVG.drawToString(drawing)
    svg = _PROLOGUE.sub("", svg, count=1)
    svg = _TITLE_DESC.sub("", svg)
    svg = _STYLE.sub(_presentation_attributes, svg)
    # Drawn in the pages' own font (Fira Sans, which the page and the PDF serve themselves)
    # rather than under the name reportlab measured the text with.
    svg = _FONT.sub('font-family="Fira Sans, sans-serif"', svg)
    svg = _ID.sub(lambda m: f' id="{prefix}-{m.group(1)}"', svg)
    svg = _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = svg.replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{labelledby}" focusable="false" '
        'class="report-chart__svg" ',
        1,
    )
    if title:
        svg = re.sub(
            r"(<svg\b[^>]*>)", lambda m: f"{m.group(1)}<title>{escape(title)}</title>", svg, count=1
        )
    return svg.strip()
