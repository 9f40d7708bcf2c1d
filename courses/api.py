"""Courses over the API: the public catalog (open data) and one's own enrolments.

The catalog takes the same filters as the page ``/courses/`` (``courses.filters``). Times go
out as ISO 8601 in the installation's time zone (Europe/Berlin).
"""

# No ``from __future__ import annotations`` here: @paginate wraps the view in a function of
# ninja.pagination, so ninja would resolve string annotations in that module's namespace and
# fail (the same as devices/api.py and booking/api.py).

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from core import public_cache
from core.api import (
    NO_NUL,
    Error,
    JsonObject,
    SensibleDate,
    ValidationErrors,
    text,
    token_or_session,
)
from core.mail import site_url
from core.replica import replica

from . import filters, ical, services
from .forms import ANSWER_MAX_LENGTH
from .models import Audience, Course, Enrollment, Language, Level, Meeting, Topic

router = Router(tags=["courses"])

# Plain string enums, not the model's TextChoices (their schema names would clash with other
# apps' enums in the OpenAPI components).
CourseTopic = Literal[tuple(Topic.values)]
CourseAudience = Literal[tuple(Audience.values)]
CourseLevel = Literal[tuple(Level.values)]
CourseLanguage = Literal[tuple(Language.values)]
CourseStatus = Literal[tuple(Course.Status.values)]
EnrollmentStatus = Literal[tuple(Enrollment.Status.values)]

SLUG = r"^[-a-zA-Z0-9_]+$"
CourseId = Path[Annotated[int, Field(ge=1, le=2**63 - 1)]]
# More courses than the region runs in years; keeps one calendar file bounded.
MAX_CALENDAR_COURSES = 500


def _local(value: datetime.datetime | None) -> datetime.datetime | None:
    return timezone.localtime(value) if value is not None else None


# --- output ---------------------------------------------------------------------------------


class ProviderOut(Schema):
    id: int
    name: str


class VenueOut(Schema):
    name: str
    address: str
    step_free: bool


class MeetingOut(Schema):
    start: datetime.datetime
    end: datetime.datetime

    @staticmethod
    def resolve_start(meeting: Meeting) -> datetime.datetime:
        return _local(meeting.start)

    @staticmethod
    def resolve_end(meeting: Meeting) -> datetime.datetime:
        return _local(meeting.end)


class CourseOut(Schema):
    id: int
    title: str
    summary: str
    status: CourseStatus = Field(..., description="published, or cancelled (no longer runs).")
    topic: CourseTopic
    audience: CourseAudience
    level: CourseLevel
    language: CourseLanguage
    provider: ProviderOut
    venue: VenueOut = Field(..., description="Where it takes place (the provider's address).")
    price: Decimal = Field(..., description="In euros; 0 for a free course.")
    capacity: int
    seats_left: int
    waiting: int = Field(..., description="People on the waiting list.")
    first_start: datetime.datetime | None
    last_end: datetime.datetime | None
    meetings: list[MeetingOut]
    url: str = Field(..., description="The course's page.")

    @staticmethod
    def resolve_provider(course: Course) -> dict:
        return {"id": course.organization_id, "name": course.organization.name}

    @staticmethod
    def resolve_venue(course: Course) -> dict:
        organization, location = course.organization, course.location
        town = f"{organization.postal_code} {organization.city}".strip()
        street = location.street if location and location.street else organization.street
        return {
            "name": location.name if location else organization.name,
            "address": ", ".join(part for part in (street, town) if part),
            "step_free": bool(location and location.step_free),
        }

    @staticmethod
    def resolve_first_start(course: Course) -> datetime.datetime | None:
        return _local(course.first_start)

    @staticmethod
    def resolve_last_end(course: Course) -> datetime.datetime | None:
        return _local(course.last_end)

    @staticmethod
    def resolve_meetings(course: Course) -> list[Meeting]:
        return list(course.meetings.all())

    @staticmethod
    def resolve_url(course: Course, context: Any) -> str:
        return site_url(course.get_absolute_url())


