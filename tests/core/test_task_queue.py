"""Requeueing the tasks a killed worker left RUNNING (core/task_queue.py and its command)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from booking.tasks import send_reservation_email

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _task(status: str, worker_ids: list[str], started_minutes_ago: int | None = 1) -> DBTaskResult:
    result = send_reservation_email.enqueue(1, "confirmed")
    started = (
        timezone.now() - datetime.timedelta(minutes=started_minutes_ago)
        if started_minutes_ago is not None
        else None
    )
    DBTaskResult.objects.filter(pk=result.id).update(
        status=status, worker_ids=worker_ids, started_at=started
    )
    return DBTaskResult.objects.get(pk=result.id)


def _status(task: DBTaskResult) -> str:
    return DBTaskResult.objects.get(pk=task.pk).status


def test_a_worker_starting_again_requeues_the_task_it_had_claimed_and_nothing_else():
    mine = _task(TaskResultStatus.RUNNING, ["web1-2", "web1-1"])
    taken_over = _task(TaskResultStatus.RUNNING, ["web1-1", "web1-2"])
    done = _task(TaskResultStatus.SUCCESSFUL, ["web1-1"])
    waiting = _task(TaskResultStatus.READY, [], started_minutes_ago=None)

    call_command("requeue_abandoned_tasks", "--worker-id", "web1-1", verbosity=0)

    assert _status(mine) == TaskResultStatus.READY
    assert DBTaskResult.objects.get(pk=mine.pk).started_at is None
    assert DBTaskResult.objects.ready().filter(pk=mine.pk).exists()  # a worker takes it
    assert _status(taken_over) == TaskResultStatus.RUNNING
    assert _status(done) == TaskResultStatus.SUCCESSFUL
    assert _status(waiting) == TaskResultStatus.READY


def test_tasks_running_longer_than_any_task_runs_are_requeued():
    stuck = _task(TaskResultStatus.RUNNING, ["gone-1"], started_minutes_ago=90)
    busy = _task(TaskResultStatus.RUNNING, ["web1-1"], started_minutes_ago=5)

    call_command("requeue_abandoned_tasks", "--running-longer-than", "60", verbosity=0)

    assert _status(stuck) == TaskResultStatus.READY
    assert _status(busy) == TaskResultStatus.RUNNING


@pytest.mark.parametrize("arguments", [[], ["--running-longer-than", "0"]])
def test_the_command_refuses_to_guess(arguments):
    running = _task(TaskResultStatus.RUNNING, ["web1-1"], started_minutes_ago=600)
    with pytest.raises(CommandError):
        call_command("requeue_abandoned_tasks", *arguments, verbosity=0)
    assert _status(running) == TaskResultStatus.RUNNING
