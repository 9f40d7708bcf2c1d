"""Resident lending: the library's policy, library cards, borrowing agreements, waiting lists
and overdue notices. The tables keep their booking_ names (they were created by booking)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import Loan, Reservation
from devices.models import DevicePool
from organizations.models import Organization


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
        db_table = "booking_lendingpolicy"
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
        db_table = "booking_librarycard"
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
        db_table = "booking_borrowingagreement"
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
        db_table = "booking_agreementacceptance"
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
        db_table = "booking_waitlistentry"
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
        db_table = "booking_overduenotice"
        verbose_name = _("overdue notice")
        verbose_name_plural = _("overdue notices")
        ordering = ["loan", "sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "kind", "days"], name="notice_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.kind} {self.days}"