class EnrollmentOut(Schema):
    id: int
    course_id: int
    course_title: str
    status: EnrollmentStatus
    position: int | None = Field(..., description="Place on the waiting list, if waiting.")
    created_at: datetime.datetime
    first_start: datetime.datetime | None
    last_end: datetime.datetime | None
    url: str = Field(..., description="The course's page.")

    @staticmethod
    def resolve_course_title(enrollment: Enrollment) -> str:
        return enrollment.course.title

    @staticmethod
    def resolve_position(enrollment: Enrollment) -> int | None:
        if enrollment.status != Enrollment.Status.WAITLISTED:
            return None
        return enrollment.waiting_position

    @staticmethod
    def resolve_created_at(enrollment: Enrollment) -> datetime.datetime:
        return _local(enrollment.created_at)

    @staticmethod
    def resolve_first_start(enrollment: Enrollment) -> datetime.datetime | None:
        return _local(enrollment.first_start)

    @staticmethod
    def resolve_last_end(enrollment: Enrollment) -> datetime.datetime | None:
        return _local(enrollment.last_end)

    @staticmethod
    def resolve_url(enrollment: Enrollment, context: Any) -> str:
        return site_url(enrollment.course.get_absolute_url())


class EnrolledOut(Schema):
    status: Literal["confirmed", "waitlisted"]
    position: int | None = Field(..., description="Place on the waiting list, if waiting.")


# --- input ----------------------------------------------------------------------------------


class CourseFilter(Schema):
    """The catalog's filters, as on the page ``/courses/``."""

    q: Annotated[str, StringConstraints(max_length=filters.MAX_QUERY_LENGTH, pattern=NO_NUL)] = (
        Field(
            "",
            description="Words to find in the title, summary, description, topic or provider name"
            " (each word, German stemming on PostgreSQL).",
        )
    )
    topic: CourseTopic | None = None
    audience: CourseAudience | None = None
    level: CourseLevel | None = None
    language: CourseLanguage | None = None
    district: str | None = Field(
        None, max_length=50, pattern=SLUG, description="District short name, e.g. lk-miltenberg"
    )
    organization: str | None = Field(
        None, max_length=80, pattern=SLUG, description="The provider's short name."
    )
    provider: (
        Annotated[str, StringConstraints(max_length=filters.MAX_QUERY_LENGTH, pattern=NO_NUL)]
        | None
    ) = Field(
        None,
        description="A part of the provider's name (any case): the courses of every provider"
        " whose name contains it.",
    )
    date_from: SensibleDate | None = Field(None, description="With a date on or after this day.")
    date_to: SensibleDate | None = Field(None, description="With a date on or before this day.")
    free_seats: bool = Field(False, description="Only courses with a free seat.")
    step_free: bool = Field(False, description="Only courses at a step-free venue.")

    @model_validator(mode="after")
    def _in_order(self):
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise PydanticCustomError("date_order", _("date_to must not be before date_from."))
        return self

    def catalog_filter(self) -> filters.CatalogFilter:
        return filters.CatalogFilter(
            q=self.q.strip(),
            topic=self.topic or "",
            audience=self.audience or "",
            level=self.level or "",
            language=self.language or "",
            district=self.district or "",
            organization=self.organization or "",
            provider=(self.provider or "").strip(),
            date_from=self.date_from,
            date_to=self.date_to,
            free_seats=self.free_seats,
            step_free=self.step_free,
        )


Answer = Annotated[
    str, StringConstraints(strict=True, strip_whitespace=True, max_length=ANSWER_MAX_LENGTH)
]


class EnrollmentIn(JsonObject):
    answers: dict[text(300, min_length=1), Answer] = Field(
        default_factory=dict,
        description="Answers to the course's questions, by the question's exact text.",
    )


class CoursePagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(20, ge=1, le=200)
        offset: int = Field(0, ge=0, le=10**9)


# --- the public catalog ---------------------------------------------------------------------


def _listed(wanted: filters.CatalogFilter, now=None) -> QuerySet[Course]:
    return (
        filters.apply(filters.upcoming(now), wanted)
        .select_related("organization", "location")
        .prefetch_related(Prefetch("meetings", queryset=Meeting.objects.order_by("start", "pk")))
        # Open data, read a lot: from the replica where there is one.
        .using(replica())
    )


def _public() -> QuerySet[Course]:
    return Course.objects.filter(
        status__in=(Course.Status.PUBLISHED, Course.Status.CANCELLED),
        organization__is_active=True,
    )


