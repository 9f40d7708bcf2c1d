"""Digital-skills courses: the course, its meetings, who enrolled, who attended, certificates."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import Reservation
from core import public_cache
from devices.models import DevicePool
from organizations.models import Location, Organization

# Letters and digits that cannot be mistaken for each other when typed from a certificate.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_certificate_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


class Topic(models.TextChoices):
    SMARTPHONE = "smartphone", _("Smartphone and tablet basics")
    ONLINE_BANKING = "online_banking", _("Online banking safely")
    SAFETY = "safety", _("Safe on the internet")
    OFFICE = "office", _("Office software")
    AI = "ai", _("AI in everyday life")
    CODING = "coding", _("Coding for kids")
    DIGITAL_TEACHING = "digital_teaching", _("Digital teaching")
    ADMINISTRATION = "administration", _("Online services of the administration")
    MEDIA = "media", _("Photos, video and media")


class Audience(models.TextChoices):
    RESIDENTS = "residents", _("Residents")
    WORKERS = "workers", _("Workers")
    SENIORS = "seniors", _("Seniors")
    YOUNG_PEOPLE = "young_people", _("Young people")
    TEACHERS = "teachers", _("Teachers")


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginners")
    INTERMEDIATE = "intermediate", _("Some experience")
    ADVANCED = "advanced", _("Advanced")


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    EASY_GERMAN = "de-simple", _("Plain German (Leichte Sprache)")
    ENGLISH = "en", _("English")
    TURKISH = "tr", _("Turkish")
    ARABIC = "ar", _("Arabic")
    UKRAINIAN = "uk", _("Ukrainian")
    RUSSIAN = "ru", _("Russian")


class CourseQuerySet(models.QuerySet):
    def published(self) -> CourseQuerySet:
        """What the public catalog and the open-data API show."""
        return self.filter(status=Course.Status.PUBLISHED, organization__is_active=True)

    def managed_by(self, user) -> CourseQuerySet:
        """Courses of the organizations the user runs (staff, org admin, region admin)."""
        return self.filter(organization__in=Organization.objects.managed_by(user))

    def with_counts(self) -> CourseQuerySet:
        """Annotate ``confirmed_count``, ``waiting_count``, ``meeting_count``, ``first_start``
        and ``last_end``, each a correlated subquery (no join multiplies the rows, no loop)."""
        return self.annotate(
            confirmed_count=_count(Enrollment.objects.filter(status=Enrollment.Status.CONFIRMED)),
            waiting_count=_count(Enrollment.objects.filter(status=Enrollment.Status.WAITLISTED)),
            meeting_count=_count(Meeting.objects.all()),
            first_start=_first_start(),
            last_end=_last_end(),
        )

    def refresh_meetings_end(self) -> int:
        """Set ``meetings_end`` of these courses from their meetings, in one UPDATE. The course
        services call it whenever they add or remove meetings (so do the demo seed and, in
        memory before its COPY, the region generator)."""
        # One UPDATE sends no signal: the public pages that list courses are rendered anew.
        public_cache.bump("courses")
        return self.update(meetings_end=_last_end())

    def upcoming(self, now=None) -> CourseQuerySet:
        """Courses whose last meeting has not ended yet (courses without meetings are not)."""
        queryset = self
        if "last_end" not in self.query.annotations:
            queryset = queryset.annotate(last_end=_last_end())
        return queryset.filter(last_end__gte=now or timezone.now())


def _count(queryset: models.QuerySet) -> Coalesce:
    """How many rows of ``queryset`` belong to the outer course, as a subquery."""
    counted = (
        queryset.filter(course=OuterRef("pk"))
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), Value(0))


def _first_start() -> Subquery:
    return Subquery(
        Meeting.objects.filter(course=OuterRef("pk")).order_by("start").values("start")[:1]
    )


def _last_end() -> Subquery:
    return Subquery(
        Meeting.objects.filter(course=OuterRef("pk")).order_by("-end").values("end")[:1]
    )


class Course(models.Model):
    """A digital-skills course run by a provider: status draft → published → (cancelled)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="courses", verbose_name=_("provider")
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(
        _("in one sentence"), max_length=300, help_text=_("Shown in the catalog.")
    )
    description = models.TextField(_("what you learn"), max_length=5000)
    prerequisites = models.TextField(_("prerequisites"), max_length=2000, blank=True)
    topic = models.CharField(_("topic"), max_length=30, choices=Topic.choices)
    audience = models.CharField(_("for whom"), max_length=20, choices=Audience.choices)
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.BEGINNER
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.GERMAN
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("venue"),
    )
    capacity = models.PositiveIntegerField(
        _("seats"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    min_participants = models.PositiveIntegerField(
        _("minimum participants"), default=0, help_text=_("0 means the course always runs.")
    )
    registration_opens = models.DateTimeField(
        _("registration opens"), null=True, blank=True, help_text=_("Empty: when published.")
    )
    registration_closes = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Empty: when the first meeting starts. The minimum is checked then, too."),
    )
    cancellation_deadline = models.DateTimeField(
        _("participants can cancel until"),
        null=True,
        blank=True,
        help_text=_("Empty: until the first meeting starts."),
    )
    price = models.DecimalField(
        _("price (EUR)"),
        max_digits=7,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("0 for a free course."),
    )
    pool = models.ForeignKey(
        DevicePool,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("devices from pool"),
    )
    devices_needed = models.PositiveIntegerField(_("devices needed"), default=0)
    attendance_threshold = models.PositiveSmallIntegerField(
        _("attendance for a certificate (%)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    questions = models.TextField(
        _("enrolment questions"),
        max_length=1000,
        blank=True,
        help_text=_("At most three, one per line, e.g. “Will you bring your own device?”"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    minimum_checked_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When staff were told the minimum was not reached.")
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the last meeting ends (None without meetings), kept by the course services
    # (``refresh_meetings_end``): the catalog finds the courses still running through an
    # index on it instead of looking for meetings ahead of every course ever published.
    meetings_end = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="course_capacity_1"),
            models.CheckConstraint(
                condition=Q(min_participants__lte=F("capacity")),
                name="course_minimum_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(pool__isnull=True, devices_needed=0)
                | Q(pool__isnull=False, devices_needed__gte=1),
                name="course_devices_with_pool",
            ),
            models.CheckConstraint(
                condition=Q(attendance_threshold__gte=1, attendance_threshold__lte=100),
                name="course_threshold_percent",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="course_price_not_negative"),
            models.CheckConstraint(
                condition=Q(registration_opens__isnull=True)
                | Q(registration_closes__isnull=True)
                | Q(registration_opens__lt=F("registration_closes")),
                name="course_registration_window",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "organization"], name="course_status_org"),
            models.Index(fields=["status", "meetings_end"], name="course_status_meetings_end"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:detail", kwargs={"pk": self.pk})

    def question_list(self) -> list[str]:
        return [line.strip() for line in self.questions.splitlines() if line.strip()][:3]

    # The dates below come from the annotations of ``with_counts()`` when present, else from
    # one query each (cached on the object).

    def _annotated(self, name: str, compute):
        if name not in self.__dict__:
            self.__dict__[name] = compute()
        return self.__dict__[name]

    @property
    def first_meeting_start(self):
        return self._annotated(
            "first_start",
            lambda: self.meetings.order_by("start").values_list("start", flat=True).first(),
        )

    @property
    def last_meeting_end(self):
        return self._annotated(
            "last_end",
            lambda: self.meetings.order_by("-end").values_list("end", flat=True).first(),
        )

    @property
    def confirmed_seats(self) -> int:
        return self._annotated(
            "confirmed_count",
            lambda: self.enrollments.filter(status=Enrollment.Status.CONFIRMED).count(),
        )

    @property
    def waiting(self) -> int:
        return self._annotated(
            "waiting_count",
            lambda: self.enrollments.filter(status=Enrollment.Status.WAITLISTED).count(),
        )

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.confirmed_seats, 0)

    @property
    def effective_registration_opens(self):
        """When enrolment opens: the date set, else when the course was published."""
        return self.registration_opens or self.published_at

    @property
    def effective_registration_closes(self):
        """When enrolment closes: the date set, else when the first meeting starts."""
        return self.registration_closes or self.first_meeting_start

    @property
    def effective_cancellation_deadline(self):
        """Until when participants may cancel: the date set, else the first meeting's start."""
        return self.cancellation_deadline or self.first_meeting_start

    def is_over(self, now=None) -> bool:
        last_end = self.last_meeting_end
        return last_end is not None and last_end <= (now or timezone.now())

    def registration_open(self, now=None) -> bool:
        """Whether people can enrol (or join the waiting list) now."""
        now = now or timezone.now()
        if self.status != self.Status.PUBLISHED:
            return False
        opens, closes = self.effective_registration_opens, self.effective_registration_closes
        if closes is None or self.is_over(now):
            return False
        return (opens is None or opens <= now) and now < closes


class Meeting(models.Model):
    """One date of a course. ``reservation`` holds the devices it needs, if any."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="meetings")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reservation = models.OneToOneField(
        Reservation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="course_meeting",
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="meeting_start_before_end"
            ),
        ]
        indexes = [
            models.Index(fields=["course", "start"], name="meeting_course_start"),
            # The catalog and its API keep the courses with a meeting ending after now
            # (courses.filters.upcoming): a short range of this index, index-only, instead of
            # reading every meeting ever held.
            models.Index(fields=["end", "course"], name="meeting_end_course"),
        ]

    def __str__(self) -> str:
        return f"{self.course} {timezone.localtime(self.start):%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


class EnrollmentQuerySet(models.QuerySet):
    def confirmed(self) -> EnrollmentQuerySet:
        return self.filter(status=Enrollment.Status.CONFIRMED)

    def waitlisted(self) -> EnrollmentQuerySet:
        """Waiting people in the order they are served."""
        return self.filter(status=Enrollment.Status.WAITLISTED).order_by("waitlisted_at", "pk")


class Enrollment(models.Model):
    """A person in a course: confirmed, waiting (in order of ``waitlisted_at``), or cancelled.
    One row per person and course; enrolling again after cancelling reuses it."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="enrollments",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("enrolled"), default=timezone.now)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["course", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="enrollment_once_per_person"),
            models.CheckConstraint(
                condition=~Q(status="waitlisted") | Q(waitlisted_at__isnull=False),
                name="enrollment_waitlisted_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "status", "waitlisted_at"], name="enrollment_queue")
        ]

    def __str__(self) -> str:
        return f"{self.course} – {self.user} ({self.status})"


class Attendance(models.Model):
    """Whether an enrolled person was at one meeting."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendance")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(_("present"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "meeting"], name="attendance_once_per_meeting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id} @ {self.meeting_id}: {self.present}"


class Certificate(models.Model):
    """A certificate of participation. It keeps what is printed on it, so the public
    verification page shows exactly that and nothing more, even if the course changes."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(max_length=16, unique=True, default=new_certificate_code)
    holder_name = models.CharField(_("name"), max_length=200)
    course_title = models.CharField(_("course"), max_length=200)
    provider_name = models.CharField(_("provider"), max_length=200)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("courses:certificate_verify", kwargs={"code": self.code})
