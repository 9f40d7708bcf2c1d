"""Reservations of device pools, weekly series of them, and loans of concrete devices."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import Device, DevicePool
from organizations.models import Organization


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
    returned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
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


# --- Lending to residents ---------------------------------------------------------------


class LendingPolicy(models.Model):
    """How an organization lends to residents: reminders, overdue notices, waiting-list holds.
    An organization without a saved policy lends with the defaults (``for_organization``)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="lending_policy"
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder (days before the due date)"),
        default=2,
        help_text=_("0 sends no reminder."),
    )
    overdue_notice_days = models.CharField(
        _("overdue notices (days after the due date)"),
        max_length=50,
        default="1,7",
        validators=[RegexValidator(r"^\s*\d{1,3}(\s*,\s*\d{1,3})*\s*$")],
        help_text=_("Comma-separated, e.g. “1,7”."),
    )
    hold_days = models.PositiveSmallIntegerField(_("hold for a waiting person (days)"), default=3)

    class Meta:
        verbose_name = _("lending policy")
        verbose_name_plural = _("lending policies")
        constraints = [
            models.CheckConstraint(condition=Q(hold_days__gte=1), name="lending_hold_days_1"),
        ]

    def __str__(self) -> str:
        return str(self.organization)

    @classmethod
    def for_organization(cls, organization: Organization) -> LendingPolicy:
        """The saved policy, or an unsaved one with the defaults."""
        try:
            return organization.lending_policy
        except cls.DoesNotExist:
            return cls(organization=organization)

    def notice_days(self) -> list[int]:
        """The overdue steps as sorted, distinct whole days after the due date."""
        days = {int(part) for part in self.overdue_notice_days.split(",") if part.strip()}
        return sorted(day for day in days if day > 0)


class LibraryCard(models.Model):
    """A resident's library card number with one organization, so that the desk finds them by
    it. A card gives no rights: roles stay in Membership."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="library_cards"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_cards"
    )
    number = models.CharField(_("library card number"), max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("library card")
        verbose_name_plural = _("library cards")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="card_number_unique"),
            models.UniqueConstraint(fields=["organization", "user"], name="card_one_per_person"),
        ]

    def __str__(self) -> str:
        return self.number


class BorrowingAgreement(models.Model):
    """One version of an organization's borrowing agreement (Leihvertrag / Nutzungsbedingungen).
    The newest version is the one residents accept before their first loan."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="borrowing_agreements"
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), max_length=20000)
    text_language = models.CharField(
        _("language of the text"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    created_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        verbose_name = _("borrowing agreement")
        verbose_name_plural = _("borrowing agreements")
        ordering = ["organization", "-version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "version"], name="agreement_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def paragraphs(self) -> list[str]:
        return [part.strip() for part in self.text.split("\n\n") if part.strip()]


class AgreementAcceptance(models.Model):
    """That a person accepted one version of an agreement, when, and whether at the desk."""

    agreement = models.ForeignKey(
        BorrowingAgreement, on_delete=models.PROTECT, related_name="acceptances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="agreement_acceptances",
    )
    accepted_at = models.DateTimeField(_("accepted"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Staff who recorded a signature at the desk; empty when accepted online."),
    )

    class Meta:
        verbose_name = _("accepted agreement")
        verbose_name_plural = _("accepted agreements")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "user"], name="agreement_accepted_once"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} – {self.accepted_at:%Y-%m-%d}"


class WaitlistEntryQuerySet(models.QuerySet):
    def active(self) -> WaitlistEntryQuerySet:
        return self.filter(status__in=WaitlistEntry.ACTIVE)

    def waiting(self) -> WaitlistEntryQuerySet:
        return self.filter(status=WaitlistEntry.Status.WAITING)

    def in_order(self) -> WaitlistEntryQuerySet:
        return self.order_by("created_at", "pk")


class WaitlistEntry(models.Model):
    """A resident waiting for a device of a pool, served first come, first served.

    waiting → offered (a device is held for them until ``hold_until`` by ``reservation``) →
    fulfilled (picked up) or expired (the hold ran out; the next person is offered it).
    ``left`` when they leave the list themselves."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Held for you")
        FULFILLED = "fulfilled", _("Picked up")
        EXPIRED = "expired", _("Not picked up in time")
        LEFT = "left", _("Left the waiting list")

    ACTIVE = (Status.WAITING, Status.OFFERED)

    pool = models.ForeignKey(
        DevicePool, on_delete=models.PROTECT, related_name="waitlist", verbose_name=_("pool")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="waitlist_entries",
    )
    quantity = models.PositiveIntegerField(_("devices"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.WAITING
    )
    created_at = models.DateTimeField(_("joined"), default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    hold_until = models.DateTimeField(_("held until"), null=True, blank=True)
    reservation = models.OneToOneField(
        Reservation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entry",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = WaitlistEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting-list entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "user"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_one_active_entry_per_person",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="waitlist_quantity_1"),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(hold_until__isnull=False),
                name="waitlist_offer_has_hold",
            ),
        ]
        indexes = [models.Index(fields=["pool", "status", "created_at"], name="waitlist_order")]

    def __str__(self) -> str:
        return f"{self.pool} – {self.user} ({self.status})"


class OverdueNotice(models.Model):
    """One reminder or overdue notice sent for a loan. The unique constraint is what makes the
    daily job safe to run twice: a step that was sent cannot be recorded again."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder before the due date")
        OVERDUE = "overdue", _("Overdue notice")

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    days = models.PositiveSmallIntegerField(
        _("days"), help_text=_("Days before (reminder) or after (notice) the due date.")
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("overdue notice")
        verbose_name_plural = _("overdue notices")
        ordering = ["loan", "sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "kind", "days"], name="notice_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.kind} {self.days}"
