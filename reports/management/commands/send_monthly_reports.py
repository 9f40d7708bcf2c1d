"""Monthly (e.g. on the 1st): last month's report to every org admin who opted in, and
the removal of background reports past their keeping time. Safe to run twice: each person
gets each organization's month once (a sent marker per person, organization and month)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.emails import last_month, organizations_to_send
from reports.models import ReportRun
from reports.tasks import send_monthly_report


class Command(BaseCommand):
    help = "Email last month's usage report to the organization admins who opted in (once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--month",
            help="The month to report on, as YYYY-MM (default: last month).",
        )

    def handle(self, *args, month: str | None = None, **options) -> None:
        if month:
            try:
                first = datetime.date.fromisoformat(f"{month}-01")
            except ValueError as error:
                raise CommandError("--month must look like 2026-11.") from error
        else:
            first = last_month(timezone.localdate())
        removed, _details = ReportRun.objects.expired().delete()
        organizations = list(organizations_to_send(first))
        for organization in organizations:
            send_monthly_report.enqueue(organization.pk, first.isoformat())
        self.stdout.write(
            f"Monthly report of {first:%Y-%m} queued for {len(organizations)} organization(s); "
            f"{removed} expired report file(s) removed."
        )
