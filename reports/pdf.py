"""The usage report as a tagged PDF (PDF/UA-1): the report page's own body
(templates/reports/report.html, ``report-body``) set for paper by the print stylesheet, so
the PDF has the page's headings, tables and charts and the same figures.

Texts are in the active language (the reader's). Nothing here touches the database: it
prints a Report.
"""

from __future__ import annotations

from core import html_pdf

from . import html


def render_pdf(report, *, sort: str = "", order: str = "") -> bytes:
    """The report as PDF bytes, in the active language, its tables sorted as the page's
    (``sort``, ``order``: checked by ``forms.ReportQueryForm``). Paper has no sort links:
    the column headings are plain."""
    context = html.report_context(
        report, pdf_url="", csv_url="", zip_url="", sort=sort, order=order
    )
    for table in context["tables"].values():
        table.headers = []
    return html_pdf.render_pdf("reports/report_pdf.html", context)
