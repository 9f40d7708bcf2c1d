"""The usage report as CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads
umlauts), ``;`` between fields and the reader's decimal separator (as German Excel expects).

First the figures as rows ``section;figure;value;previous;unit``, then each table (per pool,
per device type, busiest days, by topic, by audience, month by month) under its title with
its own header row. Headers and labels are in the active language; numbers are rounded as on
the page and in the PDF, without thousands separators or units.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from . import formatting

TABLES = ("pools", "lending", "types", "peaks", "topics", "audiences", "trend")


def render_csv(report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Usage report"), report.scope.label, report.period.label])
    writer.writerow([_("Compared with"), report.period.previous().label])
    writer.writerow([])
    writer.writerow([_("Section"), _("Figure"), _("Value"), _("Previous period"), _("Unit")])
    rows = [(_("Summary"), figure) for figure in formatting.summary(report)]
    for section in formatting.sections(report):
        rows += [(section.title, figure) for figure in section.figures]
    for title, figure in rows:
        writer.writerow(
            [
                title,
                figure.label,
                formatting.plain(figure.value, figure.unit),
                formatting.plain(figure.previous, figure.unit),
                formatting.unit_text(figure.unit),
            ]
        )
    tables = formatting.tables(report)
    for key in TABLES:
        table = tables[key]
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([column.csv_label for column in table.columns])
        writer.writerows(table.csv_rows())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def filename(scope_key: str, period_key: str, extension: str) -> str:
    """``usage-report-org-kronberg-2026-11.pdf``: no spaces, no colons."""
    scope = scope_key.replace(":", "-")
    period = period_key.replace("..", "_")
    return f"{_('usage-report')}-{scope}-{period}.{extension}"
