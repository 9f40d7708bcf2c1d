"""One-time form tokens: a double click, a resubmitted form or the back button never creates
a reservation, series, enrolment or loan twice.

Each form that creates one carries a hidden ``once`` field with a fresh random token
(``{% once_field %}``). The view claims the token just before it calls the service
(``claim``): the first POST with it goes ahead; any later POST with the same token (by the
same person, within a day) creates nothing and is sent where the first one went, with a
message. When the service says no, the token is given back (``release``), so that the
corrected form can be sent again. A POST without the field (a script of one's own) is not
checked here; the API has ``Idempotency-Key`` for that.

The claim is ``cache.add``, which only one of two requests at once wins: the database cache
in production (an insert under a unique key), locmem in tests.
"""

from __future__ import annotations

import re
import secrets

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

FIELD = "once"
SECONDS = 24 * 60 * 60
PENDING = ""
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    return secrets.token_urlsafe(16)


def _key(request: HttpRequest) -> str | None:
    token = request.POST.get(FIELD, "")
    if not TOKEN.fullmatch(token):
        return None
    return f"once:{request.user.pk}:{token}"


def claim(request: HttpRequest) -> HttpResponse | None:
    """None when this POST may go ahead (its token is now used up, or it has none); else
    the answer for a repeated submission: back to where the first one went."""
    key = _key(request)
    if key is None or cache.add(key, PENDING, SECONDS):
        return None
    messages.info(request, _("This form had already been sent. Nothing was done twice."))
    return redirect(cache.get(key) or request.get_full_path())


def done(request: HttpRequest, url: str) -> None:
    """The first submission succeeded: a repeated one is sent to ``url``."""
    key = _key(request)
    if key is not None:
        cache.set(key, url, SECONDS)


def release(request: HttpRequest) -> None:
    """The first submission changed nothing (the service said no): the token may be used
    again."""
    key = _key(request)
    if key is not None:
        cache.delete(key)
