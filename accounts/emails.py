"""The accounts emails. Each loads what it needs by id (they run as tasks)."""

from __future__ import annotations

from config.mail import send_to_user

from .models import User


def send_inactivity_warning(user_id: int) -> bool:
    """Tell a person that their unused account will be deleted, on which day, and that
    logging in keeps it. Nothing is sent when they logged in since the warning was recorded
    (or the account is gone). Returns whether an email went out."""
    from . import retention

    user = User.objects.filter(pk=user_id, inactivity_warned_at__isnull=False).first()
    if user is None:
        return False
    send_to_user(
        user,
        "accounts/inactive_warning",
        {
            "deletion_date": retention.deletion_day(user.inactivity_warned_at),
            "last_used": user.last_login or user.date_joined,
            "inactive_days": retention.inactive_days(),
        },
    )
    return True
