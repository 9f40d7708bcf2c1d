"""The queries the public pages and the API share: the catalog and its filters (the page's
``forms.CatalogFilterForm`` and the API's ``api.CourseFilter`` both hand a ``CatalogFilter``
to ``apply()``, so a filtered URL and an API call with the same parameters list the same
courses), which courses a person may see, and a person's own enrolments."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import ngettext

from core.dates import local_datetime
from organizations.models import Organization
from organizations.offers import Offer

from . import search
from .models import Attendance, Course, Enrollment, Meeting

# The longest free-text search; anything longer cannot be a course title.
MAX_QUERY_LENGTH = 100
# The providers named on the catalog page for a part of a name: a region has hundreds, a page
# lists this many and says how many more there are.
PROVIDERS_SHOWN = 10


@dataclass(frozen=True)
class CatalogFilter:
    """What a person asked for; empty values filter nothing."""

    q: str = ""
    topic: str = ""
    audience: str = ""
    level: str = ""
    language: str = ""
    district: str = ""  # District.slug
    organization: str = ""  # Organization.slug
    provider: str = ""  # a part of the provider's name
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    free_seats: bool = False
    step_free: bool = False


@dataclass(frozen=True)
class ProviderMatches:
    """The providers whose name contains ``text``: the first ``PROVIDERS_SHOWN`` by name
    (``shown``: dicts of ``slug`` and ``name``) and how many there are (``total``)."""

    text: str
    shown: list[dict]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def providers() -> QuerySet[Organization]:
    """The catalog's providers: the organizations with a published course (a link may choose
    one of them by its slug)."""
    return Organization.objects.filter(pk__in=Course.objects.published().values("organization"))


def _name_contains(text: str) -> Q:
    # Any case, also of letters beyond ASCII on SQLite (core.lookups); icontains on PostgreSQL.
    return Q(name__anycase=text)


def providers_named(text: str) -> ProviderMatches:
    """The catalog's providers whose name contains ``text`` (any case), in one query however
    many there are: the first few by name, and their number counted in the same rows."""
    rows = list(
        providers()
        .filter(_name_contains(text))
        .annotate(total=Window(Count("pk")))
        .order_by("name", "pk")
        .values("slug", "name", "total")[:PROVIDERS_SHOWN]
    )
    return ProviderMatches(text=text, shown=rows, total=rows[0]["total"] if rows else 0)


def in_catalog(now: datetime.datetime) -> QuerySet[Course]:
    """The courses the catalog lists at ``now``: published, with a meeting still ahead (its
    last meeting ends after now)."""
    return Course.objects.published().filter(meetings_end__gt=now)


def catalog_offer(organization: Organization, now: datetime.datetime) -> Offer | None:
    """The link from an organization's page to its courses in the catalog, with how many there
    are (registered with ``organizations.offers``): one query; nothing if it has none."""
    found = (
        in_catalog(now)
        .filter(organization=organization)
        .aggregate(count=Count("pk"), until=Min("meetings_end"))
    )
    if not found["count"]:
        return None
    text = ngettext(
        "%(count)d course in the catalog", "%(count)d courses in the catalog", found["count"]
    ) % {"count": found["count"]}
    url = f"{reverse('courses:catalog')}?{urlencode({'organization': organization.slug})}"
    # The number changes when the first of these courses has had its last meeting.
    return Offer(text, url, until=found["until"])


def upcoming(now: datetime.datetime | None = None) -> QuerySet[Course]:
    """Published courses with a meeting still ahead, annotated with their counts and the
    start of their next meeting (``next_start``), soonest first."""
    now = now or timezone.now()
    ahead = Meeting.objects.filter(course=OuterRef("pk"), end__gt=now)
    # A course has a next meeting exactly when its last meeting ends after now: filtering on
    # the maintained ``meetings_end`` (a range of the index on status and it) instead of on
    # ``next_start`` keeps the correlated subqueries to the few courses still running, not
    # every course ever published, and lets the paginator's count drop them altogether.
    return (
        in_catalog(now)
        .with_counts()
        .annotate(next_start=Subquery(ahead.order_by("start").values("start")[:1]))
        .order_by("next_start", "title", "pk")
    )


def next_change(courses: QuerySet[Course], now: datetime.datetime) -> datetime.datetime | None:
    """When the list ``courses`` (from ``upcoming(now)``) changes by time alone: the first end
    of a meeting still ahead of one of them (that course's next date moves on, or it leaves
    the list). Nothing else in a course's card or the count depends on the clock."""
    ahead = Meeting.objects.filter(course__in=courses.values("pk"), end__gt=now)
    return ahead.aggregate(first=Min("end"))["first"]


