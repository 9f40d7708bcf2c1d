"""Staff, organization admins and region admins use no page until they have set up 2FA (or
logged in through an identity provider that vouched for a second factor)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from . import mfa

# Pages a person without the required 2FA may still use: the legal pages, the language switch
# (allauth's own pages, for login, logout, re-authentication, password, email and the 2FA setup
# itself, are recognised by their module).
OPEN_URL_NAMES = frozenset({"set_language", "imprint", "privacy", "accessibility"})


class RequireMFAMiddleware:
    """Sends a logged-in person who needs 2FA (``mfa.needs_mfa``) but has no TOTP
    authenticator to allauth's TOTP setup, with a message saying why; htmx requests get an
    ``HX-Redirect``, the API a JSON 403. Comes after allauth's middleware."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.session.get(
            mfa.CHECKED_SESSION_KEY
        ) == mfa.checked_marker(user):
            return None
        if _is_open(request, view_func) or not mfa.needs_mfa(user):
            return None
        # A login at an identity provider with a second factor counts as 2FA (accounts.identity).
        if mfa.second_factor_at_provider(request.session, user):
            return None
        if mfa.has_totp(user):
            request.session[mfa.CHECKED_SESSION_KEY] = mfa.checked_marker(user)
            request.session.pop(mfa.NEXT_SESSION_KEY, None)
            return None
        return _send_to_setup(request)


def _is_open(request: HttpRequest, view_func) -> bool:
    if request.path_info.startswith(settings.STATIC_URL):
        return True
    if getattr(view_func, "__module__", "").startswith("allauth."):
        return True
    match = request.resolver_match
    return match is not None and not match.namespace and match.url_name in OPEN_URL_NAMES


def _send_to_setup(request: HttpRequest) -> HttpResponse:
    message = mfa.mfa_required_message()
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403)
    here = request.get_full_path()
    setup = f"{reverse('mfa_activate_totp')}?{urlencode({'next': here})}"
    messages.warning(request, message)
    if request.method == "GET" and not request.htmx:
        request.session[mfa.NEXT_SESSION_KEY] = here
    if request.htmx:
        return HttpResponseClientRedirect(setup)
    return HttpResponseRedirect(setup)
