from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """A city or rural district of the region (Stadt Aschaffenburg, Landkreis Miltenberg …)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    STAFF = "staff", _("Staff")
    ORG_ADMIN = "org_admin", _("Organization admin")


MANAGING_ROLES = (Role.STAFF, Role.ORG_ADMIN)


class OrganizationQuerySet(models.QuerySet):
    """Scoping helpers. Every view reaches organizations through one of these."""

    def public(self) -> OrganizationQuerySet:
        """What anyone may see in the directory."""
        return self.filter(is_active=True)

    def for_user(self, user) -> OrganizationQuerySet:
        """Organizations the user belongs to in any role (all of them for region admins)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_region_admin:
            return self.all()
        return self.filter(memberships__user=user).distinct()

    def managed_by(self, user) -> OrganizationQuerySet:
        """Organizations whose inventory, lending and courses the user runs (staff, org admin)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_region_admin:
            return self.all()
        return self.filter(memberships__user=user, memberships__role__in=MANAGING_ROLES).distinct()

    def administered_by(self, user) -> OrganizationQuerySet:
        """Organizations whose members, periods, closures and reports the user administers."""
        if not user.is_authenticated:
            return self.none()
        if user.is_region_admin:
            return self.all()
        return self.filter(memberships__user=user, memberships__role=Role.ORG_ADMIN).distinct()


def bookings_retention_days(days: int | None = None) -> int:
    """Days a booking or loan keeps its person: an organization's choice (``days``) or the
    region's default, always within the region's limits (``LERNPOOL_RETENTION``)."""
    retention = settings.LERNPOOL_RETENTION
    low, high = int(retention["bookings_min_days"]), int(retention["bookings_max_days"])
    chosen = int(retention["bookings_days"]) if days is None else int(days)
    return max(low, min(high, chosen))


class Organization(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        LIBRARY = "library", _("Library")
        ADULT_EDUCATION = "adult_education", _("Adult-education centre")
        OTHER = "other", _("Other provider")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("district")
    )
    description = models.TextField(_("description"), max_length=2000, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("town"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    website = models.URLField(_("website"), blank=True)
    # The opening hours themselves are data (OpeningSchedule, SpecialHours); this text says
    # what the data cannot (appointments, the returns box, …).
    opening_hours = models.TextField(
        _("notes on opening hours"),
        max_length=1000,
        blank=True,
        help_text=_("What the opening hours above cannot say, e.g. appointments by phone."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    retention_days = models.PositiveSmallIntegerField(
        _("keep bookings and loans for (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Days after a return or the end of a reservation before the person is removed "
            "from it. Empty: the region's default."
        ),
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organizations:detail", kwargs={"slug": self.slug})

    @property
    def lends_to_residents(self) -> bool:
        """Only libraries lend devices to residents, and only their desks find residents."""
        return self.kind == self.Kind.LIBRARY

    @property
    def address(self) -> str:
        return ", ".join(p for p in (self.street, f"{self.postal_code} {self.city}".strip()) if p)

    def opening_hours_lines(self) -> list[str]:
        return [line.strip() for line in self.opening_hours.splitlines() if line.strip()]

    def clean(self) -> None:
        super().clean()
        retention = settings.LERNPOOL_RETENTION
        low, high = int(retention["bookings_min_days"]), int(retention["bookings_max_days"])
        if self.retention_days is not None and not low <= self.retention_days <= high:
            raise ValidationError(
                {
                    "retention_days": _(
                        "Choose between %(min)d and %(max)d days, or leave the field empty "
                        "for the region's default of %(default)d days."
                    )
                    % {"min": low, "max": high, "default": bookings_retention_days()}
                }
            )

    @property
    def effective_retention_days(self) -> int:
        """Days after a return or a reservation's end before the person is removed from it."""
        return bookings_retention_days(self.retention_days)


