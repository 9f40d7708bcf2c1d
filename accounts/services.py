"""Account rules: personal API tokens, the preferred language, accessibility feedback."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.prepared import PreparedQuery

from . import mfa
from .audit import log_action
from .models import AccessibilityFeedback, ApiToken, User
from .tasks import send_accessibility_feedback

MAX_ACTIVE_TOKENS = 20


class TooManyTokens(DomainError):
    """The person already has as many active tokens as one may have."""


def create_api_token(*, by: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``by`` and return it with its secret, which is never stored."""
    name = name.strip()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=by.pk)
        if user.api_tokens.active().count() >= MAX_ACTIVE_TOKENS:
            raise TooManyTokens(
                _("You already have %(max)d active tokens. Revoke one you no longer use first.")
                % {"max": MAX_ACTIVE_TOKENS}
            )
        secret = ApiToken.generate()
        token = ApiToken.objects.create(
            user=user, name=name, key_hash=ApiToken.hash(secret), hint=secret[:7]
        )
        log_action(by, "accounts.token_created", token)
    return token, secret


def revoke_api_token(*, by: User, token: ApiToken) -> ApiToken:
    """Revoke one of ``by``'s own tokens; a revoked token never authenticates again."""
    if token.user_id != by.pk:
        raise ApiToken.DoesNotExist
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            log_action(by, "accounts.token_revoked", token)
    return token


# Read on every API request with a token: built and compiled once (core.prepared).
_ACTIVE_TOKEN = PreparedQuery(
    lambda key_hash: (
        ApiToken.objects.active()
        .select_related("user")
        .annotate(lacks_mfa=mfa.lacking_required_mfa("user_id"))
        .filter(key_hash=key_hash, user__is_active=True)[:1]
    )
)


def user_for_token(secret: str) -> User | None:
    """The active user an API token belongs to, or None. Whether the person lacks the 2FA
    their role needs is read in the same query (``mfa.lacks_required_mfa`` answers from it)."""
    if not secret.startswith(ApiToken.PREFIX):
        return None
    token = _ACTIVE_TOKEN.first(key_hash=ApiToken.hash(secret))
    if token is None:
        return None
    now = timezone.now()
    # Record use at most once a minute, so that reads do not turn into a write each.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    setattr(token.user, mfa.LACKS_MFA_ATTRIBUTE, token.lacks_mfa)
    return token.user


def set_preferred_language(*, by: User, language: str) -> User:
    return update_profile(by=by, preferred_language=language)


def update_profile(
    *, by: User, name: str | None = None, preferred_language: str | None = None
) -> User:
    """Change one's own name and preferred language (emails go out in that language)."""
    fields = []
    if name is not None:
        by.name = name.strip()
        fields.append("name")
    if preferred_language is not None:
        by.preferred_language = preferred_language
        fields.append("preferred_language")
    if fields:
        by.save(update_fields=fields)
    return by


def report_barrier(
    *, by: User | None, name: str, email: str, page: str, message: str, language: str
) -> AccessibilityFeedback:
    """Store a barrier someone reports through the accessibility statement's form; once
    stored, it is emailed to the operator and a copy goes to the person."""

    with transaction.atomic():
        feedback = AccessibilityFeedback.objects.create(
            user=by if by is not None and by.is_authenticated else None,
            name=name.strip(),
            email=email.strip(),
            page=page.strip(),
            message=message.strip(),
            language=language,
        )
        log_action(feedback.user, "accounts.barrier_reported", feedback)
    transaction.on_commit(partial(send_accessibility_feedback.enqueue, feedback.pk))
    return feedback
