"""The writes of reports: asking for a report built in the background, and choosing which
monthly reports come by email. (The build itself, with its progress, is the task's.)"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from accounts.audit import log_action
from accounts.models import User
from organizations.models import Organization

from .models import MonthlyReportSubscription, ReportRun
from .periods import Period
from .scope import Scope
from .tasks import build_report_file


def request_report(*, by: User, scope: Scope, period: Period, language: str) -> ReportRun:
    """Queue a report for the background; its files are built by ``build_report_file``.
    ``scope`` must come from ``parse_scope``/``allowed_scopes`` for ``by``."""

    with transaction.atomic():
        run = ReportRun.objects.create(
            user=by,
            scope_key=scope.key,
            scope_label=scope.label,
            period_key=period.key,
            period_label=period.label,
            language=language,
        )
        log_action(by, "reports.requested", run, scope=scope.key, period=period.key)
    transaction.on_commit(partial(build_report_file.enqueue, run.pk))
    return run


def set_monthly_subscriptions(*, by: User, organizations: list[Organization]) -> None:
    """The person gets the monthly report of exactly these organizations (which the caller
    has checked they administer)."""
    with transaction.atomic():
        MonthlyReportSubscription.objects.filter(user=by).exclude(
            organization__in=organizations
        ).delete()
        for organization in organizations:
            MonthlyReportSubscription.objects.get_or_create(user=by, organization=organization)
