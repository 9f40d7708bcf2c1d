"""The database task queue's one gap: a task whose worker died while running it.

django-tasks-db marks a task RUNNING when a worker claims it and SUCCESSFUL or FAILED when the
worker is done. A worker that is killed in between (SIGKILL, out of memory, power cut) leaves
the task RUNNING for ever, and no other worker takes it. ``requeue_abandoned`` puts such tasks
back in the queue (READY), so the next free worker runs them again. Each systemd worker has a
fixed id (deploy/systemd/lernpool-worker@.service: host name and instance) and requeues its own
abandoned task before it starts again; a worker that never comes back is covered by the age.

A requeued task runs again from its start: an email that went out just before the kill is
sent a second time. Lernpool's tasks are written for that (at least once, never lost).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


def requeue_abandoned(
    *, worker_id: str = "", started_before: datetime.datetime | None = None
) -> list[str]:
    """Put RUNNING tasks back in the queue: those claimed last by ``worker_id`` (a worker that
    is starting again, so it runs none of them) and those started before ``started_before``
    (longer than any task runs). Returns the ids of the tasks requeued."""
    if not worker_id and started_before is None:
        raise ValueError("Name a worker id or a time.")
    with transaction.atomic():
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True)
        abandoned = [
            task.pk
            for task in running.only("pk", "worker_ids", "started_at")
            if (worker_id and task.worker_ids and task.worker_ids[-1] == worker_id)
            or (started_before is not None and task.started_at < started_before)
        ]
        DBTaskResult.objects.filter(pk__in=abandoned).update(
            status=TaskResultStatus.READY, started_at=None
        )
    return [str(pk) for pk in abandoned]


def started_minutes_ago(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)
