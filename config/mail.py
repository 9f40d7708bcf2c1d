"""Emails to a person, in their language, as plain text and HTML, from templates/email/."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_to_user(
    user,
    template: str,
    context: dict,
    *,
    attachments: list[tuple[str, bytes, str]] = (),
) -> None:
    """Render ``email/<template>_subject.txt``, ``.txt`` and ``.html`` in the user's preferred
    language and send them to the user's address."""
    if user is None or not user.email:
        return
    language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"user": user, "site_url": settings.LERNPOOL_SITE_URL, **context}
        subject = " ".join(render_to_string(f"email/{template}_subject.txt", context).split())
        text = render_to_string(f"email/{template}.txt", context)
        html = render_to_string(f"email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()
