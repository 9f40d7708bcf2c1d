"""How long the region-wide yearly report takes on region-scale data: ``build_report`` (the
figures), the PDF, and the open-data statistics, each next to the time of its SQL alone, with
peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/generate_region.py    # once; 300 organizations, 1M reservations
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/bench_reports.py [--period 2025] [--scope region] [--runs 3]

Reads the database that ``generate_region.py`` filled (it writes nothing). ``--period`` takes
what ``parse_period`` takes (default: last calendar year); ``--runs`` repeats each step and
prints the median; ``--no-pdf`` leaves the PDF out; ``--tracemalloc`` also measures the
Python heap's peak (slower: it traces every allocation, so its run is not timed).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_reserve import cpu_model, database_version  # noqa: E402


class SqlTimer:
    """Sums the wall time of every query run through Django's connection."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


@contextmanager
def sql_timer():
    from django.db import connection

    timer = SqlTimer()
    with connection.execute_wrapper(timer):
        yield timer


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, function: Callable[[], object], runs: int) -> object:
    """Runs ``function`` ``runs`` times and prints the medians of the wall time, of the SQL's
    share of it and of this process's CPU time (user + system: what the Python side spent,
    which moves less than the wall time when other jobs share the machine), each run's wall
    time, and the max RSS so far."""
    totals, sqls, cpus, result, queries = [], [], [], None, 0
    for _run in range(runs):
        with sql_timer() as timer:
            started, cpu_started = time.perf_counter(), time.process_time()
            result = function()
            totals.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu_started)
        sqls.append(timer.seconds)
        queries = timer.queries
    total, sql, cpu = statistics.median(totals), statistics.median(sqls), statistics.median(cpus)
    each = ", ".join(f"{seconds:.2f}" for seconds in totals)
    print(
        f"  {label:<34} {total:8.2f} s   SQL {sql:8.2f} s ({queries:3} queries)   "
        f"Python {total - sql:6.2f} s   CPU {cpu:6.2f} s   max RSS {max_rss_mb():7.0f} MB"
        f"   runs: {each}",
        flush=True,
    )
    return result


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} CPUs)"


def heap_peak(label: str, function: Callable[[], object]) -> None:
    tracemalloc.start()
    function()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {label:<34} Python heap peak {peak / 2**20:7.1f} MB", flush=True)


def sizes() -> str:
    from booking.models import Loan, Reservation
    from courses.models import Course, Enrollment
    from devices.models import Device
    from organizations.models import Organization

    counts = [
        ("organizations", Organization),
        ("devices", Device),
        ("reservations", Reservation),
        ("loans", Loan),
        ("courses", Course),
        ("enrolments", Enrollment),
    ]
    return ", ".join(f"{model.objects.count():,} {name}" for name, model in counts)


def run(period_value: str, scope_value: str, runs: int, trace: bool, pdf: bool = True) -> None:
    from reports import opendata
    from reports.figures import build_report
    from reports.pdf import render_pdf
    from reports.periods import parse_period

    period = parse_period(period_value)
    scope = opendata.public_scope(scope_value)
    print(f"database: {database_version()}")
    print(
        f"machine:  {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"Python {platform.python_version()}"
    )
    print(f"data:     {sizes()}")
    print(f"report:   {scope.label}, {period.label} ({period.key}); median of {runs} runs")
    print(f"load:     {load_average()}\n")
    report = measure(
        "build_report (figures)", lambda: build_report(scope=scope, period=period), runs
    )
    if pdf:
        document = measure("render_pdf", lambda: render_pdf(report), runs)
        print(f"  {'':<34} PDF {len(document) / 1024:.0f} KiB")
    statistics_period = opendata.public_period(period_value)
    stats = measure(
        "open data statistics (API rows)",
        lambda: opendata.build_statistics(scope=scope, period=statistics_period),
        runs,
    )
    measure("open data statistics as CSV", lambda: opendata.statistics_csv(stats), runs)
    print(f"  {'':<34} {len(stats.rows):,} rows")
    print(f"\nload:     {load_average()}")
    if trace:
        print()
        heap_peak("build_report (figures)", lambda: build_report(scope=scope, period=period))
        if pdf:
            heap_peak("render_pdf", lambda: render_pdf(report))
        heap_peak(
            "open data statistics",
            lambda: opendata.build_statistics(scope=scope, period=statistics_period),
        )


def main() -> None:
    import datetime

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", default=str(datetime.date.today().year - 1))
    parser.add_argument("--scope", default="region")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF (the SQL side only)")
    arguments = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to the database generate_region.py filled.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.utils import translation

    translation.activate("de")
    run(
        arguments.period,
        arguments.scope,
        arguments.runs,
        arguments.tracemalloc,
        pdf=not arguments.no_pdf,
    )


if __name__ == "__main__":
    main()