@router.get("/courses", response={200: list[CourseOut], 422: ValidationErrors}, auth=None)
@paginate(CoursePagination)
def list_courses(request: HttpRequest, wanted: Query[CourseFilter]):
    """Published courses with a date still ahead, soonest first, with the catalog's filters
    (open data, no personal data)."""
    now = timezone.now()
    courses = _listed(wanted.catalog_filter(), now)
    public_cache.changes_at(request, lambda: filters.next_change(courses, now))
    return courses


# The same for every visitor: kept until the courses or their providers change (or a listed
# course's meeting ends), answered with an ETag (core.public_cache).
public_cache.public_operation("api:list_courses", "courses", "organizations")
public_cache.public_operation("api:get_course", "courses", "organizations")


@router.get(
    "/courses.ics",
    response={200: None, 422: ValidationErrors},
    auth=None,
    openapi_extra={
        "responses": {
            "200": {
                "description": "An iCalendar file (RFC 5545) with every date of the courses.",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        }
    },
)
def courses_calendar(request: HttpRequest, wanted: Query[CourseFilter]):
    """Every date of the courses the catalog lists for these filters, as iCalendar."""
    courses = list(_listed(wanted.catalog_filter())[:MAX_CALENDAR_COURSES])
    body = ical.calendar_for(courses, name=_("Lernpool: courses"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="lernpool-courses.ics"'
    return response


@router.get(
    "/courses/{course_id}", response={200: CourseOut, 404: Error, 422: ValidationErrors}, auth=None
)
def get_course(request: HttpRequest, course_id: CourseId):
    """One published (or cancelled) course; drafts are not found."""
    return get_object_or_404(
        _public()
        .with_counts()
        .select_related("organization", "location")
        .prefetch_related(Prefetch("meetings", queryset=Meeting.objects.order_by("start", "pk"))),
        pk=course_id,
    )


# --- one's own enrolments -------------------------------------------------------------------

WRITE_ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    422: ValidationErrors,
}


@router.post(
    "/courses/{course_id}/enrollment",
    response={201: EnrolledOut, **WRITE_ERRORS},
    auth=token_or_session,
)
def enrol(request: HttpRequest, course_id: CourseId, payload: EnrollmentIn | None = None):
    """Enrol the caller: confirmed if a seat is free, else on the waiting list with a place.
    409 when registration is closed or the caller is already enrolled."""
    course = get_object_or_404(_public(), pk=course_id)
    answers = payload.answers if payload is not None else {}
    unknown = set(answers) - set(course.question_list())
    if unknown:
        return Status(
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "payload", "answers"],
                        "msg": _("This course does not ask: %(questions)s")
                        % {"questions": "; ".join(sorted(unknown))},
                        "type": "unknown_question",
                    }
                ]
            },
        )
    enrollment = services.enrol(
        by=request.auth, course=course, answers={q: a for q, a in answers.items() if a}
    )
    position = None
    if enrollment.status == Enrollment.Status.WAITLISTED:
        position = services.waitlist_position(enrollment)
    return Status(201, {"status": enrollment.status, "position": position})


@router.delete(
    "/courses/{course_id}/enrollment",
    response={204: None, **WRITE_ERRORS},
    auth=token_or_session,
)
def cancel_enrollment(request: HttpRequest, course_id: CourseId):
    """Cancel the caller's enrolment (or leave the waiting list). 404 when not enrolled, 409
    after the course's cancellation deadline."""
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("course"),
        course_id=course_id,
        course__in=_public(),
        user=request.auth,
        status__in=(Enrollment.Status.CONFIRMED, Enrollment.Status.WAITLISTED),
    )
    services.cancel_enrollment(by=request.auth, enrollment=enrollment)
    return Status(204, None)


class EnrollmentPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10**9)


@router.get(
    "/enrollments",
    response={200: list[EnrollmentOut], 401: Error, 422: ValidationErrors},
    auth=token_or_session,
)
@paginate(EnrollmentPagination)
def list_enrollments(request: HttpRequest):
    """The caller's own enrolments (any status), newest course dates last."""
    return filters.my_enrollments(request.auth).order_by("first_start", "pk")
