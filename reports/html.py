"""The report as HTML: the page's context, and the report body that a background build
stores (beside reports/pdf.py and reports/csv_export.py), so the task needs no view."""

from __future__ import annotations

from django.template.loader import render_to_string

from . import charts, csv_export, formatting


def csv_links(csv_url: str) -> list[tuple[str, str]]:
    """Each table's title and the address of its CSV file."""
    joiner = "&" if "?" in csv_url else "?"
    return [
        (title, f"{csv_url}{joiner}table={key}") for key, title in csv_export.table_titles().items()
    ]


def report_context(report, *, pdf_url: str, csv_url: str, zip_url: str) -> dict:
    """What the report page (and a background build's stored HTML) renders."""
    return {
        "report": report,
        "summary": formatting.summary(report),
        "sections": {section.key: section for section in formatting.sections(report)},
        "tables": formatting.tables(report),
        "charts": {chart.key: chart for chart in charts.charts(report)},
        "definitions": formatting.definitions(),
        "previous_period": report.period.previous(),
        "pdf_url": pdf_url,
        "csv_links": csv_links(csv_url),
        "zip_url": zip_url,
    }


def render_report_body(report, *, pdf_url: str, csv_url: str, zip_url: str) -> str:
    context = report_context(report, pdf_url=pdf_url, csv_url=csv_url, zip_url=zip_url)
    return render_to_string("reports/report.html#report-body", context)
