"""Emails to a person, in their language, as plain text and HTML, from templates/email/."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


def site_url(path_or_url: str = "/") -> str:
    """The absolute address of ``path_or_url`` on this installation (settings' SITE_URL),
    never the host that a request named: a link in an email, on a label or shown for a
    calendar app must not point wherever a forged Host header said."""
    parts = urlsplit(path_or_url)
    path = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    return settings.LERNPOOL_SITE_URL + path


def render_plain(name: str, context: dict) -> str:
    """A template rendered as plain text: without HTML escaping, so that "Eltern & Kinder"
    stays that in a subject or a text part (escaping is the HTML part's business)."""
    return get_template(name).template.render(Context(context, autoescape=False))


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
        subject = " ".join(render_plain(f"email/{template}_subject.txt", context).split())
        text = render_plain(f"email/{template}.txt", context)
        html = render_to_string(f"email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()
