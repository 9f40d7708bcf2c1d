"""Two task workers on one queue, as deploy/systemd/lernpool-worker@.service runs them
(``manage.py db_worker`` under the production settings, on the test's PostgreSQL): every
queued email is sent exactly once, and a task whose worker was killed in the middle of it is
not lost: it stays RUNNING until the worker's unit starts again and requeues it
(``manage.py requeue_abandoned_tasks --worker-id …``, the unit's ExecStartPre).

Emails go to files (EMAIL_URL=filemail://…), which the test counts.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from booking.tasks import send_reservation_email
from tests.deploy import stack
from tests.deploy.tasks import slow_email
from tests.factories import DevicePoolFactory, ReservationFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(300),
]

EMAILS = 200


@pytest.fixture
def database_queue(settings):
    """Tasks enqueued by the test go to the database queue, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def worker_env(tmp_path):
    env = stack.production_env(
        database_url=stack.database_url(connection.settings_dict),
        static_root=tmp_path / "static",
        site_url="https://lernpool.example.org",
        mail_dir=tmp_path / "outbox",
    )
    return {**env, "LOG_LEVEL": "INFO"}


@contextmanager
def worker(env: dict[str, str], worker_id: str, log: Path):
    """``manage.py db_worker`` as the systemd unit starts it; up once it says it started."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--worker-id", worker_id, "--interval",
             "0.1", "--no-startup-delay", "--no-reload"],
            cwd=stack.ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while f"worker_id={worker_id}" not in log.read_text(errors="replace"):
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # finishes its task, then exits
            process.wait(timeout=60)


def outbox(directory: Path) -> Counter[str]:
    """How many emails each address was sent (the file backend separates them by a line of
    79 dashes)."""
    recipients: Counter[str] = Counter()
    for path in directory.glob("*.log") if directory.exists() else []:
        for message in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
            if match := re.search(r"^To: (.+)$", message, re.M):
                recipients[match.group(1).strip()] += 1
    return recipients


def wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_two_workers_send_each_of_200_emails_exactly_once(database_queue, worker_env, tmp_path):
    pool = DevicePoolFactory()
    reservations = ReservationFactory.create_batch(EMAILS, pool=pool)
    with (
        worker(worker_env, "web1-1", tmp_path / "worker-1.log"),
        worker(worker_env, "web1-2", tmp_path / "worker-2.log"),
    ):
        for reservation in reservations:
            send_reservation_email.enqueue(reservation.pk, "confirmed")
        wait_for(lambda: not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists())

    sent = outbox(tmp_path / "outbox")
    assert sum(sent.values()) == EMAILS
    assert sent == Counter({reservation.user.email: 1 for reservation in reservations})
    results = DBTaskResult.objects.all()
    assert results.count() == EMAILS
    # Each task ran once, and both workers took a share of the queue.
    assert all(len(result.worker_ids) == 1 for result in results)
    assert Counter(result.worker_ids[0] for result in results).keys() == {"web1-1", "web1-2"}


def test_a_task_of_a_killed_worker_is_run_when_its_worker_starts_again(
    database_queue, worker_env, tmp_path
):
    markers = tmp_path / "markers"
    markers.mkdir()
    with worker(worker_env, "web1-1", tmp_path / "worker-1.log") as first:
        result = slow_email.enqueue("lehrerin@example.org", str(markers))
        wait_for(lambda: (markers / "first-attempt").exists())
        os.killpg(first.pid, signal.SIGKILL)  # in the middle of the task
        first.wait()
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == TaskResultStatus.RUNNING
    assert task.worker_ids == ["web1-1"]

    # What django-tasks-db does on its own: the other worker never takes a RUNNING task.
    with worker(worker_env, "web1-2", tmp_path / "worker-2.log"):
        time.sleep(2)
        assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING

        # systemd starts the killed worker again: ExecStartPre requeues its task first.
        stack.manage(worker_env, "requeue_abandoned_tasks", "--worker-id", "web1-1")
        with worker(worker_env, "web1-1", tmp_path / "worker-1.log"):
            wait_for(
                lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL
            )
    assert outbox(tmp_path / "outbox") == Counter({"lehrerin@example.org": 1})
    # Claimed twice: by the killed worker, then by whichever worker took it from the queue.
    assert len(DBTaskResult.objects.get(pk=result.id).worker_ids) == 2
