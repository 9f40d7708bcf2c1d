"""The report pages: the form with "my reports" and the monthly opt-in, the report itself as
HTML, PDF and CSV, and the status page and files of a report built in the background.

Org admins report on their organizations, region admins on anything; everyone else gets
404 on every page and download. A report built in the background belongs to the person who
asked for it: nobody else sees it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.htmx import partial_request
from organizations.models import Organization, Role

from . import csv_export, html, pdf, services
from .figures import build_report, report_size
from .forms import ReportForm, ReportQueryForm, SubscriptionForm, TableForm
from .models import ReportRun, report_days
from .periods import Period
from .scope import REGION, Scope, allowed_scopes

MY_REPORTS_SHOWN = 50
# Bigger than this (report_size: organizations × days) is built in the background.
DEFAULT_SIZE_LIMIT = 6000
# The whole region over more than a quarter is always built in the background.
REGION_DAYS_AT_ONCE = 92


def size_limit() -> int:
    return int(getattr(settings, "LERNPOOL_REPORT_SIZE_LIMIT", DEFAULT_SIZE_LIMIT))


def needs_background(scope: Scope, period: Period) -> bool:
    if scope.kind == REGION and period.days > REGION_DAYS_AT_ONCE:
        return True
    return report_size(scope, period) > size_limit()


def _scopes_or_404(request: HttpRequest) -> list[Scope]:
    scopes = allowed_scopes(request.user)
    if not scopes:
        raise Http404
    return scopes


def subscribable(user):
    """The organizations whose monthly report a person may receive: those where they hold
    the org-admin role (a region admin's reports are asked for on the form)."""
    return Organization.objects.filter(
        memberships__user=user, memberships__role=Role.ORG_ADMIN
    ).distinct()


def query(scope: Scope, period: Period) -> str:
    return urlencode({"period": period.key, "scope": scope.key}, safe=":")


# ---------------------------------------------------------------------------------------
# The form, my reports, the monthly opt-in


def _index(request: HttpRequest, form: ReportForm, *, status: int = 200) -> HttpResponse:
    runs = list(
        ReportRun.objects.for_user(request.user).current().without_files()[:MY_REPORTS_SHOWN]
    )
    organizations = subscribable(request.user).order_by("name")
    subscription_form = SubscriptionForm(
        organizations=organizations,
        initial={"organizations": organizations.filter(report_subscriptions__user=request.user)},
    )
    context = {
        "form": form,
        "runs": runs,
        "subscription_form": subscription_form,
        "can_subscribe": bool(subscription_form.fields["organizations"].choices),
        "report_days": report_days(),
    }
    return render(request, "reports/index.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The form. Submitted: a small report opens at once, a large one is built in the
    background (a ReportRun) and the person is taken to its status page."""
    scopes = _scopes_or_404(request)
    form = ReportForm(request.POST or None, scopes=scopes)
    if request.method != "POST":
        return _index(request, form)
    if not form.is_valid():
        return _index(request, form, status=400)
    scope, period = form.chosen_scope, form.chosen_period
    if not needs_background(scope, period):
        return redirect(f"{reverse('reports:report')}?{query(scope, period)}")
    run = services.request_report(
        by=request.user,
        scope=scope,
        period=period,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    return redirect(run)


@require_POST
@login_required
def subscribe(request: HttpRequest) -> HttpResponse:
    """Save which organizations' monthly report the person gets by email."""
    organizations = subscribable(request.user)
    if not organizations.exists():
        raise Http404
    form = SubscriptionForm(request.POST, organizations=organizations)
    if not form.is_valid():
        messages.error(request, _("Please choose from the organizations listed."))
        return redirect("reports:index")
    chosen = list(form.cleaned_data["organizations"])
    services.set_monthly_subscriptions(by=request.user, organizations=chosen)
    if chosen:
        messages.success(request, _("Saved. The monthly report will come by email."))
    else:
        messages.success(request, _("Saved. You will get no monthly report by email."))
    return redirect(f"{reverse('reports:index')}#monthly-heading")


# ---------------------------------------------------------------------------------------
# One report: HTML, PDF, CSV


def _bad_request(request: HttpRequest, form) -> HttpResponse:
    return render(request, "reports/bad_request.html", {"form": form}, status=400)


def _chosen(request: HttpRequest) -> ReportQueryForm | HttpResponse:
    """The report a query string names (with its sort order and table, checked), or the 400
    page that says what is wrong with it."""
    form = ReportQueryForm(request.GET, scopes=_scopes_or_404(request))
    if form.is_valid():
        return form
    return _bad_request(request, form)


def _large(request: HttpRequest, scope: Scope, period: Period) -> HttpResponse:
    return render(request, "reports/report_large.html", {"scope": scope, "period": period})


@require_safe
@login_required
def report(request: HttpRequest) -> HttpResponse:
    """``?period=…&scope=…``: the report as an accessible page."""
    chosen = _chosen(request)
    if isinstance(chosen, HttpResponse):
        return chosen
    scope, period = chosen.chosen_scope, chosen.chosen_period
    if needs_background(scope, period):
        return _large(request, scope, period)
    built = build_report(scope=scope, period=period)
    query_string = query(scope, period)
    sort, order = chosen.cleaned_data["sort"], chosen.cleaned_data["order"]
    sorted_query = f"&{urlencode({'sort': sort, 'order': order})}" if sort else ""
    context = html.report_context(
        built,
        pdf_url=f"{reverse('reports:pdf')}?{query_string}{sorted_query}",
        csv_url=f"{reverse('reports:csv')}?{query_string}{sorted_query}",
        zip_url=f"{reverse('reports:zip')}?{query_string}{sorted_query}",
        page_url=f"{reverse('reports:report')}?{query_string}",
        sort=sort,
        order=order,
    )
    return render(request, "reports/report.html", context)


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _file(request: HttpRequest, kind: str) -> HttpResponse:
    chosen = _chosen(request)
    if isinstance(chosen, HttpResponse):
        return chosen
    scope, period = chosen.chosen_scope, chosen.chosen_period
    table = chosen.cleaned_data["table"] if kind == "csv" else ""
    if needs_background(scope, period):
        return _large(request, scope, period)
    built = build_report(scope=scope, period=period)
    if kind == "csv" and table not in csv_export.tables_of(built):
        raise Http404  # a district's or the region's table, asked of one organization's
    sorted_as = {"sort": chosen.cleaned_data["sort"], "order": chosen.cleaned_data["order"]}
    if kind == "pdf":
        sorted_query = f"&{urlencode(sorted_as)}" if sorted_as["sort"] else ""
        content = pdf.render_pdf(
            built,
            csv_url=f"{reverse('reports:csv')}?{query(scope, period)}{sorted_query}",
            **sorted_as,
        )
        content_type = "application/pdf"
    elif kind == "zip":
        content = csv_export.render_zip(
            built, scope_key=scope.key, period_key=period.key, **sorted_as
        )
        content_type = "application/zip"
    else:
        content = csv_export.render_table(built, table, **sorted_as)
        content_type = "text/csv; charset=utf-8"
    name = csv_export.filename(scope.key, period.key, kind, table)
    return _download(content, name, content_type)


@require_safe
@login_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    return _file(request, "pdf")


@require_safe
@login_required
def report_csv(request: HttpRequest) -> HttpResponse:
    """One table of the report (``?table=…``, see ``csv_export.TABLES``) as CSV."""
    return _file(request, "csv")


@require_safe
@login_required
def report_zip(request: HttpRequest) -> HttpResponse:
    """Every table of the report as CSV, in one ZIP."""
    return _file(request, "zip")


# ---------------------------------------------------------------------------------------
# Reports built in the background


def _own_run(request: HttpRequest, pk: int, *, files: bool = False) -> ReportRun:
    runs = ReportRun.objects.for_user(request.user).current()
    return get_object_or_404(runs if files else runs.without_files(), pk=pk)


@require_safe
@login_required
def run(request: HttpRequest, pk: int) -> HttpResponse:
    """How far the build is; htmx asks again every 2 seconds until it is done or failed."""
    report_run = _own_run(request, pk)
    template = "reports/run.html" + ("#run-status" if partial_request(request) else "")
    response = render(request, template, {"run": report_run})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _done_run(request: HttpRequest, pk: int) -> ReportRun:
    report_run = _own_run(request, pk, files=True)
    if not report_run.is_done:
        raise Http404
    return report_run


def _run_filename(report_run: ReportRun, extension: str, table: str = "") -> str:
    """Named in the language the run was built in, as its files' contents and the names of
    the CSV files in its ZIP."""
    with translation.override(report_run.language):
        return csv_export.filename(report_run.scope_key, report_run.period_key, extension, table)


@require_safe
@login_required
def run_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report_run = _done_run(request, pk)
    return _download(bytes(report_run.pdf), _run_filename(report_run, "pdf"), "application/pdf")


@require_safe
@login_required
def run_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """One table (``?table=…``) of a report built in the background. The run keeps the ZIP
    of all tables (in its ``csv`` field) and hands out one member of it."""
    table_form = TableForm(request.GET)
    if not table_form.is_valid():
        return _bad_request(request, table_form)
    table = table_form.cleaned_data["table"]
    report_run = _done_run(request, pk)
    content = csv_export.table_from_zip(bytes(report_run.csv), table)
    if content is None:
        raise Http404
    return _download(content, _run_filename(report_run, "csv", table), "text/csv; charset=utf-8")


@require_safe
@login_required
def run_zip(request: HttpRequest, pk: int) -> HttpResponse:
    report_run = _done_run(request, pk)
    content = csv_export.as_zip(bytes(report_run.csv), _run_filename(report_run, "csv"))
    return _download(content, _run_filename(report_run, "zip"), "application/zip")


@require_safe
@login_required
def run_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The page of a report built in the background, as it was built (in the language it
    was asked for)."""
    report_run = _done_run(request, pk)
    return render(request, "reports/run_report.html", {"run": report_run, "now": timezone.now()})
