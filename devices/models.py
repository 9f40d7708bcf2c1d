from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Location, Membership, Organization

# Letters and digits that cannot be mistaken for each other when typed from a label.
LABEL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LABEL_LENGTH = 8


def new_label_code() -> str:
    return "".join(secrets.choice(LABEL_ALPHABET) for _ in range(LABEL_LENGTH))


class DeviceType(models.Model):
    """A make and model, shared by the whole region (iPad 10. Generation, iPadOS …)."""

    class Kind(models.TextChoices):
        TABLET = "tablet", _("Tablet")
        LAPTOP = "laptop", _("Laptop")
        DESKTOP = "desktop", _("Desktop computer")
        EREADER = "ereader", _("E-reader")
        OTHER = "other", _("Other device")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    make = models.CharField(_("make"), max_length=100)
    model = models.CharField(_("model"), max_length=100)
    operating_system = models.CharField(_("operating system"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("device type")
        verbose_name_plural = _("device types")
        ordering = ["make", "model"]
        constraints = [
            models.UniqueConstraint(
                fields=["make", "model", "operating_system"], name="device_type_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.make} {self.model}"


def in_service_count(pool: str) -> Subquery:
    """A subquery: the devices in service now of the pool that the outer query's field
    ``pool`` names ("pk" for pools, "pool" for reservations), counted by the index on pool
    and status; NULL for a pool without any."""
    counted = (
        Device.objects.filter(pool_id=OuterRef(pool), status=Device.Status.IN_SERVICE)
        .order_by()
        .values("pool_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(counted, output_field=models.IntegerField())


class DevicePoolQuerySet(models.QuerySet):
    def with_capacity(self) -> DevicePoolQuerySet:
        """Annotate ``capacity_now``: the pool's devices in service, counted in SQL.

        A subquery per pool (a range of the index on pool and status), not a join with
        GROUP BY: PostgreSQL guessed thousands of pools for a person's few and hashed every
        device of the region to count them (bench/README.md, "Scale 3 against scale 1")."""
        return self.annotate(capacity_now=Coalesce(in_service_count("pk"), Value(0)))

    def with_membership_of(self, user) -> DevicePoolQuerySet:
        """Annotate ``member_of_owner`` (whether ``user`` has a role in the pool's
        organization) and ``member_of_owner_for`` (the user's id, so that a reader can tell
        whose membership was asked): read with the pool instead of in a query of its own."""
        return self.annotate(
            member_of_owner=Exists(
                Membership.objects.filter(user=user, organization_id=OuterRef("organization_id"))
            ),
            member_of_owner_for=Value(user.pk, output_field=models.IntegerField()),
        )

    def managed_by(self, user) -> DevicePoolQuerySet:
        """Pools whose devices the user hands out and keeps (staff, org admin, region admin)."""
        return self.filter(organization__in=Organization.objects.managed_by(user))

    def bookable_by(self, user) -> DevicePoolQuerySet:
        """Pools the user may book or borrow from: their own organizations' pools, pools shared
        with the region (for anyone with a role somewhere), and pools lent to residents."""
        if not user.is_authenticated:
            return self.none()
        active = self.filter(is_active=True, organization__is_active=True)
        if user.is_region_admin:
            return active
        mine = Q(organization__in=Organization.objects.for_user(user))
        # A role in any active organization opens the pools shared with the region: asked
        # inside the query (PostgreSQL runs it once), not as a query of its own before it.
        member = Exists(Membership.objects.filter(user=user, organization__is_active=True))
        scopes = Q(booking_scope=DevicePool.Scope.RESIDENTS) | (
            Q(booking_scope=DevicePool.Scope.REGION) & Q(member)
        )
        return active.filter(mine | scopes)


class DevicePool(models.Model):
    """A bookable set of interchangeable devices (Geräteset, Koffer, Leihbestand)."""

    class Scope(models.TextChoices):
        MEMBERS = "members", _("Own members only")
        REGION = "region", _("The whole region, with approval")
        RESIDENTS = "residents", _("Residents, for loans")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="pools", verbose_name=_("organization")
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pools",
        verbose_name=_("pick-up location"),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    device_types = models.ManyToManyField(
        DeviceType, blank=True, related_name="pools", verbose_name=_("device types")
    )
    booking_scope = models.CharField(
        _("who may book"), max_length=20, choices=Scope.choices, default=Scope.MEMBERS
    )
    max_booking_hours = models.PositiveIntegerField(
        _("longest booking (hours)"), default=8, help_text=_("For bookings by lesson period.")
    )
    min_notice_hours = models.PositiveIntegerField(_("minimum notice (hours)"), default=0)
    max_days_ahead = models.PositiveIntegerField(_("bookable how far ahead (days)"), default=120)
    per_person_limit = models.PositiveIntegerField(
        _("devices per person at a time"), default=0, help_text=_("0 means no limit.")
    )
    loan_period_days = models.PositiveIntegerField(
        _("loan period (days)"), default=14, help_text=_("For loans to residents.")
    )
    max_renewals = models.PositiveIntegerField(_("renewals allowed"), default=1)
    return_checklist = models.TextField(
        _("return checklist"),
        max_length=2000,
        blank=True,
        help_text=_("One item per line, e.g. “30 tablets”, “30 chargers”, “1 charging cart”."),
    )
    pickup_note = models.TextField(
        _("what to bring when picking up"),
        max_length=1000,
        blank=True,
        help_text=_("Shown to residents with their reservation, e.g. “Please bring your ID.”"),
    )
    text_language = models.CharField(
        _("language of the texts"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the description and the notes above."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = DevicePoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("device pool")
        verbose_name_plural = _("device pools")
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="pool_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("devices:pool_detail", kwargs={"pk": self.pk})

    def capacity(self) -> int:
        """Devices in service now: the most that may be booked at any instant."""
        if hasattr(self, "capacity_now"):
            return self.capacity_now
        return self.devices.filter(status=Device.Status.IN_SERVICE).count()

    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.return_checklist.splitlines() if line.strip()]


class DeviceQuerySet(models.QuerySet):
    def managed_by(self, user) -> DeviceQuerySet:
        return self.filter(organization__in=Organization.objects.managed_by(user))


class Device(models.Model):
    """One physical tablet or laptop."""

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("In service")
        IN_REPAIR = "in_repair", _("In repair")
        LOST = "lost", _("Lost")
        RETIRED = "retired", _("Retired")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="devices", verbose_name=_("owner")
    )
    pool = models.ForeignKey(
        DevicePool,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("pool"),
    )
    device_type = models.ForeignKey(
        DeviceType, on_delete=models.PROTECT, related_name="devices", verbose_name=_("type")
    )
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("e.g. iPad 07"))
    asset_tag = models.CharField(
        _("asset tag"), max_length=50, help_text=_("Unique within the organization.")
    )
    label_code = models.CharField(
        _("label code"), max_length=12, unique=True, default=new_label_code, editable=False
    )
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    home_location = models.ForeignKey(
        Location,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("home location"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_SERVICE
    )
    accessories = models.CharField(
        _("accessories"), max_length=200, blank=True, help_text=_("e.g. charger, pen, case")
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["organization", "asset_tag"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "asset_tag"], name="device_asset_tag_unique"
            ),
        ]
        indexes = [models.Index(fields=["pool", "status"], name="device_pool_status")]

    def __str__(self) -> str:
        return f"{self.asset_tag} {self.name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("devices:device_detail", kwargs={"pk": self.pk})

    @property
    def display_name(self) -> str:
        return self.name or str(self.device_type)


class DeviceEvent(models.Model):
    """The history of one device: status changes (with who and why) and edits."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Added")
        STATUS = "status", _("Status changed")
        EDITED = "edited", _("Edited")
        IMPORTED = "imported", _("Imported")

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=Device.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Device.Status.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("device event")
        verbose_name_plural = _("device events")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.device} {self.kind}"

    def reason_display(self) -> str:
        """For edits, the names of the changed fields, in the reader's language."""
        if self.kind != self.Kind.EDITED:
            return self.reason
        names = []
        for name in filter(None, (part.strip() for part in self.reason.split(","))):
            try:
                names.append(str(Device._meta.get_field(name).verbose_name))
            except FieldDoesNotExist:  # a field renamed since: show it as stored
                names.append(name)
        return ", ".join(names)
