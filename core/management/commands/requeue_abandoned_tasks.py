"""Put tasks back in the queue whose worker died while running them (core/task_queue.py).

manage.py requeue_abandoned_tasks --worker-id web1-1      # before worker web1-1 starts
manage.py requeue_abandoned_tasks --running-longer-than 60   # workers that are gone
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.task_queue import requeue_abandoned, started_minutes_ago


class Command(BaseCommand):
    help = "Requeue tasks left RUNNING by a worker that was killed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--worker-id",
            default="",
            help="tasks this worker had claimed (run it before the worker starts again)",
        )
        parser.add_argument(
            "--running-longer-than",
            type=int,
            metavar="MINUTES",
            help="tasks started more than this many minutes ago (longer than any task runs)",
        )

    def handle(self, *, worker_id: str, running_longer_than: int | None, **options):
        if not worker_id and running_longer_than is None:
            raise CommandError("Give --worker-id or --running-longer-than.")
        if running_longer_than is not None and running_longer_than < 1:
            raise CommandError("--running-longer-than must be at least 1 minute.")
        started_before = (
            started_minutes_ago(running_longer_than) if running_longer_than is not None else None
        )
        requeued = requeue_abandoned(worker_id=worker_id, started_before=started_before)
        if options["verbosity"]:
            self.stdout.write(f"{len(requeued)} abandoned task(s) requeued.")