class Location(models.Model):
    """A building or room of an organization: a pick-up point or a course venue."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(
        _("street and number"), max_length=200, blank=True, help_text=_("If not the main address.")
    )
    step_free = models.BooleanField(_("step-free access"), default=False)
    accessibility_notes = models.TextField(_("accessibility notes"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="location_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user) -> MembershipQuerySet:
        """Memberships the user may see: their own, and all of organizations they administer."""
        if not user.is_authenticated:
            return self.none()
        if user.is_region_admin:
            return self.all()
        return self.filter(
            Q(user=user) | Q(organization__in=Organization.objects.administered_by(user))
        )


class Membership(models.Model):
    """A person's role in an organization. One person may hold roles in several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.organization}"


class LessonPeriod(models.Model):
    """One period of a school's timetable grid (1. Stunde 08:00–08:45 …)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="lesson_periods"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=50)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("lesson period")
        verbose_name_plural = _("lesson periods")
        ordering = ["organization", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="lesson_period_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="lesson_period_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start:%H:%M}–{self.end:%H:%M})"


class ClosureQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> ClosureQuerySet:
        """The organization's own closures, the region's public holidays, and (for schools)
        the region's school holidays."""
        region_kinds = [Closure.Kind.PUBLIC_HOLIDAY]
        if organization.kind == Organization.Kind.SCHOOL:
            region_kinds.append(Closure.Kind.SCHOOL_HOLIDAY)
        return self.filter(
            Q(organization=organization) | Q(organization__isnull=True, kind__in=region_kinds)
        )

    def overlapping(self, start: datetime.date, end: datetime.date) -> ClosureQuerySet:
        """Closures that touch the half-open date range [start, end)."""
        return self.filter(start__lt=end, end__gt=start)


class Closure(models.Model):
    """Days on which an organization (or, without one, the region) lends nothing.

    Stored half-open: ``start`` is the first closed day, ``end`` the first day open again.
    """

    class Kind(models.TextChoices):
        PUBLIC_HOLIDAY = "public_holiday", _("Public holiday")
        SCHOOL_HOLIDAY = "school_holiday", _("School holidays")
        CLOSED = "closed", _("Closed")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="closures",
        null=True,
        blank=True,
        help_text=_("Empty for the whole region."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CLOSED)
    name = models.CharField(_("name"), max_length=100)
    start = models.DateField(_("first closed day"))
    end = models.DateField(_("first open day again"))

    objects = ClosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="closure_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start:%d.%m.%Y}–{self.last_day:%d.%m.%Y})"

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)


class Weekday(models.IntegerChoices):
    """Days of the week as Python numbers them (``date.weekday()``: Monday is 0)."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningSchedule(models.Model):
    """An organization's weekly opening hours for a range of days (all year, or summer hours).

    On a given day the narrowest schedule whose range holds the day applies, so summer hours
    win over the all-year hours for their weeks. A weekday without intervals is a closed day.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="opening_schedules"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("The last day these hours apply.")
    )

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["organization", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=F("valid_until")),
                name="opening_schedule_from_before_until",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.organization)

    def covers(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    @property
    def span_days(self) -> float:
        """How many days the range holds (unbounded: infinite), to find the narrowest."""
        if self.valid_from is None or self.valid_until is None:
            return float("inf")
        return (self.valid_until - self.valid_from).days + 1


class OpeningInterval(models.Model):
    """One opening interval of a weekday (Tue 10:00–13:00); a day may have several."""

    schedule = models.ForeignKey(
        OpeningSchedule, on_delete=models.CASCADE, related_name="intervals"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening interval")
        verbose_name_plural = _("opening intervals")
        ordering = ["schedule", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=F("closes")), name="opening_interval_opens_before_closes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class SpecialHours(models.Model):
    """One-off hours on one day ("24.12. 10–12"): they replace the weekly hours and any
    closure of that day. Several rows on one day are several intervals."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="special_hours"
    )
    day = models.DateField(_("day"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("special opening hours")
        verbose_name_plural = _("special opening hours")
        ordering = ["organization", "day", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=F("closes")), name="special_hours_opens_before_closes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y} {self.opens:%H:%M}–{self.closes:%H:%M}"
