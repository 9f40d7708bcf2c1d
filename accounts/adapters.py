from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.mail import site_url

from . import identity
from .mfa import needs_mfa


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Send allauth's emails in the recipient's preferred language, in Lernpool's layout
        (templates/account/email/): the operator signs, links point to SITE_URL."""
        user = context.get("user")
        language = getattr(user, "preferred_language", None) or translation.get_language()
        context = {
            "operator": settings.LERNPOOL_OPERATOR,
            "site_url": settings.LERNPOOL_SITE_URL,
            **context,
        }
        with translation.override(language):
            super().send_mail(template_prefix, email, context)

    def get_reset_password_from_key_url(self, key: str) -> str:
        return site_url(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return site_url(super().get_email_confirmation_url(request, emailconfirmation))

    def get_login_stages(self) -> list[str]:
        """allauth's stages, with a 2FA step that counts the identity provider's second
        factor (accounts.identity.AuthenticateStage)."""
        return [
            "accounts.identity.AuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def logout(self, request) -> None:
        """After logging out of Lernpool, the person is offered to log out at the identity
        provider they logged in with (accounts.identity), on the next page."""
        remembered = request.session.get(identity.LOGOUT_SESSION_KEY)
        url = identity.provider_logout_url(request, remembered)
        super().logout(request)
        if url:
            request.session[identity.LOGOUT_URL_SESSION_KEY] = {
                "url": url,
                "name": remembered.get("name", ""),
            }

    def get_logout_redirect_url(self, request) -> str:
        # allauth asks before it logs out: the page says whether the provider offers a logout.
        if request.session.get(identity.LOGOUT_SESSION_KEY):
            return reverse("accounts:provider_logout")
        return super().get_logout_redirect_url(request)

    def post_login(self, request, user, **kwargs):
        """After logging in, pages come in the language the person chose on their account,
        from this request on: allauth writes "Successfully signed in as …" here (after the
        2FA code too), for the next page, so it is written in that language as well."""
        language = getattr(user, "preferred_language", "")
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = super().post_login(request, user, **kwargs)
        if language in dict(settings.LANGUAGES) and hasattr(response, "set_cookie"):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                samesite="Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
        return response


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your role lets you see other people's data, so two-factor authentication cannot "
            "be deactivated on your account."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Whoever needs 2FA (accounts.mfa.needs_mfa) keeps their authenticator app."""
        if authenticator.type == Authenticator.Type.TOTP and needs_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
