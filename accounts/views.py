from __future__ import annotations

import datetime
import json
from typing import Any

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.i18n import set_language as django_set_language

from core.errors import DomainError

from . import erasure_requests, identity, privacy, services
from .emails import Recipient, send_erasure_confirmation
from .forms import ApiTokenForm, DeleteAccountForm, ProfileForm, erasure_confirmed


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The account page: name, language, API tokens, and links to security settings."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(by=request.user, **form.cleaned_data)
        messages.success(request, _("Your details were saved."))
        response = redirect("accounts:profile")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.cleaned_data["preferred_language"],
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        return response
    return _render_profile(request, form=form, status=400 if form.errors else 200)


def _render_profile(request, *, form=None, token_form=None, new_secret=None, status=200):
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form or ProfileForm(instance=request.user),
            "token_form": token_form or ApiTokenForm(prefix="token"),
            "tokens": request.user.api_tokens.all(),
            "memberships": request.user.memberships.select_related("organization"),
            "new_secret": new_secret,
        },
        status=status,
    )


@require_POST
@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST, prefix="token")
    if form.is_valid():
        try:
            token, secret = services.create_api_token(
                by=request.user, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
            # The secret is shown on this one response and never again.
            return _render_profile(request, new_secret=secret, status=201)
    return _render_profile(request, token_form=form, status=400)


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens.active(), pk=token_id)
    services.revoke_api_token(by=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:profile")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembering the choice on the account for emails too."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(
        request.user._meta.get_field("preferred_language").choices
    ):
        services.set_preferred_language(by=request.user, language=language)
    return response


# ---------------------------------------------------------------------------------------
# My data, and deleting my account


def readable_cell(value: Any) -> str:
    """One exported value as a person reads it: local dates and times, yes/no, a dash."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def readable_sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The export's sections as tables: headings from ``columns``, cells in their order."""
    tables = []
    for section in data["sections"]:
        columns = list(section["columns"])
        if not columns and section["rows"]:  # a section that names no columns: its keys
            columns = [(key, key) for key in section["rows"][0]]
        tables.append(
            {
                "key": section["key"],
                "label": section["label"],
                "headers": [label for _key, label in columns],
                "rows": [
                    [readable_cell(row.get(key)) for key, _label in columns]
                    for row in section["rows"]
                ],
            }
        )
    return tables


def export_response(data: dict[str, Any], filename: str) -> HttpResponse:
    """The export as a JSON file to save (UTF-8, indented so a person can read it too)."""
    body = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    return HttpResponse(
        body,
        content_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@require_safe
@login_required
@never_cache
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything Lernpool holds about me, section by section, readable."""
    data = privacy.export_data(request.user)
    context = {
        "sections": readable_sections(data),
        "erasure_waiting": erasure_requests.pending(request.user),
    }
    return render(request, "accounts/my_data.html", context)


@require_POST
@login_required
def keep_account(request: HttpRequest) -> HttpResponse:
    """The person objects to the deletion that staff recorded on their behalf."""
    if erasure_requests.object_to_erasure(request.user):
        messages.success(request, _("Your account is kept. It will not be deleted."))
    return redirect("accounts:my_data")


@require_safe
@login_required
@never_cache
def my_data_json(request: HttpRequest) -> HttpResponse:
    data = privacy.export_for(request.user, by=request.user)
    return export_response(data, f"lernpool-data-{timezone.localdate():%Y-%m-%d}.json")


@require_http_methods(["GET", "POST"])
@login_required
@reauthentication_required(enabled=erasure_confirmed)
@never_cache
def delete(request: HttpRequest) -> HttpResponse:
    """What deleting my account erases and keeps; ticked and re-authenticated, it is done."""
    user = request.user
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    blockers = privacy.erasure_blockers(user)
    if request.method == "POST" and not blockers and form.is_valid():
        recipient = Recipient.of(user)
        try:
            privacy.erase_person(user, by=user)
        except privacy.ErasureBlocked:
            blockers = privacy.erasure_blockers(user)
        else:
            logout(request)
            send_erasure_confirmation(recipient)
            messages.success(request, _("Your account and all your data have been deleted."))
            return redirect("home")
    context = {
        "form": form,
        "blockers": blockers,
        "summary": privacy.erasure_summary(user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete.html", context, status=status)


@require_safe
@never_cache
def provider_logout(request: HttpRequest) -> HttpResponse:
    """Logged out of Lernpool; the offer to log out at the identity provider too (remembered
    by the logout in this session, once)."""
    offer = request.session.pop(identity.LOGOUT_URL_SESSION_KEY, None)
    if not offer:
        return redirect("home")
    return render(request, "accounts/provider_logout.html", {"offer": offer})
