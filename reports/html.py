"""The report as HTML: the page's context, and the report body that a background build
stores (beside reports/pdf.py and reports/csv_export.py), so the task needs no view."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from . import charts, csv_export, findings, formatting
from .formatting import ASCENDING, DESCENDING


def csv_links(report, csv_url: str) -> list[tuple[str, str]]:
    """Each table's title and the address of its CSV file."""
    joiner = "&" if "?" in csv_url else "?"
    titles = csv_export.table_titles()
    return [(titles[key], f"{csv_url}{joiner}table={key}") for key in csv_export.tables_of(report)]


def sort_tables(
    tables: dict[str, formatting.DataTable], *, sort: str, order: str, page_url: str
) -> None:
    """Sort the table ``sort`` names and give every sortable table's columns their sort
    links (a link per header, ``aria-sort`` on the sorted one): sorting works without
    JavaScript, by following a link."""
    formatting.sort_named(tables, sort=sort, order=order)
    for table in tables.values():
        if not table.sortable:
            continue
        table.headers = []
        for column in table.columns:
            current = table.sorted_by == column.key
            next_order = ASCENDING if current and table.descending else DESCENDING
            if not current and not column.is_number:
                next_order = ASCENDING
            query = urlencode({"sort": f"{table.key}.{column.key}", "order": next_order})
            href = f"{page_url}&{query}#table-{table.key}-heading"
            aria_sort = ""
            if current:
                aria_sort = "descending" if table.descending else "ascending"
            hint = (
                _("sort in descending order")
                if next_order == DESCENDING
                else _("sort in ascending order")
            )
            table.headers.append((column, href, aria_sort, hint))


def responsibility(report) -> dict:
    """Who published the report, when, and from what data (the page's closing block)."""
    operator = getattr(settings, "LERNPOOL_OPERATOR", {})
    return {
        "operator": operator.get("name", ""),
        "address": operator.get("address", ""),
        "email": operator.get("email", ""),
        "logo": operator.get("logo", ""),
    }


class ByKey(dict):
    """The report's tables or charts by key; one a scope or period does not have reads as
    ``None`` (``{% if charts.topics %}``: an organization without courses has no topic chart,
    a single organization no per-organization table)."""

    def __missing__(self, key: str) -> None:
        return None


def report_context(
    report,
    *,
    pdf_url: str,
    csv_url: str,
    zip_url: str,
    page_url: str = "",
    sort: str = "",
    order: str = "",
) -> dict:
    """What the report page (and a background build's stored HTML) renders."""
    tables = formatting.tables(report)
    sort_tables(tables, sort=sort, order=order, page_url=page_url or pdf_url)
    return {
        "report": report,
        "findings": findings.findings(report),
        "summary": formatting.summary(report),
        "sections": {section.key: section for section in formatting.sections(report)},
        "tables": ByKey(tables),
        "charts": ByKey((chart.key, chart) for chart in charts.charts(report)),
        "definitions": formatting.definitions(),
        "previous_period": report.previous_period,
        "responsibility": responsibility(report),
        "pdf_url": pdf_url,
        "csv_links": csv_links(report, csv_url),
        "zip_url": zip_url,
    }


def render_report_body(report, *, pdf_url: str, csv_url: str, zip_url: str) -> str:
    page_url = f"{reverse('reports:report')}?{pdf_url.partition('?')[2]}"
    context = report_context(
        report, pdf_url=pdf_url, csv_url=csv_url, zip_url=zip_url, page_url=page_url
    )
    return render_to_string("reports/report.html#report-body", context)
