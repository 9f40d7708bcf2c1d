"""How long the public list pages take on region-scale data: the lending page (``/lending/``,
every pool lent to residents with its outlook), the course catalog (``/courses/``) and the
catalog's API (``GET /api/v1/courses``), each next to the time its SQL took alone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/generate_region.py --scale 0.1   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/bench_pages.py [--requests 20]

Reads the database that ``generate_region.py`` filled (it writes nothing): each page is
requested in-process through Django's test client, anonymously, a few times to warm up and
then ``--requests`` times; it prints the median and p95 per request, the SQL's share and the
number of queries.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_reports import sizes, sql_timer  # noqa: E402
from bench.bench_reserve import cpu_model, database_version  # noqa: E402

PAGES = [
    ("/lending/", "lending page"),
    ("/courses/", "course catalog"),
    ("/api/v1/courses", "API courses"),
]
WARM_UP = 3


def measure(client, url: str, label: str, requests: int) -> None:
    for _run in range(WARM_UP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    totals, sqls, queries = [], [], 0
    for _run in range(requests):
        with sql_timer() as timer:
            started = time.perf_counter()
            response = client.get(url)
            totals.append(time.perf_counter() - started)
        sqls.append(timer.seconds)
        queries = timer.queries
    totals.sort()
    p95 = totals[min(len(totals) - 1, round(0.95 * (len(totals) - 1)))]
    total, sql = statistics.median(totals), statistics.median(sqls)
    print(
        f"  {label:<16} {url:<18} {total * 1000:7.1f} ms (p95 {p95 * 1000:7.1f})   "
        f"SQL {sql * 1000:6.1f} ms ({queries:2} queries)   {len(response.content) / 1024:5.0f} KiB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    arguments = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to the database generate_region.py filled.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import translation

    setup_test_environment()  # the test client needs the test settings' allowed hosts
    translation.activate("de")
    print(f"database: {database_version()}")
    print(
        f"machine:  {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"Python {platform.python_version()}"
    )
    print(f"data:     {sizes()}")
    print(f"requests: median and p95 of {arguments.requests} after {WARM_UP} to warm up\n")
    client = Client()
    for url, label in PAGES:
        measure(client, url, label, arguments.requests)


if __name__ == "__main__":
    main()