def next_change_of_course(course: Course, now: datetime.datetime) -> datetime.datetime | None:
    """When the page of ``course`` changes by time alone: registration opens or closes, the
    cancellation deadline passes, a meeting starts or ends."""
    meetings = Meeting.objects.filter(course=course).aggregate(
        start=Min("start", filter=Q(start__gt=now)), end=Min("end", filter=Q(end__gt=now))
    )
    moments = [
        course.effective_registration_opens,
        course.effective_registration_closes,
        course.effective_cancellation_deadline,
        meetings["start"],
        meetings["end"],
    ]
    return min((moment for moment in moments if moment and moment > now), default=None)


def apply(courses: QuerySet[Course], wanted: CatalogFilter) -> QuerySet[Course]:
    """Narrow ``courses`` (from ``upcoming()``) to what ``wanted`` asks for."""
    if wanted.q:
        courses = search.search(courses, wanted.q)
    for name in ("topic", "audience", "level", "language"):
        value = getattr(wanted, name)
        if value:
            courses = courses.filter(**{name: value})
    if wanted.district:
        courses = courses.filter(organization__district__slug=wanted.district)
    if wanted.organization:
        courses = courses.filter(organization__slug=wanted.organization)
    if wanted.provider:
        # The same condition as providers_named(): the courses of every provider it names.
        courses = courses.filter(
            organization__in=Organization.objects.filter(_name_contains(wanted.provider))
        )
    if wanted.date_from or wanted.date_to:
        # A course matches when one of its dates falls in the range (local days, inclusive).
        meetings = Meeting.objects.filter(course=OuterRef("pk"))
        if wanted.date_from:
            meetings = meetings.filter(start__gte=local_datetime(wanted.date_from, datetime.time()))
        if wanted.date_to:
            day_after = wanted.date_to + datetime.timedelta(days=1)
            meetings = meetings.filter(start__lt=local_datetime(day_after, datetime.time()))
        courses = courses.filter(Exists(meetings))
    if wanted.free_seats:
        courses = courses.filter(confirmed_count__lt=F("capacity"))
    if wanted.step_free:
        courses = courses.filter(Q(location__step_free=True))
    return courses


def visible_courses(user) -> QuerySet[Course]:
    """Published and cancelled courses for everyone; drafts only for their provider's staff."""
    public = Q(
        status__in=(Course.Status.PUBLISHED, Course.Status.CANCELLED),
        organization__is_active=True,
    )
    if user.is_authenticated:
        public |= Q(organization__in=Organization.objects.managed_by(user))
    return Course.objects.filter(public)


def _with_position(enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Annotate ``position``: the place on the course's waiting list (as the service serves
    it: by ``waitlisted_at``, then ``pk``), in the same query for every row."""
    ahead = (
        Enrollment.objects.filter(course=OuterRef("course"), status=Enrollment.Status.WAITLISTED)
        .filter(
            Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
            | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return enrollments.annotate(waiting_position=Subquery(ahead))


def my_enrollments(user) -> QuerySet[Enrollment]:
    """The user's enrolments with their course, its dates, waiting position and attendance
    (meetings attended of those held so far, as ``services.attendance_summary`` counts, and
    ``attendance_recorded``: whether any was taken)."""
    attended = (
        Attendance.objects.filter(enrollment=OuterRef("pk"), present=True)
        .order_by()
        .values("enrollment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Whether the provider took attendance at all: without it, a finished course cannot
    # say "did not attend".
    recorded = Attendance.objects.filter(enrollment=OuterRef("pk"))
    return _with_position(
        Enrollment.objects.filter(user=user)
        .select_related("course__organization", "course__location", "certificate")
        .annotate(
            first_start=Subquery(_meeting_bound("start", "start")),
            last_end=Subquery(_meeting_bound("end", "-end")),
            meeting_total=Coalesce(
                Subquery(
                    _meetings_of_course().values("course").annotate(n=Count("pk")).values("n")
                ),
                0,
            ),
            meetings_held=Coalesce(
                Subquery(
                    _meetings_of_course()
                    .filter(start__lte=timezone.now())
                    .values("course")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            attended=Coalesce(Subquery(attended), 0),
            attendance_recorded=Exists(recorded),
        )
    )


def next_meeting_bound(user, now: datetime.datetime) -> datetime.datetime | None:
    """The next start or end of a meeting of a course ``user`` is enrolled in: "Meine Kurse"
    counts the meetings held and sorts a course into the past by them. One query."""
    found = Meeting.objects.filter(course__enrollments__user=user).aggregate(
        start=Min("start", filter=Q(start__gt=now)), end=Min("end", filter=Q(end__gt=now))
    )
    return min((moment for moment in found.values() if moment is not None), default=None)


def _meetings_of_course():
    return Meeting.objects.filter(course=OuterRef("course")).order_by()


def _meeting_bound(field: str, order: str):
    return _meetings_of_course().order_by(order).values(field)[:1]
