"""Two-factor authentication (allauth's TOTP) is required for everyone who manages data.

Staff, organization admins and region admins see other people's personal data, and
``is_staff``/``is_superuser`` open the Django admin: all of them need an authenticator app
before they can use any page but the account pages themselves (RequireMFAMiddleware), the
API refuses their tokens without it, and they cannot switch it off (MFAAdapter).
"""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_removed
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from allauth.mfa.utils import decrypt
from django.contrib.auth.signals import user_logged_in
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext as _

from .models import User

ROLES_NEEDING_MFA = frozenset({"staff", "org_admin", "region_admin"})

# Set in the session once a person who needs 2FA was seen to have it, so that the check costs
# no query on the following pages. Holds ``checked_marker(user)``: the person and the state of
# their authenticators.
CHECKED_SESSION_KEY = "lernpool_mfa_ok"
# Where the person wanted to go when they were sent to set up 2FA; the recovery codes page
# (the last step of the setup) links back there.
NEXT_SESSION_KEY = "lernpool_mfa_next"
# Set at a login through an identity provider whose ID token showed a second factor that the
# provider's configuration counts (accounts.identity): that login was a 2FA login, so the
# session needs no Lernpool TOTP. Holds ``provider_marker(user)``.
PROVIDER_SESSION_KEY = "lernpool_mfa_by_provider"

# The one TOTP secret of every demo account with a role that needs 2FA. It is public (like
# the demo password): `manage.py demo_code` prints its current code. Only seeded when
# settings.LERNPOOL_DEMO is on.
DEMO_TOTP_SECRET = "LERNPOOLDEMOLERNPOOLDEMOLERNPOOL"


def needs_mfa(user) -> bool:
    """Whether the person must use two-factor authentication (because of a role or admin
    access). One query for the roles, shared with the navigation that asks the same."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(user.role_names() & ROLES_NEEDING_MFA)


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


# Set by ``accounts.services.user_for_token`` on the user it loads: ``lacks_required_mfa``,
# worked out in the token's own query.
LACKS_MFA_ATTRIBUTE = "_lacks_required_mfa"


def lacks_required_mfa(user) -> bool:
    """``needs_mfa(user) and not has_totp(user)`` in one query (for API tokens, which have no
    session to remember the check in), or none when the token's query worked it out."""
    known = getattr(user, LACKS_MFA_ATTRIBUTE, None)
    if known is not None:
        return known
    totp = Authenticator.objects.filter(user_id=OuterRef("pk"), type=Authenticator.Type.TOTP)
    people = type(user).objects.filter(pk=user.pk).exclude(Exists(totp))
    if not (user.is_staff or user.is_superuser or user.is_region_admin):
        roles = ROLES_NEEDING_MFA - {"region_admin"}
        people = people.filter(memberships__role__in=roles)
    return people.exists()


def lacking_required_mfa(user_ref: str) -> Exists:
    """:func:`lacks_required_mfa` as an SQL expression over the user ``OuterRef(user_ref)``,
    for a query that reads the person anyway (the API token's)."""
    totp = Authenticator.objects.filter(user_id=OuterRef("pk"), type=Authenticator.Type.TOTP)
    roles = ROLES_NEEDING_MFA - {"region_admin"}
    needing = (
        Q(is_staff=True)
        | Q(is_superuser=True)
        | Q(is_region_admin=True)
        | Q(memberships__role__in=roles)
    )
    return Exists(User.objects.filter(needing, pk=OuterRef(user_ref)).exclude(Exists(totp)))


def mfa_required_message() -> str:
    return _(
        "Your role lets you see other people's data, so your account must be protected by "
        "two-factor authentication. Set up an authenticator app to continue."
    )


def give_totp(user, secret: str | None = None) -> str:
    """Activate TOTP for ``user`` (tests, the demo) and return its secret. No recovery codes:
    the person can generate them on their account page."""
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_secret(user) -> str | None:
    """The secret of the person's TOTP authenticator, or None without one."""
    authenticator = Authenticator.objects.filter(
        user_id=user.pk, type=Authenticator.Type.TOTP
    ).first()
    return decrypt(authenticator.data["secret"]) if authenticator else None


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for ``secret`` at time ``at`` (now by default)."""

    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


@receiver(user_logged_in, dispatch_uid="lernpool_check_mfa_at_login")
def check_mfa_at_login(sender, request=None, user=None, **kwargs) -> None:
    """Check at login, so that the pages after it cost nothing for the check."""
    session = getattr(request, "session", None)
    if session is not None and user is not None and needs_mfa(user) and has_totp(user):
        session[CHECKED_SESSION_KEY] = checked_marker(user)


@receiver(authenticator_removed, dispatch_uid="lernpool_forget_mfa_check")
def forget_mfa_check(sender, request=None, **kwargs) -> None:
    """An authenticator was removed: check again on the next page."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(CHECKED_SESSION_KEY, None)


@receiver(post_delete, sender=Authenticator, dispatch_uid="lernpool_forget_mfa_everywhere")
def forget_mfa_check_in_every_session(sender, instance, **kwargs) -> None:
    """However an authenticator goes (the person's settings, the Django admin, a script),
    every session of the person checks again: the remembered check names the person's
    ``mfa_epoch``, which moves on here."""

    User.objects.filter(pk=instance.user_id).update(mfa_epoch=F("mfa_epoch") + 1)


def provider_marker(user) -> str:
    return f"{user.pk}"


def second_factor_at_provider(session, user) -> bool:
    """Whether this session began with a 2FA login at an identity provider."""
    return session.get(PROVIDER_SESSION_KEY) == provider_marker(user)


def checked_marker(user) -> str:
    """What the session remembers after a successful check: valid until the person's
    authenticators change (the user row is loaded on every request anyway)."""
    return f"{user.pk}:{user.mfa_epoch}"
