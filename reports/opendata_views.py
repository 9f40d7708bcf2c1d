"""Open data downloads: the anonymised statistics as CSV (the same rows as the API)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from core.throttling import open_data_throttles, refuse_if_throttled

from . import opendata


@require_safe
def statistics_csv(request: HttpRequest) -> HttpResponse:
    """``/opendata/statistics.csv?period=…&scope=…``: public, no login. A bad period or scope
    is a 422 with the reason as plain text. The licence goes in a ``Link: rel="license"``
    header (RFC 8288), so the CSV stays plain. Throttled like the API's statistics."""
    refused = refuse_if_throttled(request, open_data_throttles())
    if refused is not None:
        return refused
    try:
        period = opendata.public_period(request.GET.get("period", ""))
        scope = opendata.public_scope(request.GET.get("scope", "region"))
    except ValueError as error:
        return HttpResponse(str(error), status=422, content_type="text/plain; charset=utf-8")
    statistics = opendata.cached_statistics(scope=scope, period=period)
    response = HttpResponse(
        opendata.statistics_csv(statistics), content_type="text/csv; charset=utf-8"
    )
    name = f"lernpool-statistics-{scope.key.replace(':', '-')}-{period.key}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Link"] = f'<{statistics.license["url"]}>; rel="license"'
    return response
