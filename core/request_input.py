"""Input that no view can handle well is refused in one place, before any view runs.

- A NUL byte in a query or form value (or name): PostgreSQL cannot store or compare it, so
  every lookup with it would be a server error.
- A URL longer than ``MAX_URL_LENGTH``: gunicorn is started with a longer request-line limit
  (README), so that Django answers first, with the API's JSON error shape under ``/api/``.
- Under ``/api/``, a JSON body with a NUL character in any string.

And one helper for ids typed into a query: ``"²".isdigit()`` is true, but ``int("²")`` fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .error_views import is_api_request, json_error, render_error_page

# Above this (path and query string, in characters) a request is answered with 414.
MAX_URL_LENGTH = 8000
# The largest id the database can hold (bigint); longer digit strings are no id.
MAX_ID = 2**63 - 1


def ascii_int(value: str | None, *, max_digits: int = 19) -> int | None:
    """``value`` as a whole number if it is 1 to ``max_digits`` ASCII digits, else None.
    The one check for numbers typed into a request: ``"²".isdigit()`` is true, but
    ``int("²")`` raises."""
    if value and len(value) <= max_digits and value.isascii() and value.isdigit():
        return int(value)
    return None


def is_id(value: str | None) -> bool:
    """Whether ``value`` is a row id: ASCII digits, from 1 to the largest bigint."""
    number = ascii_int(value)
    return number is not None and 0 < number <= MAX_ID


def parse_id(value: str | None) -> int:
    """``value`` as a row id, else ``BadRequest`` (answered with 400)."""
    if not is_id(value):
        raise BadRequest("not a row id")
    return int(value)


def parse_ids(values: Iterable[str]) -> list[int]:
    """Every value as a row id (see ``parse_id``); one bad value is a 400."""
    return [parse_id(value) for value in values]


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _query_or_form_has_nul(request: HttpRequest) -> bool:
    for data in (request.GET, request.POST):
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


def _json_body_has_nul(request: HttpRequest) -> bool:
    if not request.content_type or "json" not in request.content_type:
        return False
    body = request.body
    if b"\\u0000" not in body and b"\x00" not in body:
        return False
    try:
        return _has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the API answers that itself


class RequestInputMiddleware:
    """Refuses a NUL byte in any query or form value and an overlong URL (see the module)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if len(request.get_full_path()) > MAX_URL_LENGTH:
            return self._refuse(request, 414, _("The address is too long."))
        has_nul = _query_or_form_has_nul(request) or (
            is_api_request(request) and _json_body_has_nul(request)
        )
        if has_nul:
            return self._refuse(request, 400, _("The request contains a NUL character."))
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, status: int, detail: str) -> HttpResponse:
        if is_api_request(request):
            return json_error(detail, status)
        return render_error_page(request, status)
