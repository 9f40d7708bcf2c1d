"""When a view answers with one region of its page instead of the whole page."""

from __future__ import annotations

from django.http import HttpRequest


def partial_request(request: HttpRequest) -> bool:
    """An htmx request for a region, but not htmx restoring a page from history (back
    button), which needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request
