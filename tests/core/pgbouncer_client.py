"""Run by tests/core/test_pgbouncer.py in its own process, whose DATABASE_URL points at
PgBouncer (transaction mode): bookings from several threads at once, the report page, the
audit log's CSV (a streamed queryset) and the API, through the pooler. Prints the outcome
as JSON."""

from __future__ import annotations

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from booking import services  # noqa: E402
from core.errors import DomainError  # noqa: E402
from devices.models import DevicePool  # noqa: E402
from tests.concurrency.race import race  # noqa: E402


def main(pool_id: int, teacher_ids: list[int], admin_id: int, start: str, end: str) -> dict:
    import datetime

    pool = DevicePool.objects.get(pk=pool_id)

    def booking(teacher_id: int):
        return lambda: services.reserve(
            by=User.objects.get(pk=teacher_id),
            pool=pool,
            quantity=1,
            start=datetime.datetime.fromisoformat(start),
            end=datetime.datetime.fromisoformat(end),
        )

    def refused(error: Exception) -> str:
        if isinstance(error, DomainError):
            return "refused"
        raise error

    outcomes = race([booking(pk) for pk in teacher_ids], refused)

    client = Client()
    client.force_login(User.objects.get(pk=admin_id))
    slug = pool.organization.slug
    report = client.get(f"/reports/view/?period={start[:4]}&scope=org:{slug}")
    log = client.get(f"/manage/log/log.csv?organization={slug}")
    log_text = b"".join(log.streaming_content).decode() if log.streaming else ""
    health = client.get("/api/v1/health")
    return {
        "booked": outcomes.count("ok"),
        "refused": outcomes.count("refused"),
        "report": report.status_code,
        "log_csv": log.status_code,
        "log_lines": len(log_text.strip().splitlines()),
        "health": health.status_code,
        "server_side_cursors": not connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"],
    }


if __name__ == "__main__":
    arguments = json.loads(sys.argv[1])
    print(json.dumps(main(**arguments)))
