"""Background work of reports: building a large report's files, and the monthly emails.
Ids and strings in, nothing heavy on import."""

from __future__ import annotations

import datetime
import logging

from django.http import Http404
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import csv_export, emails, figures, html, pdf
from .models import ReportRun
from .periods import parse_period
from .scope import parse_scope

logger = logging.getLogger(__name__)

# build_report's own progress fills 0–85 %; the PDF, the CSV and the page the rest.
FIGURES_SHARE = 85


@task()
def build_report_file(run_id: int) -> str:
    """Build a queued ReportRun: the figures (writing progress as they come), then the PDF,
    the CSV and the page, in the language the person asked in. Returns the final status.
    A run that is no longer queued (taken by another worker, or deleted) is left alone."""

    ReportRun.objects.expired().delete()
    if not ReportRun.objects.filter(pk=run_id, status=ReportRun.Status.QUEUED).update(
        status=ReportRun.Status.RUNNING, progress=0
    ):
        return "skipped"
    run = ReportRun.objects.without_files().select_related("user").get(pk=run_id)
    with translation.override(run.language):
        try:
            files = _build_files(run)
        except Exception:
            logger.exception("Report run %s failed", run_id)
            ReportRun.objects.filter(pk=run_id).update(
                status=ReportRun.Status.FAILED,
                message=_("The report could not be built. Please try again later."),
                finished_at=timezone.now(),
            )
            return ReportRun.Status.FAILED.value
    ReportRun.objects.filter(pk=run_id).update(
        status=ReportRun.Status.DONE,
        progress=100,
        message="",
        finished_at=timezone.now(),
        **files,
    )
    return ReportRun.Status.DONE.value


def _build_files(run) -> dict:

    def progress(percent: float, message: str = "") -> None:
        # Fraction of the whole job; written at once so the status page shows it.
        ReportRun.objects.filter(pk=run.pk).update(
            progress=max(0, min(99, int(percent))), message=str(message)[:250]
        )

    try:
        scope = parse_scope(run.scope_key, run.user)
    except Http404:
        raise PermissionError("The person may no longer report on this scope.") from None
    period = parse_period(run.period_key)
    report = figures.build_report(
        scope=scope,
        period=period,
        progress=lambda percent, message="": progress(percent * FIGURES_SHARE / 100, message),
    )
    progress(FIGURES_SHARE + 5, _("Writing the PDF"))
    pdf_bytes = pdf.render_pdf(report, csv_url=reverse("reports:run_csv", kwargs={"pk": run.pk}))
    progress(FIGURES_SHARE + 10, _("Writing the CSV and the page"))
    body = html.render_report_body(
        report,
        pdf_url=reverse("reports:run_pdf", kwargs={"pk": run.pk}),
        csv_url=reverse("reports:run_csv", kwargs={"pk": run.pk}),
        zip_url=reverse("reports:run_zip", kwargs={"pk": run.pk}),
    )
    # The run's ``csv`` holds the ZIP of every table; run_csv hands out one member of it.
    tables = csv_export.render_zip(report, scope_key=run.scope_key, period_key=run.period_key)
    return {"pdf": pdf_bytes, "csv": tables, "html": body}


@task()
def send_monthly_report(organization_id: int, month: str) -> int:
    """Last month's report of one organization to each of its admins who opted in and has
    not had it yet. ``month`` is ISO (``2026-11-01``). Returns how many were sent."""

    return emails.send_monthly_report(organization_id, datetime.date.fromisoformat(month))
