"""What accounts holds about a person: export, erase (registered with accounts.privacy).

Besides Lernpool's own account, tokens and log, this answers for the models of the libraries
the account rests on: allauth's email addresses, authenticators and sessions, and the Django
admin's history. Each export is one query, whatever the number of rows.
"""

from __future__ import annotations

import json
from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Q, Subquery
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import AccessibilityFeedback, ApiToken, AuditLog, User
from .privacy import PersonalData, register

# Objects whose name (``__str__``) is built from the person's: (model, field to the person,
# what else the name reads). Looked up by name, since accounts imports no app above it.
NAMED_AFTER_THE_PERSON = (
    ("organizations.Membership", "user", ("organization",)),
    ("booking.Loan", "borrower", ("pool",)),
    ("lending.WaitlistEntry", "user", ("pool",)),
    ("booking.CalendarToken", "user", ()),
    ("courses.Enrollment", "user", ("course",)),
)

ADMIN_ACTIONS = {ADDITION: _("Added"), CHANGE: _("Changed"), DELETION: _("Deleted")}


def _user_type() -> ContentType:
    return ContentType.objects.get_for_model(User)


# --- the account ---------------------------------------------------------------------------


def export_account(user: User) -> list[dict[str, Any]]:
    return [
        {
            "email": user.email,
            "name": user.name,
            "language": str(user.get_preferred_language_display()),
            "joined": user.date_joined,
            "last_login": user.last_login,
            "region_admin": user.is_region_admin,
        }
    ]


def _named_after(user: User) -> Q:
    """Admin history entries about objects whose name is built from the person's (a
    membership reads "Name – Role – Organization"): matched by the object itself, or by its
    name exactly as the admin wrote it, in any language of the site."""
    about = Q(pk__in=[])
    for label, field, related in NAMED_AFTER_THE_PERSON:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        rows = model.objects.filter(**{field: user})
        rows = list(rows.select_related(*related) if related else rows)
        if not rows:
            continue
        for row in rows:
            setattr(row, field, user)  # named after: no query to fetch the person again
        names = set()
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.update(str(row) for row in rows)
        about |= Q(content_type=ContentType.objects.get_for_model(model)) & (
            Q(object_id__in=[str(row.pk) for row in rows]) | Q(object_repr__in=names)
        )
    return about


