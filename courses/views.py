"""The public course pages: the catalog with live filters, a course's page (with enrolment,
its .ics and schema.org JSON-LD), enrolling and cancelling, "my courses", and the public
verification of a certificate."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import once, public_cache
from core.confirm import confirm_page
from core.errors import DomainError
from core.htmx import partial_request
from core.mail import site_url
from core.replica import replica

from . import filters, ical, jsonld, services
from .forms import CatalogFilterForm, EnrolForm
from .models import Certificate, Course, Enrollment

PAGE_SIZE = 20
ACTIVE = (Enrollment.Status.CONFIRMED, Enrollment.Status.WAITLISTED)
# What new_certificate_code() makes (and what fits the column); anything else is unknown.
CERTIFICATE_CODE = re.compile(r"[A-Z0-9]{1,16}")


def _course(request: HttpRequest, pk: int) -> Course:
    return get_object_or_404(
        filters.visible_courses(request.user)
        .with_counts()
        .select_related("organization__district", "location"),
        pk=pk,
    )


# ---------------------------------------------------------------------------------------
# The catalog


@public_cache.public_page("courses", "organizations")
@require_safe
def catalog(request: HttpRequest) -> HttpResponse:
    """Published courses with a date ahead, soonest first; the filters live in the URL."""
    now = timezone.now()
    form = CatalogFilterForm(request.GET or None)
    courses = Course.objects.none()
    matches = None
    if not form.is_bound or form.is_valid():
        wanted = form.catalog_filter() if form.is_bound else filters.CatalogFilter()
        if wanted.provider:
            # Which providers the part of a name found, so the page can say so and offer them.
            matches = filters.providers_named(wanted.provider)
        # Public and read a lot: from the replica where there is one (core.replica).
        courses = (
            filters.apply(filters.upcoming(now), wanted)
            .select_related("organization", "location")
            .using(replica())
        )
        public_cache.changes_at(request, lambda: filters.next_change(courses, now))
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    chosen = form.cleaned_data.get("organization") if form.is_bound else None
    context = {"form": form, "page": page, "now": now, "matches": matches, "chosen": chosen}
    if partial_request(request):
        # htmx swaps only 2xx answers: errors go into the results region with a 200. The
        # filters' summary ("Filters (2 active)") comes along, swapped out of band.
        response = render(request, "courses/catalog.html#results", {**context, "swap": True})
    else:
        response = render(
            request, "courses/catalog.html", context, status=400 if form.errors else 200
        )
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------------------------------
# A course's page, enrolling, cancelling


def _registration(course: Course, now) -> dict:
    """When registration opens and closes, and why it is closed now (empty if open)."""
    opens = course.effective_registration_opens
    if course.status == Course.Status.CANCELLED:
        reason = _("This course has been cancelled.")
    elif course.status == Course.Status.DRAFT:
        reason = _("This course is not published yet.")
    elif course.registration_open(now=now):
        reason = ""
    elif opens and now < opens:
        reason = _("Registration has not opened yet.")
    else:
        reason = _("Registration for this course has closed.")
    return {"opens": opens, "closes": course.effective_registration_closes, "closed_reason": reason}


def _before(now, deadline) -> bool:
    return deadline is not None and now < deadline


def _render_detail(
    request: HttpRequest, course: Course, *, form: EnrolForm | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    meetings = list(course.meetings.all())
    mine = None
    if request.user.is_authenticated:
        mine = Enrollment.objects.filter(
            course=course, user=request.user, status__in=ACTIVE
        ).first()
    context = {
        "course": course,
        "meetings": meetings,
        "mine": mine,
        "position": services.waitlist_position(mine) if mine else None,
        "can_cancel": mine is not None
        and (
            mine.status == Enrollment.Status.WAITLISTED
            or _before(now, course.effective_cancellation_deadline)
        ),
        "form": form or EnrolForm(course=course),
        "manages": services.manages(request.user, course.organization_id),
        "jsonld": jsonld.script(jsonld.course_data(course, meetings, absolute=site_url)),
        "now": now,
        **_registration(course, now),
    }
    return render(request, "courses/course_detail.html", context, status=status)


@public_cache.public_page("courses", "organizations")
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = _course(request, pk)
    public_cache.changes_at(request, lambda: filters.next_change_of_course(course, timezone.now()))
    return _render_detail(request, course)


@require_POST
@login_required
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    course = _course(request, pk)
    form = EnrolForm(request.POST, course=course)
    if not form.is_valid():
        return _render_detail(request, course, form=form, status=400)
    if (repeated := once.claim(request)) is not None:
        return repeated
    try:
        enrollment = services.enrol(by=request.user, course=course, answers=form.answers())
    except DomainError as error:
        once.release(request)
        form.add_error(None, error)
        return _render_detail(request, _course(request, pk), form=form, status=400)
    once.done(request, course.get_absolute_url())
    if enrollment.status == Enrollment.Status.WAITLISTED:
        messages.success(
            request,
            _("You are on the waiting list, number %(position)d.")
            % {"position": services.waitlist_position(enrollment)},
        )
    else:
        messages.success(request, _("You are enrolled."))
    return redirect(course)


def _first_meeting_text(course: Course) -> str:
    first = course.meetings.order_by("start").first()
    if first is None:
        return ""
    start = timezone.localtime(first.start)
    return date_format(start, "D d.m.Y") + f", {start:%H:%M}"


@require_http_methods(["GET", "POST"])
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks, naming the course and whether a seat or a waiting place goes; POST cancels."""
    course = _course(request, pk)
    enrollment = get_object_or_404(
        Enrollment.objects.filter(course=course, user=request.user, status__in=ACTIVE)
    )
    waiting = enrollment.status == Enrollment.Status.WAITLISTED
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if request.method == "GET":
        names = {"course": course.title, "when": _first_meeting_text(course)}
        return confirm_page(
            request,
            title=_("Leave the waiting list?") if waiting else _("Cancel your enrolment?"),
            what=(
                _("Your place on the waiting list of “%(course)s” (from %(when)s)")
                if waiting
                else _("Your seat in “%(course)s” (from %(when)s)")
            )
            % names,
            fields={"next": back} if back else {},
            confirm_label=_("Yes, leave the waiting list") if waiting else _("Yes, cancel"),
            back_url=back or course.get_absolute_url(),
        )
    try:
        services.cancel_enrollment(by=request.user, enrollment=enrollment)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        done = (
            _("You have left the waiting list of “%(course)s”.")
            if waiting
            else _("You are no longer enrolled in the course “%(course)s”.")
        )
        messages.success(request, done % {"course": course.title})
    return redirect(back or course)


