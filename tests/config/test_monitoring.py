"""/readyz (may this instance take traffic?) and /metrics (Prometheus, from configured
networks only), config/monitoring.py and core/metrics.py."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.migrations.recorder import MigrationRecorder
from django_tasks_db.models import DBTaskResult, get_date_max

from booking.models import Loan, LoanItem
from config import monitoring

from ..factories import DeviceFactory, DevicePoolFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _migrations_not_known_to_be_applied(monkeypatch):
    monkeypatch.setattr(monitoring, "_migrations_applied", False)


@pytest.fixture
def task_queue(settings):
    settings.TASKS = DATABASE_TASKS


def _task(path: str, *, enqueued: datetime.datetime, **fields) -> DBTaskResult:
    with time_machine.travel(enqueued, tick=False):
        return DBTaskResult.objects.create(
            task_path=path,
            args_kwargs={"args": [1], "kwargs": {}},
            backend_name="default",
            run_after=fields.pop("run_after", get_date_max()),
            exception_class_path="",
            traceback="",
            **fields,
        )


def _metric(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name}{labels} not in the metrics"
    return float(match[1])


# --- /readyz ---------------------------------------------------------------------------


def test_it_is_ready_when_the_database_answers_and_every_migration_is_applied(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok"},
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_is_not_ready_while_a_migration_is_not_applied(client):
    MigrationRecorder.Migration.objects.filter(app="reports").delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "1 not applied"


def test_it_is_not_ready_when_the_database_does_not_answer(client, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "cursor", unavailable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready",
        "checks": {"database": "unavailable: OperationalError"},
    }


@pytest.mark.usefixtures("task_queue")
def test_it_is_not_ready_when_a_ready_task_has_waited_too_long(client, settings):
    settings.LERNPOOL_READY_TASK_AGE_LIMIT = 600
    _task("booking.tasks.send_reservation_email", enqueued=NOW - datetime.timedelta(minutes=9))
    with time_machine.travel(NOW, tick=False):
        assert client.get("/readyz").json()["checks"]["tasks"] == "ok"
    # A task to run later is not waiting yet, however long ago it was queued.
    _task(
        "lending.tasks.send_loan_notice",
        enqueued=NOW - datetime.timedelta(days=2),
        run_after=NOW + datetime.timedelta(hours=1),
    )
    with time_machine.travel(NOW, tick=False):
        assert client.get("/readyz").status_code == 200
    with time_machine.travel(NOW + datetime.timedelta(minutes=2), tick=False):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"] == "the oldest ready task has waited 660 s"


def test_readyz_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    client.get("/readyz")  # the migrations are applied: remembered from now on
    with django_assert_max_num_queries(1):
        assert client.get("/readyz").status_code == 200


def test_readyz_refuses_a_post(client):
    assert client.post("/readyz").status_code == 405


# --- /metrics --------------------------------------------------------------------------


def test_metrics_count_requests_by_view_and_their_database_queries(client):
    client.get("/readyz")
    text = client.get("/metrics").content.decode()
    labels = '{method="GET",view="readyz"}'
    assert _metric(text, "lernpool_request_duration_seconds_count", labels) >= 1
    assert _metric(text, "lernpool_request_database_queries_count", '{view="readyz"}') >= 1
    assert _metric(text, "lernpool_request_database_queries_sum", '{view="readyz"}') >= 1


def test_metrics_count_overdue_loans(client):
    pool = DevicePoolFactory()
    staff = UserFactory()
    for due_in_days in (-3, -1, 5):
        loan = Loan.objects.create(
            pool=pool,
            borrower=UserFactory(),
            handed_out_by=staff,
            handed_out_at=NOW - datetime.timedelta(days=14),
            due_at=NOW + datetime.timedelta(days=due_in_days),
        )
        LoanItem.objects.create(loan=loan, device=DeviceFactory(pool=pool))
    with time_machine.travel(NOW, tick=False):
        text = client.get("/metrics").content.decode()
    assert _metric(text, "lernpool_loans_overdue") == 2


@pytest.mark.usefixtures("task_queue")
def test_metrics_tell_the_task_queue_and_failed_emails(client):
    _task("booking.tasks.send_reservation_email", enqueued=NOW - datetime.timedelta(minutes=5))
    _task("reports.tasks.build_report_file", enqueued=NOW - datetime.timedelta(minutes=1))
    for path in ["lending.tasks.send_loan_notice", "reports.tasks.build_report_file"]:
        _task(
            path,
            enqueued=NOW - datetime.timedelta(hours=2),
            status="FAILED",
            finished_at=NOW - datetime.timedelta(hours=1),
        )
    _task(  # failed two days ago: outside the window
        "lending.tasks.send_loan_notice",
        enqueued=NOW - datetime.timedelta(days=2),
        status="FAILED",
        finished_at=NOW - datetime.timedelta(days=2),
    )
    with time_machine.travel(NOW, tick=False):
        text = client.get("/metrics").content.decode()
    assert _metric(text, "lernpool_tasks_ready", '{queue="default"}') == 2
    assert _metric(text, "lernpool_tasks_oldest_ready_age_seconds") == 300
    failed = "lernpool_tasks_failed_24h"
    assert _metric(text, failed, '{task="lending.tasks.send_loan_notice"}') == 1
    assert _metric(text, failed, '{task="reports.tasks.build_report_file"}') == 1
    assert _metric(text, "lernpool_emails_failed_24h") == 1


def test_metrics_are_refused_outside_the_configured_networks(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    settings.LERNPOOL_METRICS_ALLOWED_NETWORKS = ["203.0.113.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is no longer listed


def test_metrics_are_refused_through_the_reverse_proxy(client):
    # Behind the proxy every visitor comes from the proxy's own (allowed) address.
    response = client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 404
    assert b"lernpool_" not in response.content


def test_metrics_refuse_a_post(client):
    assert client.post("/metrics").status_code == 405
