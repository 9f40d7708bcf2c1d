"""Background tasks of lending to residents: ids and strings in, the services do the work."""

from __future__ import annotations

import datetime

from django.tasks import task

from devices.models import DevicePool

from . import emails


def _services():
    # Services enqueue these tasks (imported at module level there); a task runs a service's
    # work when it runs, so this one direction is imported late.
    from . import services

    return services


@task()
def offer_waitlist(pool_id: int) -> list[int]:
    """A device of a residents' pool came free: offer it to the next people waiting."""
    return [entry.pk for entry in _services().offer_next(pool=DevicePool(pk=pool_id))]


@task()
def send_waitlist_email(entry_id: int, kind: str) -> None:
    """A device is held for a waiting person ("offered"), or the hold ran out ("expired")."""
    emails.send_waitlist_email(entry_id, kind)


@task()
def send_lending_email(kind: str, reservation_id: int) -> None:
    """A loan is reserved: where and when to pick it up, and what to bring."""
    emails.send_lending_email(kind, reservation_id)


@task()
def send_loan_notice(loan_id: int, kind: str, days: int) -> None:
    """A reminder before the due date, or an overdue notice after it."""
    emails.send_loan_notice(loan_id, kind, days)


@task()
def send_overdue_notices(today: str | None = None) -> dict[str, int]:
    """The daily lending job: overdue reminders and notices, then expired waiting-list holds.
    ``today`` as an ISO date, for catching up a missed day."""
    services = _services()
    summary = services.send_overdue_notices(
        today=datetime.date.fromisoformat(today) if today else None
    )
    expired = services.expire_holds()
    released = services.release_no_shows()
    return {
        "reminders": summary.reminders,
        "notices": summary.notices,
        "expired_holds": expired,
        "not_picked_up": released,
    }


@task()
def expire_waitlist_holds() -> int:
    return _services().expire_holds()
