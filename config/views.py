"""The pages that belong to the installation rather than to one app."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, npgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.forms import BarrierReportForm
from accounts.privacy import retention_rules
from accounts.services import report_barrier
from organizations.models import Organization


def _kind_count_label(kind: str, count: int) -> str:
    """The word under a count on the home page: "1 Schule", "3 Schulen", "0 Schulen"."""
    Kind = Organization.Kind
    if kind == Kind.SCHOOL:
        return npgettext("home page count", "School", "Schools", count)
    if kind == Kind.LIBRARY:
        return npgettext("home page count", "Library", "Libraries", count)
    if kind == Kind.ADULT_EDUCATION:
        return npgettext(
            "home page count", "Adult-education centre", "Adult-education centres", count
        )
    return npgettext("home page count", "Other provider", "Other providers", count)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    counts = dict(
        Organization.objects.public().values_list("kind").annotate(n=Count("pk")).order_by()
    )
    kinds = [(value, counts.get(value, 0)) for value in Organization.Kind.values]
    kinds = [(_kind_count_label(value, count), count) for value, count in kinds]
    memberships = []
    if request.user.is_authenticated:
        memberships = request.user.memberships.select_related("organization")
    return render(request, "pages/home.html", {"kinds": kinds, "memberships": memberships})


@require_safe
def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/imprint.html")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice. Its table of what is kept how long comes from the same retention
    rules and settings that the daily job applies, so the two cannot disagree."""
    rows = [(rule.purpose, rule.stored, rule.kept()) for rule in retention_rules()]
    return render(request, "pages/privacy.html", {"retention_rows": rows})


@require_http_methods(["GET", "HEAD", "POST"])
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, with its feedback form: a reported barrier is stored,
    emailed to the operator, and copied to the person (accounts.services.report_barrier)."""
    user = request.user if request.user.is_authenticated else None
    initial = {"email": user.email if user else "", "name": user.name if user else ""}
    initial["page"] = request.GET.get("page", "")[:500]
    form = BarrierReportForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        report_barrier(by=user, language=get_language(), **form.cleaned_data)
        messages.success(
            request, _("Thank you. Your report has been sent; a copy is on its way to you.")
        )
        return redirect(reverse("accessibility") + "#feedback")
    return render(
        request,
        "pages/accessibility.html",
        {"form": form, "statement": settings.LERNPOOL_ACCESSIBILITY},
        status=400 if form.errors else 200,
    )


# The topics of the page in Leichte Sprache, and the sign-language videos with the same
# content (one video per topic, in this order). The keys name the video files.
EASY_READ_TOPICS = [
    ("lernpool", _("What Lernpool is")),
    ("geraet-ausleihen", _("How to borrow a device")),
    ("kurs", _("How to enrol in a course")),
    ("meine-daten", _("How to find your data")),
    ("hilfe", _("How to get help")),
]


@require_safe
def easy_read(request: HttpRequest) -> HttpResponse:
    """Lernpool in Leichte Sprache (German easy-to-read): German on every interface language,
    so its text is marked lang="de"."""
    return render(request, "pages/easy_read.html")


def _video_files(key: str) -> tuple:
    folder = settings.LERNPOOL_SIGN_LANGUAGE_VIDEO_DIR
    return folder / f"{key}.mp4", folder / f"{key}.vtt"


@require_safe
def sign_language(request: HttpRequest) -> HttpResponse:
    """The content of the Leichte Sprache page in German Sign Language (DGS): one video per
    topic, recorded by the operator and served by the installation, each with captions. A
    slot whose video or captions are missing says so."""
    slots = []
    for key, title in EASY_READ_TOPICS:
        video, captions = _video_files(key)
        slots.append({"key": key, "title": title, "ready": video.is_file() and captions.is_file()})
    return render(request, "pages/sign_language.html", {"slots": slots})


@require_safe
def sign_language_file(request: HttpRequest, key: str, kind: str) -> FileResponse:
    """A video or its captions, from the operator's folder; only the known topics."""
    if key not in dict(EASY_READ_TOPICS):
        raise Http404
    video, captions = _video_files(key)
    path = video if kind == "mp4" else captions
    if not path.is_file():
        raise Http404
    content_type = "video/mp4" if kind == "mp4" else "text/vtt; charset=utf-8"
    return FileResponse(path.open("rb"), content_type=content_type)
