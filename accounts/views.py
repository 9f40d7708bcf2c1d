from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from config.errors import DomainError

from . import services
from .forms import ApiTokenForm, ProfileForm


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
