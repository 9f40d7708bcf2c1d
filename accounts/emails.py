"""The accounts emails. The inactivity warning loads what it needs by id (it runs as a task);
the confirmation of an erasure goes to an address that no longer exists in the database, so
it is sent at once from what the caller kept, not by a task (a task row would keep a copy of
the address after the person is gone)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.mail import send_to_user

from . import retention
from .models import AccessibilityFeedback, ErasureRequest, User


def send_inactivity_warning(user_id: int) -> bool:
    """Tell a person that their unused account will be deleted, on which day, and that
    logging in keeps it. Nothing is sent when they logged in since the warning was recorded
    (or the account is gone). Returns whether an email went out."""

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


def send_erasure_notice(request_id: int) -> bool:
    """Tell a person that staff recorded their request to delete their account, on which day
    it will be deleted, and how to object. Nothing is sent when the request was withdrawn or
    the account is gone. Returns whether an email went out."""

    request = (
        ErasureRequest.objects.filter(pk=request_id, objected_at__isnull=True)
        .select_related("user")
        .first()
    )
    if request is None:
        return False
    send_to_user(
        request.user,
        "accounts/erasure_notice",
        {
            "organization_name": request.organization_name,
            "requested_on": request.requested_on,
            "deletion_date": timezone.localdate(request.erase_after),
        },
    )
    return True


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


def send_accessibility_feedback(feedback_id: int) -> bool:
    """Send a reported barrier to the operator's address (in the installation's language,
    with Reply-To the person) and a copy to the person (in the language they wrote in).
    Returns whether the feedback still existed."""

    feedback = AccessibilityFeedback.objects.filter(pk=feedback_id).first()
    if feedback is None:
        return False
    operator = settings.LERNPOOL_OPERATOR
    for to, language, template, reply_to in [
        (operator["email"], settings.LANGUAGE_CODE, "feedback_operator", [feedback.email]),
        (feedback.email, feedback.language, "feedback_copy", [operator["email"]]),
    ]:
        with translation.override(language):
            context = {
                "feedback": feedback,
                "operator": operator,
                "site_url": settings.LERNPOOL_SITE_URL,
            }
            name = f"email/accounts/{template}"
            subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
            text = render_to_string(f"{name}.txt", context)
            html = render_to_string(f"{name}.html", context)
        message = EmailMultiAlternatives(subject, text, to=[to], reply_to=reply_to)
        message.attach_alternative(html, "text/html")
        message.send()
    return True
