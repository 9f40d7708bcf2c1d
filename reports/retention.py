"""What reports forgets by itself, and its privacy-notice lines (see accounts/privacy.py).

A report built in the background is kept for ``LERNPOOL_REPORT_DAYS`` (its ``expires_at``);
the builder task deletes expired ones whenever it runs, and the daily job does too, so they
also go on days when nobody builds a report.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.privacy import Retention, register_retention

from .models import ReportRun, report_days


def delete_expired_runs(now: datetime.datetime) -> int:
    """Delete the report files whose time is up (the same rule as ``ReportRun.expired()``,
    measured at ``now``)."""
    deleted, _per_model = ReportRun.objects.filter(expires_at__lte=now).delete()
    return deleted


def _kept() -> str:
    days = report_days()
    return ngettext("%(days)d day, then deleted", "%(days)d days, then deleted", days) % {
        "days": days
    }


register_retention(
    Retention(
        key="reports.runs",
        purpose=gettext_lazy("Reports you had built in the background"),
        stored=gettext_lazy("The report files (figures only, no names), who asked, when."),
        kept=_kept,
        apply=delete_expired_runs,
        order=50,
    )
)

register_retention(
    Retention(
        key="reports.subscriptions",
        purpose=gettext_lazy("The monthly report by email (organization admins)"),
        stored=gettext_lazy("That you asked for it, and which months were sent to you."),
        kept=lambda: _("Until you unsubscribe; it ends with your account"),
        order=51,
    )
)
