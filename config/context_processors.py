from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .navigation import rendered_navigation


def site(request: HttpRequest) -> dict:
    """What every page needs to know about the installation and the person looking at it."""
    person = getattr(request, "user", None) or AnonymousUser()
    return {
        "operator": settings.LERNPOOL_OPERATOR,
        # base.html shows this: the menu, rendered once per role, language and section.
        "main_nav_html": SimpleLazyObject(lambda: rendered_navigation(person, request.path)),
    }
