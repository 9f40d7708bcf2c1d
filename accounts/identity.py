"""Single sign-on with the identity providers of schools and the city (OpenID Connect).

Each provider is an allauth social application of the provider ``openid_connect`` (Django
admin, or ``OIDC_PROVIDERS`` in the environment). allauth runs the protocol and verifies the
ID token (issuer, audience, expiry); this module reads what Lernpool configures on top, under
``settings["lernpool"]`` of the app:

``organizations``  slugs of the organizations the provider serves (role mappings outside
                   them are ignored)
``mfa_amr``        ``amr`` values that show a second factor at the provider (e.g. ``["otp",
                   "mfa", "hwk"]``); ``mfa_acr``: ``acr`` values that do
``roles``          ``[{"claim": "groups", "value": "lehrkraefte-gym", "organization":
                   "gymnasium-x", "role": "teacher"}, ...]``

After a login through a provider, ``identity_verified`` is sent with the verified claims:
``organizations`` grants and removes the mapped roles (its membership service), and the
2FA rule (``accounts.mfa``) learns whether the provider vouched for a second factor.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import requests
from allauth.account.signals import user_logged_in
from allauth.mfa.stages import AuthenticateStage as _AllauthAuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter, get_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.dispatch import Signal, receiver
from django.urls import reverse
from django.utils.http import urlencode

from core.mail import site_url

from . import mfa

# Sent after a login through an identity provider, with ``user``, ``provider_id``, ``claims``
# (the verified ID token's claims, overlaid by the provider's userinfo) and ``config`` (the
# app's "lernpool" settings).
identity_verified = Signal()

# Where the provider's logout (RP-initiated) is remembered for the logout page.
LOGOUT_SESSION_KEY = "lernpool_provider_logout"


def lernpool_config(app) -> dict[str, Any]:
    """What Lernpool configures for the provider, with every key present."""
    config = dict((app.settings or {}).get("lernpool") or {})
    for key in ("organizations", "mfa_amr", "mfa_acr", "roles"):
        config[key] = list(config.get(key) or [])
    return config


def verified_claims(sociallogin) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ID token's claims (verified by allauth) and those merged with userinfo (fetched
    from the provider over the back channel)."""
    extra = sociallogin.account.extra_data or {}
    id_token = dict(extra.get("id_token") or {})
    return id_token, {**id_token, **(extra.get("userinfo") or {})}


def vouches_for_second_factor(config: dict[str, Any], id_token: dict[str, Any]) -> bool:
    """Whether the ID token's ``amr``/``acr`` shows a second factor the provider's
    configuration counts. Only the ID token counts: it is what the provider signed."""
    amr = id_token.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if set(amr) & set(config["mfa_amr"]):
        return True
    return bool(id_token.get("acr")) and id_token.get("acr") in config["mfa_acr"]


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        """A new account takes name and language from the provider's claims."""
        user = super().populate_user(request, sociallogin, data)
        _, claims = verified_claims(sociallogin)
        name = claims.get("name") or " ".join(
            part for part in (claims.get("given_name"), claims.get("family_name")) if part
        )
        user.name = (name or "")[:150]
        language = str(claims.get("preferred_language") or claims.get("locale") or "")[:2]
        if language in dict(settings.LANGUAGES):
            user.preferred_language = language
        return user


@receiver(user_logged_in, dispatch_uid="lernpool_identity_login")
def after_provider_login(sender, request=None, user=None, sociallogin=None, **kwargs) -> None:
    if sociallogin is None or request is None:
        return
    provider = sociallogin.account.get_provider(request)
    if provider.id != "openid_connect":
        return
    app = provider.app
    config = lernpool_config(app)
    id_token, claims = verified_claims(sociallogin)
    if vouches_for_second_factor(config, id_token):
        request.session[mfa.PROVIDER_SESSION_KEY] = mfa.provider_marker(user)
    else:
        request.session.pop(mfa.PROVIDER_SESSION_KEY, None)
    request.session[LOGOUT_SESSION_KEY] = {"provider_id": app.provider_id, "name": app.name}
    identity_verified.send(
        sender=SocialAccountAdapter,
        user=user,
        provider_id=app.provider_id,
        claims=claims,
        config=config,
    )


# --- Logout at the provider (OpenID Connect RP-Initiated Logout) ----------------------------

LOGOUT_URL_SESSION_KEY = "lernpool_provider_logout_url"


def provider_logout_url(request, remembered: dict[str, Any] | None) -> str | None:
    """The provider's end_session_endpoint, with this client and the way back to Lernpool,
    for the provider the session logged in with; None where the provider offers none."""
    if not remembered:
        return None
    try:
        adapter = OpenIDConnectOAuth2Adapter(request, remembered["provider_id"])
        endpoint = adapter.openid_config.get("end_session_endpoint")
        client_id = adapter.get_provider().app.client_id
    except (SocialApp.DoesNotExist, requests.RequestException, ValueError):
        return None
    if not endpoint:
        return None
    back = site_url(reverse("home"))
    query = urlencode({"client_id": client_id, "post_logout_redirect_uri": back})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


# --- Content Security Policy: the login forms post on to the providers --------------------

# Pages with a form whose POST allauth answers with a redirect to a provider; browsers hold
# such redirects to the page's form-action too.
PAGES_POSTING_TO_PROVIDERS = frozenset(
    {"account_login", "socialaccount_connections", "openid_connect_login"}
)


def provider_origins() -> list[str]:
    """The origins (scheme://host[:port]) of every configured identity provider."""
    origins = set()
    for app in get_adapter().list_apps(None, provider="openid_connect"):
        parts = urllib.parse.urlsplit((app.settings or {}).get("server_url", ""))
        if parts.scheme in ("https", "http") and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


class ProviderFormActionMiddleware:
    """Lets the login pages' forms go on to the identity providers (CSP form-action), and
    only those pages. Sits after Django's CSP middleware, which reads ``_csp_config``."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in PAGES_POSTING_TO_PROVIDERS:
            origins = provider_origins()
            if origins:
                policy = dict(settings.SECURE_CSP)
                policy["form-action"] = [*policy.get("form-action", []), *origins]
                response._csp_config = policy
        return response


# --- allauth's 2FA step at login -----------------------------------------------------------


def login_vouched_by_provider(request, sociallogin) -> bool:
    """Whether a login through a provider carried a second factor that the provider's
    configuration counts (the verified ID token's amr/acr)."""
    if sociallogin is None:
        return False
    provider = sociallogin.account.get_provider(request)
    if provider.id != "openid_connect":
        return False
    id_token, _ = verified_claims(sociallogin)
    return vouches_for_second_factor(lernpool_config(provider.app), id_token)


class AuthenticateStage(_AllauthAuthenticateStage):
    """allauth's step that asks for the Lernpool authenticator code at login, skipped when
    the provider's login had a second factor already (no second code for the same login)."""

    def _should_handle(self, request) -> bool:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if login_vouched_by_provider(request, sociallogin):
            return False
        return super()._should_handle(request)
