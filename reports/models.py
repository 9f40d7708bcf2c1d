"""Report files built in the background, the monthly email opt-in and its sent markers.

The figures themselves are never stored: they come from ``reports.figures.build_report``
whenever a report is looked at. A ReportRun keeps what a large report became (PDF, CSV and
the HTML body) for ``LERNPOOL_REPORT_DAYS`` days, in the database, so every app server and
the task worker share it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization

DEFAULT_REPORT_DAYS = 30


def report_days() -> int:
    """How long a built report is kept (``LERNPOOL_REPORT_DAYS``, 30 by default)."""
    return int(getattr(settings, "LERNPOOL_REPORT_DAYS", DEFAULT_REPORT_DAYS))


def default_expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=report_days())


class ReportRunQuerySet(models.QuerySet):
    def for_user(self, user) -> ReportRunQuerySet:
        """A person's own runs: nobody else sees them, not even a region admin."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def current(self) -> ReportRunQuerySet:
        return self.filter(expires_at__gt=timezone.now())

    def expired(self) -> ReportRunQuerySet:
        return self.filter(expires_at__lte=timezone.now())

    def without_files(self) -> ReportRunQuerySet:
        """Lists never need the (large) files, only whether they are there."""
        return self.defer("pdf", "csv", "html")


class ReportRun(models.Model):
    """A report built in the background for one person: queued → running → done | failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_runs"
    )
    scope_key = models.CharField(_("scope"), max_length=120)
    scope_label = models.CharField(_("scope"), max_length=250)
    period_key = models.CharField(_("period"), max_length=40)
    period_label = models.CharField(_("period"), max_length=100)
    language = models.CharField(_("language"), max_length=10, default="de")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.CharField(_("message"), max_length=250, blank=True)
    pdf = models.BinaryField(_("PDF"), null=True, blank=True, editable=False)
    csv = models.BinaryField(_("CSV"), null=True, blank=True, editable=False)
    html = models.TextField(_("HTML"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), default=default_expiry)

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="reportrun_user_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="reportrun_progress_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label} · {self.period_label} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("reports:run", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE


class MonthlyReportSubscription(models.Model):
    """An organization admin's opt-in: last month's report of the organization by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("monthly report subscription")
        verbose_name_plural = _("monthly report subscriptions")
        ordering = ["organization", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="report_subscription_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organization}"


class MonthlyReportSent(models.Model):
    """That one person got one organization's report for one month: the monthly job skips
    whoever has a marker, so running it twice sends nothing twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("monthly report sent")
        verbose_name_plural = _("monthly reports sent")
        ordering = ["-month", "organization"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "month"], name="monthly_report_sent_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.month:%Y-%m} → {self.user}"
