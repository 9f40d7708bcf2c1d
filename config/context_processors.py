from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """What every page needs to know about the installation and the person looking at it."""
    user = getattr(request, "user", None)
    roles = user.role_names() if user is not None and user.is_authenticated else frozenset()
    return {"operator": settings.LERNPOOL_OPERATOR, "nav_roles": roles}
