"""What accounts forgets by itself, and its privacy-notice lines (see accounts/privacy.py).

- Unused accounts: ``inactive_warning_days`` before an account has been unused (no login;
  never logged in: since it was made) for ``inactive_days``, the person gets one email in
  their language naming the day of deletion; logging in clears the warning. On that day the
  account is erased through ``erase_person``, unless something is still open (a device on
  loan): then it is kept and counted, and tried again on the next run.
  "Used" is the latest of the last login, when the account was made and the last use of any
  of its API tokens: a person who only uses the API keeps the account.
- The audit log: entries older than ``audit_days`` are deleted. When a rule unlinks a person
  from a row (a reservation, a loan, an enrolment), ``unlink_rows`` also removes them from
  the log entries about that row: the entries they made lose their actor, and their id goes
  from the entry's data. What staff did stays, for accountability, until ``audit_days``.
- Sessions: expired sessions are deleted, with their "your sessions" rows (allauth).

``run_retention`` is what ``manage.py apply_retention`` and the daily task call.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from itertools import batched

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F, Max, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import public_cache

from .audit import log_action
from .models import ApiToken, AuditLog, User
from .privacy import (
    ErasureBlocked,
    Retention,
    apply_retention,
    erase_person,
    erasure_blockers,
    register_retention,
    retention_setting,
)

DATABASE_SESSION_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


def inactive_days() -> int:
    return retention_setting("inactive_days")


def warning_days() -> int:
    return retention_setting("inactive_warning_days")


def deletion_day(warned_at: datetime.datetime) -> datetime.date:
    """The (local) day on which an account warned at ``warned_at`` is deleted."""
    return timezone.localdate(warned_at) + datetime.timedelta(days=warning_days())


def _accounts() -> QuerySet[User]:
    """Every account the rule looks at (never a superuser), with ``last_used``: the latest of
    the last login, when the account was made, and the last use of any of its API tokens
    (revoked ones too: they were used then)."""
    last_token_use = (
        ApiToken.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(last=Max("last_used_at"))
        .values("last")
    )
    # Each part coalesced: SQLite's and Oracle's GREATEST is NULL as soon as one part is.
    return User.objects.filter(is_superuser=False).alias(
        last_used=Greatest(
            Coalesce("last_login", "date_joined"),
            Coalesce(Subquery(last_token_use), "date_joined"),
        )
    )


def due_for_deletion(now: datetime.datetime) -> QuerySet[User]:
    """Warned accounts whose day of deletion has come and that were not used since."""
    # deletion_day(warned_at) <= today  ⇔  warned_at before the start of (today - warning + 1)
    first_safe_day = timezone.localdate(now) - datetime.timedelta(days=warning_days() - 1)
    warned_before = timezone.make_aware(datetime.datetime.combine(first_safe_day, datetime.time()))
    return _accounts().filter(
        inactivity_warned_at__lt=warned_before, last_used__lt=F("inactivity_warned_at")
    )


def _clear_stale_warnings() -> int:
    """A warned person who logged in since (should the login signal have been missed)."""
    return (
        _accounts()
        .filter(inactivity_warned_at__isnull=False, last_used__gte=F("inactivity_warned_at"))
        .update(inactivity_warned_at=None)
    )


def _delete_due_accounts(now: datetime.datetime) -> int:
    deleted = 0
    for user in due_for_deletion(now).order_by("pk"):
        if erasure_blockers(user):
            continue  # counted by blocked_inactive_accounts() after the run
        try:
            erase_person(user, by=None, reason="retention")
        except ErasureBlocked:  # something opened since the check above
            continue
        deleted += 1
    return deleted


def _warn_inactive_accounts(now: datetime.datetime) -> int:
    """Record the warning for each account that reaches the warning day, and queue one email
    each. The rows are locked and re-checked, so two runs at once warn nobody twice."""
    # The retention task runs this service, so the service imports the task it enqueues
    # late (the one direction at module level is tasks → retention).
    from .tasks import send_inactivity_warning

    unused_since = now - datetime.timedelta(days=inactive_days() - warning_days())
    with transaction.atomic():
        ids = list(
            _accounts()
            .filter(inactivity_warned_at__isnull=True, last_used__lte=unused_since)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        User.objects.filter(pk__in=ids).update(inactivity_warned_at=now)
        for user_id in ids:
            log_action(None, "accounts.inactivity_warned", User(pk=user_id))
            transaction.on_commit(partial(send_inactivity_warning.enqueue, user_id))
    return len(ids)


def forget_inactive_accounts(now: datetime.datetime) -> int:
    """Warn the accounts that reach the warning day, erase the warned ones whose day has
    come. Returns how many accounts were warned, deleted or (after a login) cleared."""
    cleared = _clear_stale_warnings()
    deleted = _delete_due_accounts(now)
    return cleared + deleted + _warn_inactive_accounts(now)


def blocked_inactive_accounts(now: datetime.datetime) -> int:
    """How many accounts are due for deletion but kept because something is still open."""
    return due_for_deletion(now).count()


@receiver(user_logged_in, dispatch_uid="accounts.retention.clear_inactivity_warning")
def clear_inactivity_warning(sender, request, user, **kwargs) -> None:
    """Logging in keeps the account: the warning no longer applies."""
    if getattr(user, "inactivity_warned_at", None) is not None:
        User.objects.filter(pk=user.pk).update(inactivity_warned_at=None)
        user.inactivity_warned_at = None


def delete_old_log_entries(now: datetime.datetime) -> int:
    cutoff = now - datetime.timedelta(days=retention_setting("audit_days"))
    deleted, _per_model = AuditLog.objects.filter(created_at__lte=cutoff).delete()
    return deleted


def delete_expired_sessions(now: datetime.datetime) -> int:
    """Expired sessions, and the "your sessions" rows whose session is gone. Only for the
    database session engines (other engines expire their sessions themselves)."""
    if settings.SESSION_ENGINE not in DATABASE_SESSION_ENGINES:
        return 0

    with transaction.atomic():
        sessions, _per_model = Session.objects.filter(expire_date__lte=now).delete()
        live = Session.objects.filter(expire_date__gt=now).values("session_key")
        rows, _per_model = UserSession.objects.exclude(session_key__in=live).delete()
    return sessions + rows


# --- Unlinking a person from rows, and from the log entries about them ----------------------

# The keys of a log entry's data that hold the id of the person a row is about
# (``booking.lent_at_desk`` records the borrower, the desk's library card entries the user).
PERSON_KEYS = ("user", "borrower")

# Rows per UPDATE and per look-up in the log: a first run over years of data stays a few
# queries per thousand rows, and no statement nears a database's limit on parameters.
CHUNK = 500


def unlink_rows(rows: QuerySet, person: str, **values) -> int:
    """Set ``values`` on ``rows`` (``person``, the field naming the row's person, among them,
    set to None) and remove that person from the log entries about those rows (see
    ``forget_in_log``). Returns how many rows changed. Call it inside a transaction: the rows
    are locked between reading their people and the update."""
    model = rows.model
    pairs = list(rows.select_for_update(of=("self",)).values_list("pk", person).order_by("pk"))
    # One UPDATE per chunk, no signal: the people's own pages lose the rows.
    public_cache.bump_people(person for _pk, person in pairs)
    changed = 0
    for chunk in batched(pairs, CHUNK):
        changed += model.objects.filter(pk__in=[pk for pk, _person in chunk]).update(**values)
        forget_in_log(model, chunk)
    return changed


def forget_in_log(model: type[Model], pairs: Iterable[tuple[int, int | None]]) -> int:
    """For each (row id, person id) of ``model``: the log entries about that row that the
    person made lose their actor, and keys of ``PERSON_KEYS`` holding the person's id go from
    their data. Entries by anyone else keep their actor. Two queries (the second one split by
    ``bulk_update`` only for very many entries); returns how many entries changed."""
    people = {str(pk): person for pk, person in pairs if person is not None}
    if not people:
        return 0
    # The content type by name, not by ContentType's cache: the same queries on every run.
    entries = AuditLog.objects.filter(
        target_type__app_label=model._meta.app_label,
        target_type__model=model._meta.model_name,
        target_id__in=list(people),
    ).filter(Q(actor_id__in=set(people.values())) | Q(data__has_any_keys=list(PERSON_KEYS)))
    changed = []
    for entry in entries.only("pk", "actor", "target_id", "data"):
        person = people[entry.target_id]
        data = {
            key: value
            for key, value in entry.data.items()
            if not (key in PERSON_KEYS and value == person)
        }
        if entry.actor_id != person and data == entry.data:
            continue  # a staff member's entry naming someone else's id
        if entry.actor_id == person:
            entry.actor_id = None
        entry.data = data
        changed.append(entry)
    AuditLog.objects.bulk_update(changed, ["actor", "data"])
    return len(changed)


@dataclass(frozen=True)
class RetentionRun:
    changed: dict[str, int]
    blocked_accounts: int


class DateInFuture(ValueError):
    """Retention as of a day after today would forget what is not yet due."""


def as_of(day: str | datetime.date) -> datetime.datetime:
    """The current local time of day on ``day`` (an ISO date): ``--date`` set to today is the
    same as no date. Raises ValueError for a malformed date, DateInFuture for a day after
    today (a typo must not unlink bookings and delete accounts ahead of time)."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    local_now = timezone.localtime()
    if day > local_now.date():
        raise DateInFuture(day)
    return timezone.make_aware(datetime.datetime.combine(day, local_now.time()))


