"""Background work of booking: emails and the shortfall check. Ids in, nothing heavy on
import."""

from __future__ import annotations

from django.tasks import task

from . import emails


def _services():
    # Services enqueue tasks (imported at module level there); a task runs a service's work
    # when it runs, so this one direction is imported late.
    from . import services

    return services


@task()
def send_reservation_email(reservation_id: int, kind: str) -> None:
    """Tell the person who booked: confirmed, requested, approved, declined, cancelled by
    staff, or a shortfall (their booking may not get all its devices)."""

    emails.send_reservation_email(reservation_id, kind)


@task()
def send_series_email(series_id: int) -> None:

    emails.send_series_email(series_id)


@task()
def check_shortfall(pool_id: int) -> list[int]:

    return _services().update_shortfalls(pool_id=pool_id)


@task()
def tell_staff_of_request(reservation_id: int, dates: int = 1) -> None:
    """A request for one of their pools waits: its organization's staff are emailed."""

    emails.send_request_to_staff(reservation_id, dates)
