"""Background work of accounts: the daily retention job and the warning before an unused
account is deleted. Ids and strings in, nothing heavy on import."""

from __future__ import annotations

from django.tasks import task

from . import emails


@task()
def send_inactivity_warning(user_id: int) -> bool:
    """The one email before an unused account is deleted, in the person's language."""

    return emails.send_inactivity_warning(user_id)


@task()
def send_erasure_notice(request_id: int) -> bool:
    """The email before an account is deleted at the person's request, recorded by staff."""

    return emails.send_erasure_notice(request_id)


@task()
def apply_retention(date: str | None = None) -> dict[str, int]:
    """The daily retention job (what ``manage.py apply_retention`` runs): every registered
    rule once. ``date`` as an ISO day acts as of that day's current time, for catching up.
    Returns how many rows each rule changed, and ``blocked_accounts``: unused accounts kept
    because something is still open."""
    # Tasks run the services' work; services enqueue tasks at module level, so this
    # direction is imported when the task runs.
    from .retention import as_of, run_retention

    result = run_retention(as_of(date) if date else None)
    return {**result.changed, "blocked_accounts": result.blocked_accounts}


@task()
def send_accessibility_feedback(feedback_id: int) -> bool:
    """A reported barrier to the operator, and its copy to the person who reported it."""

    return emails.send_accessibility_feedback(feedback_id)
