"""The usage report as tidy CSV files for spreadsheets and data tools: one table per file,
with one header row and nothing above or below it, so that ``pandas.read_csv`` and a
spreadsheet's import read each without guessing. UTF-8 with a byte-order mark (so Excel reads
umlauts), ``;`` between fields and the reader's decimal separator (as German Excel expects);
every cell goes through the formula-safe writer (``core.spreadsheet``).

The tables: ``figures`` (every figure of the summary and the sections, as rows
``section;figure;value;previous;unit``), then each table of the report (per pool, lending, per
device type, busiest days, by topic, by audience, month by month). They are offered one by
one and together as a ZIP. Headers and labels are in the active language; numbers are
rounded as on the page and in the PDF, without thousands separators or units.
"""

from __future__ import annotations

import io
import zipfile

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import spreadsheet

from . import formatting

TABLES = (
    "figures",
    "districts",
    "organizations",
    "pools",
    "lending",
    "handouts",
    "types",
    "peaks",
    "topics",
    "audiences",
    "trend",
)
# Only in the report of a district or the region.
AREA_TABLES = ("districts", "organizations")


def table_titles() -> dict[str, str]:
    """Each table's title, as on the page (for the download links)."""
    return {
        "figures": _("Figures against the previous period"),
        "districts": _("Per district"),
        "organizations": _("Per organization"),
        "pools": _("Use per device pool"),
        "lending": _("Loans to residents per device pool"),
        "handouts": _("Hand-outs of teachers' bookings per device pool"),
        "types": _("Use per device type"),
        "peaks": _("Busiest days"),
        "topics": _("Courses by topic"),
        "audiences": _("Courses by audience"),
        "trend": _("Figures by month"),
    }


def _rows(report, key: str, *, sort: str = "", order: str = "") -> list[list[str]]:
    if key == "figures":
        header = [_("Section"), _("Figure"), _("Value"), _("Previous period"), _("Unit")]
        rows = [(_("Summary"), figure) for figure in formatting.summary(report)]
        for section in formatting.sections(report):
            rows += [(section.title, figure) for figure in section.figures]
        return [header] + [
            [
                title,
                figure.label,
                formatting.plain(figure.value, figure.unit),
                figure.previous_plain,
                formatting.unit_text(figure.unit),
            ]
            for title, figure in rows
        ]
    tables = formatting.tables(report)
    formatting.sort_named(tables, sort=sort, order=order)
    table = tables.get(key)
    if table is None:  # a district's or the region's table, asked of one organization's
        return []
    return [[column.csv_label for column in table.columns], *table.csv_rows()]


def tables_of(report) -> tuple[str, ...]:
    """The tables a report has: the area tables only at district and region scope."""
    if report.scope.kind == "organization":
        return tuple(key for key in TABLES if key not in AREA_TABLES)
    return TABLES


def render_table(report, key: str, *, sort: str = "", order: str = "") -> bytes:
    """One table of the report as a CSV file; ``key`` is one of ``TABLES``. Its rows are
    sorted as the page's (``sort``, ``order``: checked by ``forms.ReportQueryForm``)."""
    buffer = io.StringIO()
    spreadsheet.writer(buffer).writerows(_rows(report, key, sort=sort, order=order))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def render_zip(
    report, *, scope_key: str, period_key: str, sort: str = "", order: str = ""
) -> bytes:
    """Every table of the report, one CSV file each, in one ZIP (sorted as ``render_table``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key in tables_of(report):
            archive.writestr(
                filename(scope_key, period_key, "csv", key),
                render_table(report, key, sort=sort, order=order),
            )
    return buffer.getvalue()


def as_zip(content: bytes, name: str) -> bytes:
    """``content`` if it is a ZIP; else (the single CSV that runs built before the tables were
    split) a ZIP holding it as ``name``."""
    if zipfile.is_zipfile(io.BytesIO(content)):
        return content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def table_from_zip(content: bytes, key: str) -> bytes | None:
    """One table's CSV out of a ZIP that ``render_zip`` wrote (None if it has none). A run
    built before the tables were split holds one CSV: that is what it has for every table."""
    if not zipfile.is_zipfile(io.BytesIO(content)):
        return content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.endswith(f"-{key}.csv"):
                return archive.read(name)
    return None


def filename(scope_key: str, period_key: str, extension: str, table: str = "") -> str:
    """``usage-report-org-kronberg-2026-11.pdf`` (``…-2026-11-pools.csv`` for one table): no
    spaces, no colons; the first word in the active language (``nutzungsbericht-…``)."""
    scope = scope_key.replace(":", "-")
    period = period_key.replace("..", "_")
    suffix = f"-{table}" if table else ""
    # Not inside the f-string: xgettext does not look into f-strings (it never collected it).
    # Translators: the start of a download's file name: lower case, no spaces, no umlauts.
    name = pgettext("file name", "usage-report")
    return f"{name}-{scope}-{period}{suffix}.{extension}"
