"""Each person's start page: where the login takes them (LOGIN_REDIRECT_URL; a ``next``
parameter still wins), and the navigation's "Start".

Teachers land on their bookings, staff on the desk's day, course providers on their
courses, admins on their organizations' overview, residents on their loans and courses.
Visitors (not logged in) see the public home page.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from booking.models import Reservation
from booking.services import ACTIVE_STATUSES
from courses import filters as course_filters
from devices.models import Device, DevicePool
from lending.models import WaitlistEntry
from organizations.models import Membership, Organization
from reports.periods import month_period
from reports.scope import organization_scope, region_scope
from reports.views import query as report_query

ADMIN_ORGANIZATIONS_SHOWN = 12
NEW_COURSES_SHOWN = 3


def start_url(user) -> str:
    """Where ``user`` starts: the page they use most, by their roles."""
    roles = user.role_names()
    if roles & {"org_admin", "region_admin"}:
        return reverse("start")
    if "staff" in roles:
        # Staff of a school or library run a desk; staff of an adult-education centre or
        # another provider run courses, even where the centre keeps a set for its courses.
        desks = DevicePool.objects.managed_by(user).filter(
            organization__kind__in=(Organization.Kind.SCHOOL, Organization.Kind.LIBRARY)
        )
        if desks.exists():
            return reverse("booking:desk")
        return reverse("provide:courses")
    if "teacher" in roles:
        return reverse("booking:my_bookings")
    return reverse("start")


@require_safe
@login_required
def start(request: HttpRequest) -> HttpResponse:
    url = start_url(request.user)
    if url != request.path:
        return redirect(url)
    roles = request.user.role_names()
    if roles & {"org_admin", "region_admin"}:
        return _admin_overview(request)
    return _resident_start(request)


def _count(queryset, field: str = "organization") -> Subquery:
    """How many rows of ``queryset`` belong to the outer organization, as one subquery."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _last_month(today: datetime.date):
    return month_period((today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1))


def _admin_overview(request: HttpRequest) -> HttpResponse:
    """The organizations the person administers, each with its figures and the links to
    manage it, and last month's report."""
    user, now = request.user, timezone.now()
    last_month = _last_month(timezone.localdate())
    week_ahead = now + datetime.timedelta(days=7)
    administered = Organization.objects.administered_by(user).order_by("name")
    organizations = list(
        administered.annotate(
            member_count=_count(Membership.objects.all()),
            device_count=_count(Device.objects.filter(status=Device.Status.IN_SERVICE)),
            booking_count=_count(
                Reservation.objects.filter(
                    start__lt=week_ahead, end__gt=now, status=Reservation.Status.CONFIRMED
                ),
                "pool__organization",
            ),
            request_count=_count(
                Reservation.objects.filter(status=Reservation.Status.REQUESTED, end__gt=now),
                "pool__organization",
            ),
        )[:ADMIN_ORGANIZATIONS_SHOWN]
    )
    for organization in organizations:
        scope = organization_scope(organization)
        organization.report_url = f"{reverse('reports:report')}?{report_query(scope, last_month)}"
    region_report_url = ""
    if user.is_region_admin:
        region_query = report_query(region_scope(), last_month)
        region_report_url = f"{reverse('reports:report')}?{region_query}"
    return render(
        request,
        "pages/start_admin.html",
        {
            "organizations": organizations,
            "more_organizations": user.is_region_admin,
            "last_month": last_month,
            "region_report_url": region_report_url,
        },
    )


def _resident_start(request: HttpRequest) -> HttpResponse:
    """A resident's loans and reservations, courses, waiting places, and new courses."""
    user, now = request.user, timezone.now()
    loans = list(
        user.loans.filter(closed_at__isnull=True)
        .select_related("pool__organization")
        .order_by("due_at", "pk")
    )
    to_pick_up = list(
        Reservation.objects.filter(
            user=user,
            pool__booking_scope=DevicePool.Scope.RESIDENTS,
            status__in=ACTIVE_STATUSES,
            end__gt=now,
            loans__isnull=True,
        )
        .select_related("pool__organization")
        .order_by("start", "pk")
    )
    waiting = WaitlistEntry.objects.active().filter(user=user).count()
    courses = list(
        course_filters.my_enrollments(user)
        .filter(Q(last_end__gt=now) | Q(last_end__isnull=True))
        .order_by("first_start", "pk")
    )
    new_courses = list(
        course_filters.upcoming(now)
        .select_related("organization")
        .order_by("-pk")[:NEW_COURSES_SHOWN]
    )
    return render(
        request,
        "pages/start_resident.html",
        {
            "loans": loans,
            "to_pick_up": to_pick_up,
            "waiting": waiting,
            "enrollments": courses,
            "new_courses": new_courses,
            "now": now,
        },
    )
