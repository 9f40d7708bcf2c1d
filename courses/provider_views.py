"""Providers run their courses: the list, the course form, the course's dashboard (dates,
devices, publish, cancel, copy), participants with CSV and a sign-in sheet, attendance on a
phone, and certificates.

Staff and admins of the course's organization (and region admins) see these pages; anyone
else gets 404. Every course is reached through ``Course.objects.managed_by(user)``.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import spreadsheet
from core.confirm import confirm_page
from core.dates import local_datetime
from core.errors import DomainError
from core.htmx import partial_request
from core.request_input import is_id
from organizations.access import managed_organization

from . import pdf, services
from .models import Attendance, Certificate, Course, Enrollment, Meeting
from .provider_forms import (
    CancelCourseForm,
    CopyCourseForm,
    CourseForm,
    MeetingsForm,
    StatusFilterForm,
)

# ---------------------------------------------------------------------------------------
# Scope helpers


def _managed_course(request: HttpRequest, pk: int) -> Course:
    return get_object_or_404(
        Course.objects.managed_by(request.user).select_related("organization", "location", "pool"),
        pk=pk,
    )


def _with_counts(courses):
    """Confirmed and waiting people and the next date, in the same query as the courses."""
    next_meeting = Meeting.objects.filter(course=OuterRef("pk"), end__gte=timezone.now())
    return courses.with_counts().annotate(
        next_start=Subquery(next_meeting.order_by("start").values("start")[:1]),
    )


def _name(enrollment: Enrollment) -> str:
    user = enrollment.user
    if user is None:
        return _("a deleted account")
    return user.name or user.email


# ---------------------------------------------------------------------------------------
# The list and the course form


def _groups(courses, now) -> dict[str, list[Course]]:
    """The list's three sections: courses still running or ahead, drafts, and courses that
    are over or cancelled (which offer copying and certificates, not dates or cancelling)."""
    groups: dict[str, list[Course]] = {"upcoming": [], "drafts": [], "past": []}
    for course in courses:
        course.is_over = course.last_end is not None and course.last_end <= now
        if course.status == Course.Status.DRAFT:
            groups["drafts"].append(course)
        elif course.status == Course.Status.CANCELLED or course.is_over:
            groups["past"].append(course)
        else:
            groups["upcoming"].append(course)
    groups["past"].sort(key=lambda course: course.last_end or now, reverse=True)
    return groups


@require_safe
@login_required
def courses(request: HttpRequest) -> HttpResponse:
    """The organization's courses in three sections (upcoming, drafts, past), optionally of
    one status, with seats, waiting, the next date and what can be done with each."""
    organization, managed = managed_organization(request)
    form = StatusFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    status = form.cleaned_data.get("status") if form.is_bound and valid else ""
    shown = _with_counts(Course.objects.filter(organization=organization))
    if status:
        shown = shown.filter(status=status)
    shown = shown.order_by(F("next_start").asc(nulls_last=True), "title", "pk")
    template = "courses/manage/course_list.html" + (
        "#course-list" if partial_request(request) else ""
    )
    groups = _groups(shown, timezone.now())
    response = render(
        request,
        template,
        {
            "organization": organization,
            "organizations": managed,
            "form": form,
            "groups": groups,
            "shown_count": sum(len(group) for group in groups.values()),
            "status": status,
        },
        status=200 if valid else 400,
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@login_required
def course_new(request: HttpRequest) -> HttpResponse:
    organization, _managed = managed_organization(request)
    form = CourseForm(request.POST if request.method == "POST" else None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.save_course(
                by=request.user, organization=organization, **form.values()
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Course saved as a draft. Now add its dates."))
            return redirect("provide:course", pk=course.pk)
    return render(
        request,
        "courses/manage/course_form.html",
        {"form": form, "organization": organization, "course": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = _managed_course(request, pk)
    form = CourseForm(
        request.POST if request.method == "POST" else None,
        instance=course,
        organization=course.organization,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_course(
                by=request.user, organization=course.organization, course=course, **form.values()
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Course saved."))
            return redirect("provide:course", pk=course.pk)
    return render(
        request,
        "courses/manage/course_form.html",
        {"form": form, "organization": course.organization, "course": course},
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------------------------
# The course's dashboard and its actions


def _dashboard(request: HttpRequest, course: Course, *, status: int = 200, **extra) -> HttpResponse:
    counts = course.enrollments.aggregate(
        confirmed=Count("pk", filter=Q(status=Enrollment.Status.CONFIRMED)),
        waiting=Count("pk", filter=Q(status=Enrollment.Status.WAITLISTED)),
    )
    meetings = list(course.meetings.all())
    conflicts = services.device_conflicts(course) if course.pool_id and meetings else []
    now = timezone.now()
    context = {
        "course": course,
        "meetings": meetings,
        # Over: copy and certificates, no new dates and no cancelling (the service refuses).
        "is_over": bool(meetings) and max(meeting.end for meeting in meetings) <= now,
        "counts": counts,
        "conflicts": conflicts,
        "meetings_form": extra.pop("meetings_form", None) or MeetingsForm(),
        "cancel_form": CancelCourseForm(),
        "copy_form": extra.pop("copy_form", None) or CopyCourseForm(),
        "now": now,
        **extra,
    }
    return render(request, "courses/manage/course_detail.html", context, status=status)


@require_safe
@login_required
def course(request: HttpRequest, pk: int) -> HttpResponse:
    return _dashboard(request, _managed_course(request, pk))


@require_POST
@login_required
def course_publish(request: HttpRequest, pk: int) -> HttpResponse:
    course = _managed_course(request, pk)
    try:
        services.publish(by=request.user, course=course)
    except services.NotPublishable as error:
        return _dashboard(request, course, status=400, publish_error=error, problems=error.problems)
    except DomainError as error:
        return _dashboard(request, course, status=400, publish_error=error)
    messages.success(request, _("Published: the course is in the catalog now."))
    return redirect("provide:course", pk=course.pk)


@require_http_methods(["GET", "POST"])
@login_required
def course_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the reason and a confirmation, then cancel and email everyone."""
    course = _managed_course(request, pk)
    form = CancelCourseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_course(
                by=request.user, course=course, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The course “%(course)s” is cancelled; everyone enrolled or waiting is emailed.")
                % {"course": course.title},
            )
            return redirect("provide:course", pk=course.pk)
    counts = course.enrollments.exclude(status=Enrollment.Status.CANCELLED).count()
    return render(
        request,
        "courses/manage/course_cancel.html",
        {"course": course, "form": form, "affected": counts},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def course_copy(request: HttpRequest, pk: int) -> HttpResponse:
    course = _managed_course(request, pk)
    form = CopyCourseForm(request.POST)
    if form.is_valid():
        try:
            copy = services.copy_course(
                by=request.user, course=course, weeks_later=form.cleaned_data["weeks_later"]
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Copied as a draft: check it and publish it."))
            return redirect("provide:course", pk=copy.pk)
    return _dashboard(request, course, status=400, copy_form=form)


@require_POST
@login_required
def meetings_add(request: HttpRequest, pk: int) -> HttpResponse:
    """One date at once; a series first as a preview (closures shown as skipped), then,
    with ``confirm``, for real."""
    course = _managed_course(request, pk)
    form = MeetingsForm(request.POST)
    if not form.is_valid():
        return _dashboard(request, course, status=400, meetings_form=form)
    data = form.cleaned_data
    try:
        if not form.is_series:
            services.add_meeting(
                by=request.user,
                course=course,
                start=local_datetime(data["first_date"], data["start_time"]),
                end=local_datetime(data["first_date"], data["end_time"]),
                outside_hours_confirmed=form.outside_hours_confirmed,
            )
            added = 1
        elif "confirm" in request.POST:
            added = len(
                services.add_meetings(
                    by=request.user,
                    course=course,
                    outside_hours_confirmed=form.outside_hours_confirmed,
                    **form.series(),
                )
            )
        else:
            plan = services.plan_meetings(course=course, **form.series())
            return _dashboard(
                request,
                course,
                meetings_form=form,
                plan=plan,
                plan_count=sum(1 for planned in plan if not planned.closure_name),
                plan_outside_hours=any(planned.outside_hours for planned in plan),
            )
    except DomainError as error:
        form.add_error(None, error)
        return _dashboard(request, course, status=400, meetings_form=form)
    messages.success(
        request,
        ngettext("%(count)d date added.", "%(count)d dates added.", added) % {"count": added},
    )
    return redirect(reverse("provide:course", kwargs={"pk": course.pk}) + "#meetings")


@require_http_methods(["GET", "POST"])
@login_required
def meeting_remove(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    """GET asks, naming the date and who is told; POST removes it (services.remove_meeting)."""
    course = _managed_course(request, pk)
    meeting = get_object_or_404(course.meetings, pk=meeting_pk)
    start, end = timezone.localtime(meeting.start), timezone.localtime(meeting.end)
    what = _("%(course)s: the date %(day)s, %(start)s–%(end)s") % {
        "course": course.title,
        "day": date_format(start, "D d.m.Y"),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
    }
    if request.method == "GET":
        told = 0
        if course.status == Course.Status.PUBLISHED:
            told = course.enrollments.exclude(status=Enrollment.Status.CANCELLED).count()
        note = ngettext(
            "%(count)d person enrolled or waiting is emailed.",
            "%(count)d people enrolled or waiting are emailed.",
            told,
        ) % {"count": told}
        return confirm_page(
            request,
            title=_("Remove this date?"),
            what=what,
            note=note if told else "",
            confirm_label=_("Yes, remove the date"),
            back_url=reverse("provide:course", kwargs={"pk": course.pk}) + "#meetings",
        )
    try:
        services.remove_meeting(by=request.user, meeting=meeting)
    except DomainError as error:
        return _dashboard(request, course, status=400, publish_error=error)
    messages.success(request, _("Removed: %(what)s.") % {"what": what})
    return redirect(reverse("provide:course", kwargs={"pk": course.pk}) + "#meetings")


# ---------------------------------------------------------------------------------------
# Participants


def _participants(course: Course) -> dict:
    """Confirmed (with attendance), waiting (with their place) and cancelled people; the
    same handful of queries for 3 people or 300."""
    enrollments = list(course.enrollments.select_related("user").order_by("created_at", "pk"))
    summary = services.attendance_summary(course)
    places = services.positions(course)
    confirmed, waiting, cancelled = [], [], []
    for enrollment in enrollments:
        enrollment.display_name = _name(enrollment)
        enrollment.attended, enrollment.held = summary.get(enrollment.pk, (0, 0))
        enrollment.position = places.get(enrollment.pk)
        enrollment.answer_list = _answers(course, enrollment)
        if enrollment.status == Enrollment.Status.CONFIRMED:
            confirmed.append(enrollment)
        elif enrollment.status == Enrollment.Status.WAITLISTED:
            waiting.append(enrollment)
        else:
            cancelled.append(enrollment)
    confirmed.sort(key=lambda e: e.display_name.casefold())
    waiting.sort(key=lambda e: (e.position or 0, e.waitlisted_at or e.created_at, e.pk))
    return {"confirmed": confirmed, "waiting": waiting, "cancelled": cancelled}


def _answers(course: Course, enrollment: Enrollment) -> list[tuple[str, str]]:
    """The person's answer to each of the course's questions (stored by question text)."""
    answers = enrollment.answers if isinstance(enrollment.answers, dict) else {}
    return [(question, str(answers.get(question) or "")) for question in course.question_list()]


@require_safe
@login_required
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    course = _managed_course(request, pk)
    return render(
        request,
        "courses/manage/participants.html",
        {
            "course": course,
            "questions": course.question_list(),
            "meetings": list(course.meetings.all()),
            **_participants(course),
        },
    )


@require_POST
@login_required
def enrollment_cancel(request: HttpRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    course = _managed_course(request, pk)
    enrollment = get_object_or_404(course.enrollments.select_related("user"), pk=enrollment_pk)
    try:
        services.cancel_enrollment(by=request.user, enrollment=enrollment)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("provide:participants", pk=course.pk)
    messages.success(
        request,
        _("The enrolment of %(person)s is cancelled; they have been emailed.")
        % {"person": _name(enrollment)},
    )
    return redirect("provide:participants", pk=course.pk)


@require_safe
@login_required
def participants_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """UTF-8 with a byte-order mark and ``;`` between fields: what Excel opens in Germany.
    The headers are in the reader's language."""
    course = _managed_course(request, pk)
    groups = _participants(course)
    questions = course.question_list()
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer)
    writer.writerow(
        [
            _("Name"),
            _("Email"),
            _("Status"),
            _("Place on the waiting list"),
            _("Enrolled"),
            _("Meetings attended"),
            _("Meetings held"),
            *questions,
        ]
    )
    for enrollment in groups["confirmed"] + groups["waiting"] + groups["cancelled"]:
        confirmed = enrollment.status == Enrollment.Status.CONFIRMED
        writer.writerow(
            [
                enrollment.display_name,
                enrollment.user.email if enrollment.user else "",
                enrollment.get_status_display(),
                enrollment.position or "",
                timezone.localtime(enrollment.created_at).strftime("%Y-%m-%d %H:%M"),
                enrollment.attended if confirmed else "",
                enrollment.held if confirmed else "",
                *[answer for _question, answer in enrollment.answer_list],
            ]
        )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="course-{course.pk}-participants.csv"'
    return response


@require_safe
@login_required
def sign_in_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-in sheet of the first meeting, or of ``?meeting=<pk>``."""
    course = _managed_course(request, pk)
    chosen = request.GET.get("meeting")
    if chosen is not None:
        if not is_id(chosen):
            return HttpResponse(_("Unknown meeting."), status=400, content_type="text/plain")
        meeting = get_object_or_404(course.meetings, pk=int(chosen))
    else:
        meeting = course.meetings.order_by("start", "pk").first()
    names = [e.display_name for e in _participants(course)["confirmed"]]
    body = pdf.render_sign_in_sheet(course=course, meeting=meeting, names=names)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="course-{course.pk}-sign-in.pdf"'
    return response


# ---------------------------------------------------------------------------------------
# Attendance


def _attendance_rows(meeting: Meeting) -> list[Enrollment]:
    enrollments = list(meeting.course.enrollments.confirmed().select_related("user").order_by("pk"))
    present = dict(
        Attendance.objects.filter(meeting=meeting).values_list("enrollment_id", "present")
    )
    for enrollment in enrollments:
        enrollment.display_name = _name(enrollment)
        enrollment.present = present.get(enrollment.pk, False)
        enrollment.recorded = enrollment.pk in present
    enrollments.sort(key=lambda e: e.display_name.casefold())
    return enrollments


def _attendance_page(
    request: HttpRequest, meeting: Meeting, *, error: str = "", status: int = 200
) -> HttpResponse:
    rows = _attendance_rows(meeting)
    return render(
        request,
        "courses/manage/attendance.html",
        {
            "course": meeting.course,
            "meeting": meeting,
            "rows": rows,
            "present_count": sum(1 for row in rows if row.present),
            "not_yet": timezone.localdate(meeting.start) > timezone.localdate(),
            "error": error,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def attendance(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    """A checklist for a phone. With htmx each tap posts ``enrollment`` (one row, saved at
    once); without it "Save attendance" posts the whole list (``shown`` and ``present_<pk>``)."""
    course = _managed_course(request, pk)
    meeting = get_object_or_404(course.meetings.select_related("course"), pk=meeting_pk)
    meeting.course = course
    if request.method == "GET":
        return _attendance_page(request, meeting)
    confirmed = {e.pk: e for e in course.enrollments.confirmed().select_related("user")}
    single = request.POST.get("enrollment")
    wanted = [single] if single is not None else request.POST.getlist("shown")
    pks = [int(value) for value in wanted if is_id(value)]
    if not wanted or len(pks) != len(wanted) or any(pk not in confirmed for pk in pks):
        message = _("That person is not enrolled in this course. Reload the page and try again.")
        return _attendance_page(request, meeting, error=message, status=400)
    current = dict(
        Attendance.objects.filter(meeting=meeting).values_list("enrollment_id", "present")
    )
    try:
        for enrollment_pk in pks:
            present = f"present_{enrollment_pk}" in request.POST
            if current.get(enrollment_pk) != present:
                services.record_attendance(
                    by=request.user,
                    meeting=meeting,
                    enrollment=confirmed[enrollment_pk],
                    present=present,
                )
    except DomainError as error:
        return _attendance_page(request, meeting, error=str(error), status=400)
    if single is not None and partial_request(request):
        enrollment = confirmed[pks[0]]
        enrollment.display_name = _name(enrollment)
        enrollment.present = f"present_{enrollment.pk}" in request.POST
        enrollment.recorded = True
        return render(
            request,
            "courses/manage/attendance.html#attendee",
            {"course": course, "meeting": meeting, "row": enrollment, "saved": True},
        )
    messages.success(request, _("Attendance saved."))
    return redirect("provide:attendance", pk=course.pk, meeting_pk=meeting.pk)


# ---------------------------------------------------------------------------------------
# Certificates


def _course_certificates(course: Course):
    return (
        Certificate.objects.filter(enrollment__course=course)
        .select_related("enrollment__user")
        .order_by("holder_name", "pk")
    )


@require_http_methods(["GET", "POST"])
@login_required
def certificates(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has a certificate; POST issues them to everyone who attended enough."""
    course = _managed_course(request, pk)
    if request.method == "POST":
        try:
            issued = services.issue_certificates(by=request.user, course=course)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            count = len(issued)
            messages.success(
                request,
                ngettext("%(count)d certificate issued.", "%(count)d certificates issued.", count)
                % {"count": count}
                if count
                else _("No new certificate: everyone who attended enough has one."),
            )
        return redirect("provide:certificates", pk=course.pk)
    eligible = services.eligible_for_certificate(course)
    return render(
        request,
        "courses/manage/certificates.html",
        {
            "course": course,
            "certificates": _course_certificates(course),
            "eligible_count": eligible.count(),
            "to_issue": eligible.filter(certificate__isnull=True, user__isnull=False).count(),
        },
    )


def _verify_url(code: str) -> str:
    return settings.LERNPOOL_SITE_URL + reverse("courses:certificate_verify", args=[code])


def _pdf_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One certificate: for staff of the course's provider and for its holder."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("enrollment__course", "enrollment__user"), pk=pk
    )
    enrollment = certificate.enrollment
    is_holder = enrollment.user_id is not None and enrollment.user_id == request.user.pk
    if (
        not is_holder
        and not Course.objects.managed_by(request.user).filter(pk=enrollment.course_id).exists()
    ):
        raise Http404
    body = pdf.render_certificates([certificate], verify_url=_verify_url)
    return _pdf_response(body, f"certificate-{certificate.code}.pdf")


@require_safe
@login_required
def certificates_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Every certificate of the course, one page each, to print at once."""
    course = _managed_course(request, pk)
    issued = list(_course_certificates(course))
    if not issued:
        raise Http404
    body = pdf.render_certificates(issued, verify_url=_verify_url)
    return _pdf_response(body, f"course-{course.pk}-certificates.pdf")
