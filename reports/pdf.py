"""The usage report as a tagged PDF (PDF/UA-1): the report page's own body
(templates/reports/report.html, ``report-body``) set for paper by the print stylesheet, so
the PDF has the page's headings, tables and charts and the same figures.

Texts are in the active language (the reader's). Nothing here touches the database: it
prints a Report.
"""

from __future__ import annotations

from core import html_pdf

from . import html


def render_pdf(report) -> bytes:
    """The report as PDF bytes, in the active language."""
    context = html.report_context(report, pdf_url="", csv_url="", zip_url="")
    return html_pdf.render_pdf("reports/report_pdf.html", context)
