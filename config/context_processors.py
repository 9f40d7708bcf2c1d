from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .navigation import main_navigation, rendered_navigation


def site(request: HttpRequest) -> dict:
    """What every page needs to know about the installation and the person looking at it."""
    user = getattr(request, "user", None)
    roles = user.role_names() if user is not None and user.is_authenticated else frozenset()
    person = user or AnonymousUser()
    return {
        "operator": settings.LERNPOOL_OPERATOR,
        "nav_roles": roles,
        "main_nav": SimpleLazyObject(lambda: main_navigation(person, request.path)),
        # base.html shows this: the same menu, rendered once per role, language and section.
        "main_nav_html": SimpleLazyObject(lambda: rendered_navigation(person, request.path)),
    }
