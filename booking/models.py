"""Reservations of device pools, weekly series of them, and loans of concrete devices."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import Device, DevicePool


class Series(models.Model):
    """A weekly (or every-second-week) booking rule. Its occurrences are Reservations; each
    one can be cancelled on its own. Times are local (Europe/Berlin) so that a series keeps
    its time of day across daylight-saving changes."""

    pool = models.ForeignKey(DevicePool, on_delete=models.PROTECT, related_name="series")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="series"
    )
    quantity = models.PositiveIntegerField(_("devices"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    first_date = models.DateField(_("first date"))
    until = models.DateField(_("until"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    interval_weeks = models.PositiveSmallIntegerField(_("every … weeks"), default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_date__lte=F("until")), name="series_first_date_before_until"
            ),
            models.CheckConstraint(
                condition=Q(interval_weeks__in=[1, 2]), name="series_interval_one_or_two"
            ),
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="series_start_before_end"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="series_quantity_1"),
        ]

    def __str__(self) -> str:
        return f"{self.pool} {self.first_date:%a} {self.start_time:%H:%M}"


class ReservationQuerySet(models.QuerySet):
    def confirmed(self) -> ReservationQuerySet:
        return self.filter(status=Reservation.Status.CONFIRMED)

    def overlapping(self, start, end) -> ReservationQuerySet:
        """Reservations that share an instant with the half-open range [start, end)."""
        return self.filter(start__lt=end, end__gt=start)

    def for_user(self, user) -> ReservationQuerySet:
        """The user's own reservations, and those of pools they manage."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(user=user) | Q(pool__in=DevicePool.objects.managed_by(user)))

    def managed_by(self, user) -> ReservationQuerySet:
        return self.filter(pool__in=DevicePool.objects.managed_by(user))

    def awaiting_hand_out(self, now=None) -> ReservationQuerySet:
        """Confirmed, not yet over, and with devices still to hand out (every device ever
        handed out for the reservation counts, returned or not). The one definition."""
        return (
            self.confirmed()
            .filter(end__gt=now or timezone.now())
            .alias(handed_out=models.Count("loans__items"))
            .filter(quantity__gt=models.F("handed_out"))
        )


class Reservation(models.Model):
    """``quantity`` devices of a pool for the half-open time range ``[start, end)``."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    pool = models.ForeignKey(
        DevicePool, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("pool")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="reservations",
        verbose_name=_("booked by"),
    )
    quantity = models.PositiveIntegerField(_("devices"))
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    purpose = models.CharField(
        _("purpose"), max_length=200, blank=True, help_text=_("e.g. class 7b, maths")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CONFIRMED
    )
    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, null=True, blank=True, related_name="reservations"
    )
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    shortfall = models.BooleanField(
        _("shortfall"),
        default=False,
        help_text=_("Confirmed, but the pool no longer has enough devices in service."),
    )
    created_at = models.DateTimeField(_("booked on"), default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="reservation_start_before_end"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="reservation_quantity_1"),
        ]
        indexes = [
            # The overlap query: a pool's confirmed reservations ending after a time.
            models.Index(fields=["pool", "status", "end", "start"], name="reservation_overlap"),
            models.Index(fields=["user", "start"], name="reservation_user_start"),
            # A person's bookings still to come ("Meine Buchungen", "Meine Ausleihen"): their
            # end is after now, their start may be long past; without it those pages read
            # every booking the person ever made. On PostgreSQL it includes the pool
            # (booking/migrations/0007), so the pools a person ever booked (the filter of
            # "Meine Buchungen") come from the index alone.
            models.Index(fields=["user", "end"], name="reservation_user_end"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start)
        return f"{self.pool} {local:%d.%m.%Y %H:%M} ×{self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("booking:reservation_detail", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.REQUESTED, self.Status.CONFIRMED)

    def can_cancel(self, now=None) -> bool:
        return self.is_active and self.start > (now or timezone.now())


class CalendarToken(models.Model):
    """The secret in a person's iCal subscription URL. Resetting it breaks old URLs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} calendar"


class LoanQuerySet(models.QuerySet):
    def open(self) -> LoanQuerySet:
        return self.filter(closed_at__isnull=True)

    def overdue(self, now=None) -> LoanQuerySet:
        """Open loans past their due date. The one definition."""
        return self.open().filter(due_at__lt=now or timezone.now())

    def managed_by(self, user) -> LoanQuerySet:
        return self.filter(pool__in=DevicePool.objects.managed_by(user))


class Loan(models.Model):
    """Concrete devices handed out to a person, usually against a reservation."""

    pool = models.ForeignKey(DevicePool, on_delete=models.PROTECT, related_name="loans")
    reservation = models.ForeignKey(
        Reservation, on_delete=models.PROTECT, null=True, blank=True, related_name="loans"
    )
    borrower = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="loans",
        verbose_name=_("borrower"),
    )
    handed_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    handed_out_at = models.DateTimeField(_("handed out"), default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    closed_at = models.DateTimeField(_("all returned"), null=True, blank=True)

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["due_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(handed_out_at__lt=F("due_at")), name="loan_handed_out_before_due"
            ),
        ]
        indexes = [models.Index(fields=["pool", "closed_at", "due_at"], name="loan_open_due")]

    def __str__(self) -> str:
        return f"{self.pool} → {self.borrower}"

    def get_absolute_url(self) -> str:
        return reverse("booking:loan_return", kwargs={"pk": self.pk})

    def is_overdue(self, now=None) -> bool:
        return self.closed_at is None and self.due_at < (now or timezone.now())


class LoanItem(models.Model):
    """One device of a loan, and how it came back."""

    class Condition(models.TextChoices):
        COMPLETE = "complete", _("Complete")
        DAMAGED = "damaged", _("Damaged")
        MISSING_PARTS = "missing_parts", _("Missing parts")

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="items")
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="loan_items", verbose_name=_("device")
    )
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    # Who took the device back; empty while it is out (set by the return, never in a form).
    returned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    condition = models.CharField(
        _("condition"), max_length=20, choices=Condition.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("loan item")
        verbose_name_plural = _("loan items")
        ordering = ["device__asset_tag"]
        constraints = [
            # The database's own guarantee that a device is never in two open loans.
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(returned_at__isnull=True),
                name="loan_item_one_open_loan_per_device",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device} ({self.loan_id})"
