"""The PostgreSQL backend's CPU time (and this process's) for the region's report figures
and open-data statistics: a measure that moves less than wall time on a shared machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/report_server_cpu.py [PERIOD] [RUNS]

Parallel query is off for the connection, so all of the server's work is in its backend
(whose CPU is read from /proc: the server runs on this machine). Only reads.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.utils import translation

    from reports import opendata
    from reports.figures import build_report
    from reports.periods import parse_period

    translation.activate("de")
    period = sys.argv[1] if len(sys.argv) > 1 else "2025"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    scope = opendata.public_scope("region")
    steps = {
        "build_report": lambda: build_report(scope=scope, period=parse_period(period)),
        "open data": lambda: opendata.build_statistics(
            scope=scope, period=opendata.public_period(period)
        ),
    }
    for name, step in steps.items():
        results = []
        for _run in range(runs):
            server, python, wall = backend_cpu(pid), time.process_time(), time.perf_counter()
            step()
            server, python = backend_cpu(pid) - server, time.process_time() - python
            results.append((server, python, time.perf_counter() - wall))
        print(
            f"  {name:13} server CPU {', '.join(f'{r[0]:.2f}' for r in results)} s   "
            f"Python CPU {', '.join(f'{r[1]:.2f}' for r in results)} s   "
            f"wall {', '.join(f'{r[2]:.2f}' for r in results)} s   "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
