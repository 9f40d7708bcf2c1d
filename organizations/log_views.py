"""The audit log of an organization, for its admins (and region admins): who did what, when,
to which object. Entries hold ids only; the page shows the names of colleagues (members of
the organization and region admins) and nobody else's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.models import AuditLog
from core import spreadsheet
from core.request_input import is_id

from .access import administered_organization
from .forms import LogFilterForm
from .log_labels import TARGET_URLS, action_label, is_system_action
from .models import Membership, Organization

PAGE_SIZE = 50


@dataclass
class LogRow:
    when: object
    who: str
    who_kind: str  # "person", "other", "deleted" or "system"
    action: str
    label: str
    target_type: str
    target_id: str
    target_url: str


def entries_of(organization: Organization) -> QuerySet[AuditLog]:
    """The organization's entries, newest first, each knowing whether its actor is a member."""
    member = Membership.objects.filter(organization=organization, user_id=OuterRef("actor_id"))
    return (
        AuditLog.objects.filter(organization_id=organization.pk)
        .select_related("actor", "target_type")
        .annotate(actor_is_colleague=Exists(member) | Q(actor__is_region_admin=True))
        .order_by("-created_at", "-pk")
    )


def _who(entry: AuditLog) -> tuple[str, str]:
    actor = entry.actor
    if actor is None:
        if is_system_action(entry.action, entry.data):
            return _("System"), "system"
        return _("Deleted person"), "deleted"
    if entry.actor_is_colleague:
        return actor.name or actor.email, "person"
    # Someone from outside (a resident, a teacher of another school): not named here.
    return _("Person no. %(id)s") % {"id": actor.pk}, "other"


def _target_url(model_key: str, target_id: str) -> str:
    name = TARGET_URLS.get(model_key)
    if not name or not is_id(target_id):
        return ""
    try:
        return reverse(name, kwargs={"pk": int(target_id)})
    except NoReverseMatch:
        return ""


def row(entry: AuditLog) -> LogRow:
    who, who_kind = _who(entry)
    content_type = entry.target_type
    model_key = f"{content_type.app_label}.{content_type.model}" if content_type else ""
    return LogRow(
        when=entry.created_at,
        who=who,
        who_kind=who_kind,
        action=entry.action,
        label=action_label(entry.action),
        target_type=str(content_type.name) if content_type else "",
        target_id=entry.target_id,
        target_url=_target_url(model_key, entry.target_id),
    )


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The log, newest first, 50 a page, filtered by group of actions and days."""
    organization, administered = administered_organization(request)
    form = LogFilterForm(request.GET)
    valid = form.is_valid()
    page = None
    if valid:
        entries = form.filter(entries_of(organization))
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        page.rows = [row(entry) for entry in page.object_list]
    return render(
        request,
        "organizations/log.html",
        {
            "form": form,
            "page": page,
            "organization": organization,
            "organizations": administered,
        },
        status=200 if valid else 400,
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(entries: QuerySet[AuditLog]) -> Iterator[str]:
    writer = spreadsheet.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(
        [_("Time"), _("Who"), _("What"), _("Action code"), _("Object"), _("Object id")]
    )
    for entry in entries.iterator(chunk_size=500):
        line = row(entry)
        yield writer.writerow(
            (
                timezone.localtime(line.when).isoformat(timespec="seconds"),
                line.who,
                line.label,
                line.action,
                line.target_type,
                line.target_id,
            )
        )


@require_safe
@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The filtered log as CSV (';'-separated, with a BOM for Excel)."""
    organization, administered = administered_organization(request)
    form = LogFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "organizations/log.html",
            {
                "form": form,
                "page": None,
                "organization": organization,
                "organizations": administered,
            },
            status=400,
        )
    entries = form.filter(entries_of(organization))
    response = StreamingHttpResponse(_csv_lines(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="log-{organization.slug}.csv"'
    return response