def erase_account(user: User) -> None:
    """The Django admin's history about the person keeps its rows (who changed what, when)
    without the text that named them: the entries about the account itself, those whose
    object is the email address, and those about the person's memberships, loans, waiting
    places, enrolments and calendar subscription (see ``_named_after``). Never a search for
    the name inside other text: that would hit other people ("Anna" in "Johanna"). The
    entries the person made themselves as an admin go with the account (``LogEntry.user``
    is CASCADE). Every session of the person ends."""
    about = (
        Q(content_type=_user_type(), object_id=str(user.pk))
        | Q(object_repr__iexact=user.email)
        | _named_after(user)
    )
    LogEntry.objects.filter(about).exclude(object_repr="", change_message="").update(
        object_repr="", change_message=""
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in UserSession.objects.filter(user=user).values_list("session_key", flat=True):
        store(session_key=key).delete()


register(
    PersonalData(
        key="account",
        label=_("Account"),
        covers=(),
        export=export_account,
        columns=(
            ("email", _("Email address")),
            ("name", _("Name")),
            ("language", _("Language")),
            ("joined", _("Registered")),
            ("last_login", _("Last login")),
            ("region_admin", _("Region administrator")),
        ),
        erase=erase_account,
    )
)


# --- email addresses -----------------------------------------------------------------------


def export_email_addresses(user: User) -> list[dict[str, Any]]:
    return list(
        EmailAddress.objects.filter(user=user)
        .order_by("-primary", "email")
        .values("email", "verified", "primary")
    )


register(
    PersonalData(
        key="email_addresses",
        label=_("Email addresses"),
        covers=("account.EmailAddress.user",),
        export=export_email_addresses,
        columns=(
            ("email", _("Email address")),
            ("verified", _("Confirmed")),
            ("primary", _("Primary")),
        ),
    )
)


# --- identities at identity providers (single sign-on) --------------------------------------


def export_identities(user: User) -> list[dict[str, Any]]:
    """The linked logins of schools' and the city's identity providers, with what the provider
    told Lernpool at the last login. Erased with the account (CASCADE)."""
    label = SocialApp.objects.filter(provider_id=OuterRef("provider")).values("name")[:1]
    rows = (
        SocialAccount.objects.filter(user=user)
        .annotate(label=Subquery(label))
        .order_by("date_joined")
        .values("label", "provider", "uid", "date_joined", "last_login", "extra_data")
    )
    return [
        {
            "provider": row["label"] or row["provider"],
            "uid": row["uid"],
            "linked": row["date_joined"],
            "last_login": row["last_login"],
            "claims": json.dumps(row["extra_data"], sort_keys=True, ensure_ascii=False),
        }
        for row in rows
    ]


register(
    PersonalData(
        key="identities",
        label=_("Linked logins (single sign-on)"),
        covers=("socialaccount.SocialAccount.user",),
        export=export_identities,
        columns=(
            ("provider", _("Identity provider")),
            ("uid", _("Your ID there")),
            ("linked", _("Linked")),
            ("last_login", _("Last login")),
            ("claims", _("What the provider told Lernpool")),
        ),
    )
)


# --- API tokens ----------------------------------------------------------------------------


def export_api_tokens(user: User) -> list[dict[str, Any]]:
    # Never the hash: it would let anyone holding the export test guesses of the secret.
    return [
        {
            "name": row["name"],
            "beginning": f"{row['hint']}…",
            "created": row["created_at"],
            "last_used": row["last_used_at"],
            "revoked": row["revoked_at"],
        }
        for row in ApiToken.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values("name", "hint", "created_at", "last_used_at", "revoked_at")
    ]


register(
    PersonalData(
        key="api_tokens",
        label=_("API tokens"),
        covers=("accounts.ApiToken.user",),
        export=export_api_tokens,
        columns=(
            ("name", _("Name")),
            ("beginning", _("Beginning")),
            ("created", _("Created")),
            ("last_used", _("Last used")),
            ("revoked", _("Revoked")),
        ),
    )
)


# --- the audit log -------------------------------------------------------------------------


def export_audit_log(user: User) -> list[dict[str, Any]]:
    """What the person did, and what was done to their account (by them or by staff). The
    entries hold ids only; who else acted is not said."""
    rows = (
        AuditLog.objects.filter(
            Q(actor_id=user.pk) | Q(target_type=_user_type(), target_id=str(user.pk))
        )
        .order_by("-created_at", "-pk")
        .values(
            "created_at",
            "action",
            "actor_id",
            "target_type__app_label",
            "target_type__model",
            "target_id",
            "organization_id",
        )
    )
    return [
        {
            "time": row["created_at"],
            "action": row["action"],
            "object": (
                f"{row['target_type__app_label']}.{row['target_type__model']}"
                if row["target_type__app_label"]
                else ""
            ),
            "object_id": row["target_id"],
            "organization_id": row["organization_id"],
            "by_you": row["actor_id"] == user.pk,
        }
        for row in rows
    ]


register(
    PersonalData(
        key="audit_log",
        label=_("Log entries"),
        covers=("accounts.AuditLog.actor",),
        export=export_audit_log,
        columns=(
            ("time", _("Time")),
            ("action", _("Action")),
            ("object", _("Object")),
            ("object_id", _("Object number")),
            ("organization_id", _("Organization number")),
            ("by_you", _("Done by you")),
        ),
    )
)


# --- two-factor authentication -------------------------------------------------------------


def export_authenticators(user: User) -> list[dict[str, Any]]:
    # Never ``data``: it holds the TOTP secret and the recovery codes.
    types = dict(Authenticator.Type.choices)
    return [
        {
            "type": str(types.get(row["type"], row["type"])),
            "created": row["created_at"],
            "last_used": row["last_used_at"],
        }
        for row in Authenticator.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values("type", "created_at", "last_used_at")
    ]


register(
    PersonalData(
        key="authenticators",
        label=_("Two-factor authentication"),
        covers=("mfa.Authenticator.user",),
        export=export_authenticators,
        columns=(
            ("type", _("Type")),
            ("created", _("Set up")),
            ("last_used", _("Last used")),
        ),
    )
)


# --- sessions ------------------------------------------------------------------------------


def export_sessions(user: User) -> list[dict[str, Any]]:
    # Never the session key: it is what logs a browser in.
    return [
        {
            "created": row["created_at"],
            "last_seen": row["last_seen_at"],
            "ip": row["ip"],
            "browser": row["user_agent"],
        }
        for row in UserSession.objects.filter(user=user)
        .order_by("-last_seen_at", "-pk")
        .values("created_at", "last_seen_at", "ip", "user_agent")
    ]


register(
    PersonalData(
        key="sessions",
        label=_("Sessions"),
        covers=("usersessions.UserSession.user",),
        export=export_sessions,
        columns=(
            ("created", _("Logged in")),
            ("last_seen", _("Last seen")),
            ("ip", _("IP address")),
            ("browser", _("Browser")),
        ),
    )
)


# --- the Django admin's history ------------------------------------------------------------


def export_admin_log(user: User) -> list[dict[str, Any]]:
    # Not ``object_repr`` or ``change_message``: the object changed may be another person.
    return [
        {
            "time": row["action_time"],
            "action": str(ADMIN_ACTIONS.get(row["action_flag"], row["action_flag"])),
            "object": (
                f"{row['content_type__app_label']}.{row['content_type__model']}"
                if row["content_type__app_label"]
                else ""
            ),
            "object_id": row["object_id"] or "",
        }
        for row in LogEntry.objects.filter(user=user)
        .order_by("-action_time", "-pk")
        .values(
            "action_time",
            "action_flag",
            "content_type__app_label",
            "content_type__model",
            "object_id",
        )
    ]


register(
    PersonalData(
        key="admin_log",
        label=_("Changes in the administration"),
        covers=("admin.LogEntry.user",),
        export=export_admin_log,
        columns=(
            ("time", _("Time")),
            ("action", _("Action")),
            ("object", _("Object")),
            ("object_id", _("Object number")),
        ),
    )
)


# --- barriers reported through the accessibility statement ---------------------------------


def _feedback_of(user: User):

    return AccessibilityFeedback.objects.filter(Q(user=user) | Q(email__iexact=user.email))


def export_accessibility_feedback(user: User) -> list[dict[str, Any]]:
    return list(
        _feedback_of(user)
        .order_by("-created_at", "-pk")
        .values("created_at", "page", "message", "answered_at")
    )


def erase_accessibility_feedback(user: User) -> None:
    # The report was about the software, not the person: the barrier stays known, the person
    # who reported it is forgotten.
    _feedback_of(user).update(user=None, name="", email="", message="", answer_note="")


register(
    PersonalData(
        key="accessibility_feedback",
        label=_("Barriers you reported"),
        covers=("accounts.AccessibilityFeedback.user",),
        export=export_accessibility_feedback,
        columns=(
            ("created_at", _("Received")),
            ("page", _("Page")),
            ("message", _("Message")),
            ("answered_at", _("Answered")),
        ),
        erase=erase_accessibility_feedback,
    )
)
