"""What reports holds about a person: export, erase (registered with accounts.privacy).

Reports hold figures, never people: what is personal is who asked for a report and who gets
the monthly email. All of it goes with the account (CASCADE).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.privacy import PersonalData, register

from .models import MonthlyReportSent, MonthlyReportSubscription, ReportRun


def export_report_runs(user: User) -> list[dict[str, Any]]:
    statuses = dict(ReportRun.Status.choices)
    return [
        {
            "scope": row["scope_label"],
            "period": row["period_label"],
            "status": str(statuses.get(row["status"], row["status"])),
            "created": row["created_at"],
            "kept_until": row["expires_at"],
        }
        for row in ReportRun.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values("scope_label", "period_label", "status", "created_at", "expires_at")
    ]


register(
    PersonalData(
        key="report_runs",
        label=_("Reports you asked for"),
        covers=("reports.ReportRun.user",),
        export=export_report_runs,
        columns=(
            ("scope", _("Scope")),
            ("period", _("Period")),
            ("status", _("Status")),
            ("created", _("Created")),
            ("kept_until", _("Kept until")),
        ),
    )
)


def export_subscriptions(user: User) -> list[dict[str, Any]]:
    return [
        {"organization": row["organization__name"], "since": row["created_at"]}
        for row in MonthlyReportSubscription.objects.filter(user=user)
        .order_by("organization__name")
        .values("organization__name", "created_at")
    ]


register(
    PersonalData(
        key="report_subscriptions",
        label=_("Monthly reports by email"),
        covers=("reports.MonthlyReportSubscription.user",),
        export=export_subscriptions,
        columns=(("organization", _("Organization")), ("since", _("Since"))),
    )
)


def export_reports_sent(user: User) -> list[dict[str, Any]]:
    return [
        {"organization": row["organization__name"], "month": row["month"], "sent": row["sent_at"]}
        for row in MonthlyReportSent.objects.filter(user=user)
        .order_by("-month", "organization__name")
        .values("organization__name", "month", "sent_at")
    ]


register(
    PersonalData(
        key="reports_sent",
        label=_("Monthly reports sent to you"),
        covers=("reports.MonthlyReportSent.user",),
        export=export_reports_sent,
        columns=(
            ("organization", _("Organization")),
            ("month", _("Month")),
            ("sent", _("Sent")),
        ),
    )
)