@require_safe
def course_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """Every meeting of the course, for a calendar app."""
    course = _course(request, pk)
    body = ical.calendar_for([course], name=course.title)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lernpool-course-{course.pk}.ics"'
    return response


# ---------------------------------------------------------------------------------------
# My courses


# Kept for the person until their enrolments, attendance, certificates, a course (its dates,
# seats, waiting list) or the clock change it (core.public_cache).
@public_cache.own_page("courses", "organizations")
@require_safe
@login_required
def my_courses(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    enrollments = filters.my_enrollments(request.user)
    # Meetings held so far count at each start; a course moves to the past at its last end.
    public_cache.changes_at(request, lambda: filters.next_meeting_bound(request.user, now))
    upcoming = enrollments.filter(Q(last_end__gt=now) | Q(last_end__isnull=True)).order_by(
        "first_start", "pk"
    )
    past = enrollments.filter(last_end__lte=now).order_by("-last_end", "-pk")
    return render(
        request,
        "courses/my_courses.html",
        {
            "upcoming": list(upcoming),
            "page": Paginator(past, PAGE_SIZE).get_page(request.GET.get("page")),
            "now": now,
        },
    )


# ---------------------------------------------------------------------------------------
# Certificates


@require_safe
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: confirms a certificate by its code, showing only what is printed on it."""
    code = code.strip().upper()
    certificate = None
    if CERTIFICATE_CODE.fullmatch(code):
        certificate = Certificate.objects.filter(code=code).first()
    if certificate is None:
        return render(request, "courses/certificate_verify.html", {"code": ""}, status=404)
    response = render(
        request, "courses/certificate_verify.html", {"certificate": certificate, "code": code}
    )
    response["X-Robots-Tag"] = "noindex"
    return response
