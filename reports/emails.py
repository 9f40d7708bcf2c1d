"""The monthly report by email: last month's report of an organization, as a PDF attached,
to each of its admins who opted in, in their own language, once per month."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from accounts.models import User
from core.mail import send_to_user
from organizations.models import Organization, Role

from . import csv_export, formatting, pdf
from .figures import build_report
from .models import MonthlyReportSent
from .periods import month_period
from .scope import organization_scope

logger = logging.getLogger(__name__)


def recipients(organization: Organization, month: datetime.date):
    """Active people who opted in, still hold the org-admin role there, and have not had
    this month's report yet."""

    return (
        User.objects.filter(
            is_active=True,
            report_subscriptions__organization=organization,
            memberships__organization=organization,
            memberships__role=Role.ORG_ADMIN,
        )
        .exclude(
            pk__in=MonthlyReportSent.objects.filter(organization=organization, month=month).values(
                "user"
            )
        )
        .distinct()
        .order_by("pk")
    )


def _claim(user, organization: Organization, month: datetime.date) -> MonthlyReportSent | None:
    """The sent marker, written before sending: a second run at the same time finds it and
    sends nothing. None when someone else holds it."""
    try:
        with transaction.atomic():
            return MonthlyReportSent.objects.create(
                user=user, organization=organization, month=month
            )
    except IntegrityError:
        return None


def send_monthly_report(organization_id: int, month: datetime.date) -> int:
    """Send ``month``'s report of the organization to every recipient; returns how many got
    it. The report is built once per language the recipients read."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    month = month.replace(day=1)
    people = list(recipients(organization, month))
    built: dict[str, tuple] = {}
    sent = 0
    for person in people:
        language = person.preferred_language or settings.LANGUAGE_CODE
        if language not in built:
            with translation.override(language):
                period = month_period(month)
                report = build_report(scope=organization_scope(organization), period=period)
                built[language] = (
                    report,
                    pdf.render_pdf(report),
                    csv_export.filename(report.scope.key, period.key, "pdf"),
                )
        report, content, name = built[language]
        marker = _claim(person, organization, month)
        if marker is None:
            continue
        try:
            with translation.override(language):
                summary = formatting.summary(report)
            send_to_user(
                person,
                "reports/monthly",
                {
                    "organization": organization,
                    "period": report.period,
                    "summary": summary,
                },
                attachments=[(name, content, "application/pdf")],
            )
        except Exception:
            # Not sent: without its marker the next run tries again.
            marker.delete()
            logger.exception("Monthly report of %s to user %s failed", organization.pk, person.pk)
            continue
        sent += 1
    return sent


def last_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def organizations_to_send(month: datetime.date):
    """Organizations with at least one person still waiting for ``month``'s report."""
    return Organization.objects.filter(report_subscriptions__isnull=False).distinct().order_by("pk")
