"""The email that confirms an erasure. It goes to an address that no longer exists in the
database, so it is sent at once from what the caller kept, not by a task (a task row would
keep a copy of the address after the person is gone)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from config.mail import send_to_user

from .models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    """Where the confirmation goes and in which language, taken before the account is erased."""

    email: str
    preferred_language: str

    @classmethod
    def of(cls, user: User) -> Recipient:
        return cls(email=user.email, preferred_language=user.preferred_language)


def send_erasure_confirmation(
    recipient: Recipient, *, by_staff: bool = False, organization_name: str = ""
) -> None:
    """Tell the person their account and data are gone: at their own request, or by staff
    (of ``organization_name``; without one, the region office) answering their request."""
    context = {"by_staff": by_staff, "organization_name": organization_name}
    try:
        send_to_user(recipient, "accounts/erased", context)
    except OSError:  # SMTP errors too: the account is gone already, the page must say so
        logger.exception("The confirmation of an erasure could not be sent.")
