"""Error answers of the whole site: under ``/api/`` the API's JSON shape
``{"detail": ...}``, everywhere else the styled page. Django calls these for what happens
outside a view (an oversized body, a NUL byte, an unknown URL) as well as inside one."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def json_error(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _details() -> dict[int, str]:
    return {
        400: _("The request could not be processed."),
        403: _("You may not do this."),
        404: _("Not found."),
        414: _("The address is too long."),
        500: _("Something went wrong on our side."),
    }


def render_error_page(request: HttpRequest, status: int) -> HttpResponse:
    """The styled page for ``status`` (the 400 page for a status without its own)."""
    template = {403: "403.html", 404: "404.html", 500: "500.html"}.get(status, "400.html")
    response = defaults.bad_request(request, None, template_name=template)
    response.status_code = status
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return json_error(_details()[400], 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return json_error(_details()[403], 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return json_error(_details()[404], 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return json_error(_details()[500], 500)
    return defaults.server_error(request)
