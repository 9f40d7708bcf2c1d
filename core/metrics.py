"""Request metrics for Prometheus: how long each view takes and how many database queries it
runs. The figures of the domain (task queue, overdue loans, failed emails) are counted from
the database when Prometheus asks (config/monitoring.py).

Under gunicorn with several workers each process counts its own requests: set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory for all of them (README "Metrics"), and
``/metrics`` adds them up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack

from django.db import connections
from django.http import HttpRequest, HttpResponse
from prometheus_client import Histogram

REQUEST_SECONDS = Histogram(
    "lernpool_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REQUEST_QUERIES = Histogram(
    "lernpool_request_database_queries",
    "Database queries run to answer a request, by view.",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500),
)


# Any other method a client sends is "other": a label's values stay few.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class QueryCounter:
    """An execute wrapper: counts the statements a connection runs."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def view_name(request: HttpRequest) -> str:
    """The URL pattern's name (``booking:reservation_new``): a few dozen values, never an id
    or anything a visitor typed."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = QueryCounter()
        started = time.perf_counter()
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(counter))
            response = self.get_response(request)
        view = view_name(request)
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(view, method).observe(time.perf_counter() - started)
        REQUEST_QUERIES.labels(view).observe(counter.count)
        return response