def run_retention(now: datetime.datetime | None = None) -> RetentionRun:
    """Apply every registered rule once (the daily job), and count the unused accounts that
    stay because something is still open."""
    now = now or timezone.now()
    changed = apply_retention(now)
    return RetentionRun(changed=changed, blocked_accounts=blocked_inactive_accounts(now))


# --- The privacy notice's lines ------------------------------------------------------------


def _account_kept() -> str:
    days, warning = inactive_days(), warning_days()
    deleted = ngettext(
        "As long as you use it; after %(days)d day without a login or use of your API "
        "tokens it is deleted",
        "As long as you use it; after %(days)d days without a login or use of your API "
        "tokens it is deleted",
        days,
    ) % {"days": days}
    warned = ngettext(
        "we warn you by email %(days)d day before",
        "we warn you by email %(days)d days before",
        warning,
    ) % {"days": warning}
    return f"{deleted} ({warned})"


def _as_long_as_the_account() -> str:
    return _("As long as your account exists; you can remove it yourself at any time")


def _audit_kept() -> str:
    days = retention_setting("audit_days")
    return ngettext("%(days)d day, then deleted", "%(days)d days, then deleted", days) % {
        "days": days
    }


def _sessions_kept() -> str:
    days = max(1, settings.SESSION_COOKIE_AGE // 86400)
    return ngettext(
        "Until you log out, at most %(days)d day; then deleted",
        "Until you log out, at most %(days)d days; then deleted",
        days,
    ) % {"days": days}


register_retention(
    Retention(
        key="accounts.account",
        purpose=gettext_lazy("Your account"),
        stored=gettext_lazy(
            "Your email address, optionally your name, your preferred language, your password "
            "(only as a secure hash), when you last logged in."
        ),
        kept=_account_kept,
        apply=forget_inactive_accounts,
        order=10,
    )
)

register_retention(
    Retention(
        key="accounts.tokens",
        purpose=gettext_lazy("Access for your own programs (API tokens)"),
        stored=gettext_lazy(
            "The tokens you created: name, beginning, when created and last used; the secret "
            "only as a secure hash."
        ),
        kept=_as_long_as_the_account,
        order=12,
    )
)

register_retention(
    Retention(
        key="accounts.mfa",
        purpose=gettext_lazy("Two-factor authentication"),
        stored=gettext_lazy(
            "The secret of your authenticator app and your recovery codes, if you set them up."
        ),
        kept=_as_long_as_the_account,
        order=13,
    )
)

register_retention(
    Retention(
        key="accounts.identities",
        purpose=gettext_lazy("Logging in with the login of your school or of the city"),
        stored=gettext_lazy(
            "If you log in that way: which identity provider, your ID there, and what it told "
            "Lernpool at your last login (name, email address, groups)."
        ),
        kept=_as_long_as_the_account,
        order=14,
    )
)

register_retention(
    Retention(
        key="accounts.sessions",
        purpose=gettext_lazy("Keeping you logged in"),
        stored=gettext_lazy(
            "A session cookie, and for the list of your sessions the IP address, the browser "
            "and when each session began."
        ),
        kept=_sessions_kept,
        apply=delete_expired_sessions,
        order=70,
    )
)

register_retention(
    Retention(
        key="accounts.audit_log",
        purpose=gettext_lazy("Accountability: the log of actions"),
        stored=gettext_lazy(
            "Who did what to which record and when (for example a hand-out or a role "
            "change), as ids only, without names or email addresses."
        ),
        kept=_audit_kept,
        apply=delete_old_log_entries,
        order=71,
    )
)
