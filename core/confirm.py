"""The confirmation step before anything that cannot be undone with one click.

A destructive view answers GET with this page (what goes, named exactly, and a form that
POSTs back to the same address) and does the work on POST; the rule itself stays in the
service the POST calls. No JavaScript is needed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def confirm_page(
    request: HttpRequest,
    *,
    title: str,
    what: str,
    confirm_label: str,
    back_url: str,
    action: str = "",
    fields: dict[str, str] | None = None,
    details: Iterable[str] = (),
    note: str = "",
    status: int = 200,
) -> HttpResponse:
    """The page that asks “really?”: ``what`` names the thing that goes, ``details`` lists
    its parts (the dates of a series), ``fields`` are sent along with the confirmation."""
    return render(
        request,
        "pages/confirm.html",
        {
            "title": title,
            "what": what,
            "details": list(details),
            "note": note,
            "action": action or request.path,
            "fields": fields or {},
            "confirm_label": confirm_label,
            "back_url": back_url,
        },
        status=status,
    )
