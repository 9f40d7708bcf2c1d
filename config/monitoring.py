"""What operators' machines ask: ``/readyz`` (may this instance take traffic?) and
``/metrics`` (Prometheus), beside ``/api/v1/health`` (does it answer at all?).

``/metrics`` answers only to addresses in ``METRICS_ALLOWED_NETWORKS`` that talk to the app
directly: a request the reverse proxy passed on (it carries ``X-Forwarded-For``) is refused,
since behind the proxy every visitor's address is the proxy's.
"""

from __future__ import annotations

import datetime
import ipaddress
import os

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Case, Count, F, Min, When
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from booking.models import Loan

# A ready task older than this means the workers are stuck or gone.
DEFAULT_TASK_AGE_LIMIT = 600
FAILED_WINDOW = datetime.timedelta(hours=24)
# Tasks whose function sends email are named send_… or tell_… (booking.tasks, lending.tasks …).
EMAIL_TASK_PREFIXES = ("send_", "tell_")


def task_age_limit() -> int:
    return int(getattr(settings, "LERNPOOL_READY_TASK_AGE_LIMIT", DEFAULT_TASK_AGE_LIMIT))


def uses_task_database() -> bool:
    return any(
        options.get("BACKEND") == "django_tasks_db.DatabaseBackend"
        for options in settings.TASKS.values()
    )


def oldest_ready_task_age(now: datetime.datetime) -> float:
    """Seconds since the task that has waited longest became ready (0 if none waits)."""
    since = (
        DBTaskResult.objects.ready()
        .annotate(
            ready_since=Case(
                When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after")
            )
        )
        .aggregate(oldest=Min("ready_since"))["oldest"]
    )
    return max(0.0, (now - since).total_seconds()) if since else 0.0


# --- /readyz -------------------------------------------------------------------------------

_migrations_applied = False


def _unapplied_migrations() -> int:
    """How many migrations are not applied (remembered once none is: they do not come back)."""
    global _migrations_applied
    if _migrations_applied:
        return 0
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrations_applied = not plan
    return len(plan)


def readiness_checks(now: datetime.datetime) -> dict[str, str]:
    """Each check's outcome, "ok" or why not (no personal data: ids, counts, class names)."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"database": f"unavailable: {type(error).__name__}"}
    checks = {"database": "ok"}
    unapplied = _unapplied_migrations()
    checks["migrations"] = f"{unapplied} not applied" if unapplied else "ok"
    if uses_task_database():
        age = oldest_ready_task_age(now)
        checks["tasks"] = (
            f"the oldest ready task has waited {age:.0f} s" if age > task_age_limit() else "ok"
        )
    return checks


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when this instance may take traffic: the database answers, every migration is
    applied and the task queue moves; 503 otherwise, with the checks that failed."""
    checks = readiness_checks(timezone.now())
    ready = all(outcome == "ok" for outcome in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


# --- /metrics ------------------------------------------------------------------------------


class DomainCollector(Collector):
    """Figures counted from the database at each scrape, the same for every process."""

    def describe(self):
        # Without it, registering would count (query the database) once at import.
        return []

    def collect(self):
        now = timezone.now()
        overdue = GaugeMetricFamily("lernpool_loans_overdue", "Open loans past their due date.")
        overdue.add_metric([], Loan.objects.overdue(now=now).count())
        yield overdue
        if not uses_task_database():
            return
        depth = GaugeMetricFamily(
            "lernpool_tasks_ready", "Tasks waiting for a worker, by queue.", labels=["queue"]
        )
        for row in DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("pk")):
            depth.add_metric([row["queue_name"]], row["n"])
        yield depth
        age = GaugeMetricFamily(
            "lernpool_tasks_oldest_ready_age_seconds",
            "Seconds the longest-waiting ready task has waited.",
        )
        age.add_metric([], oldest_ready_task_age(now))
        yield age
        failed = GaugeMetricFamily(
            "lernpool_tasks_failed_24h", "Tasks that failed in the last 24 hours.", labels=["task"]
        )
        emails = 0
        rows = (
            DBTaskResult.objects.failed()
            .filter(finished_at__gte=now - FAILED_WINDOW)
            .values("task_path")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            failed.add_metric([row["task_path"]], row["n"])
            if row["task_path"].rpartition(".")[2].startswith(EMAIL_TASK_PREFIXES):
                emails += row["n"]
        yield failed
        failed_emails = GaugeMetricFamily(
            "lernpool_emails_failed_24h", "Emails whose sending failed in the last 24 hours."
        )
        failed_emails.add_metric([], emails)
        yield failed_emails


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(network, strict=False)
        for network in getattr(settings, "LERNPOOL_METRICS_ALLOWED_NETWORKS", [])
    ]


def may_scrape(request: HttpRequest) -> bool:
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in allowed_networks())


REGISTRY.register(DomainCollector())


def registry() -> CollectorRegistry:
    """This process's metrics, or with ``PROMETHEUS_MULTIPROC_DIR`` every worker's."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    combined = CollectorRegistry()
    MultiProcessCollector(combined)
    combined.register(DomainCollector())
    return combined


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format, to the configured networks only (404 to everyone else: the
    address says nothing to people)."""
    if not may_scrape(request):
        return HttpResponse("Not found", status=404, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
