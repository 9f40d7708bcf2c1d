"""The report PDF alone: ``render_pdf`` on a report built once and pickled, so that two
branches (two worktrees) render the very same ``Report`` and only the PDF is timed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/bench_pdf.py --build /tmp/report-2025.pickle [--period 2025]
    .venv/bin/python bench/bench_pdf.py /tmp/report-2025.pickle --runs 3 [--out region.pdf]
    .venv/bin/python bench/bench_pdf.py /tmp/report-2025.pickle --profile pdf.prof

``--build`` reads the database (it writes nothing) and pickles the report. Rendering needs no
database: it prints, per render in one process, the wall and CPU time (the first render of a
process also unpacks the fonts), the CPU time spent in Python's garbage collector and its
collections (figures that move little with the machine's load), the size and the max RSS;
``--out`` keeps the last PDF, ``--profile`` runs one more render under cProfile after the
timed ones (a warm render) and writes its stats.
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def build(path: str, period_value: str, scope_value: str) -> None:
    from reports import opendata
    from reports.figures import build_report
    from reports.periods import parse_period

    report = build_report(
        scope=opendata.public_scope(scope_value), period=parse_period(period_value)
    )
    Path(path).write_bytes(pickle.dumps(report))
    print(f"{report.scope.label}, {report.period.label}: {path}")


class CollectorTime:
    """The CPU time of Python's garbage collections and how many ran (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds, self.collections, self._started = 0.0, 0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.collections += 1


def render(path: str, runs: int, out: str, profile: str) -> None:
    from reports.pdf import render_pdf

    report = pickle.loads(Path(path).read_bytes())
    print(f"report: {report.scope.label}, {report.period.label}; load {load_average()}")
    document = b""
    for run in range(1, runs + 1):
        collector = CollectorTime()
        gc.callbacks.append(collector)
        started, cpu_started = time.perf_counter(), time.process_time()
        document = render_pdf(report)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        gc.callbacks.remove(collector)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"  render {run}: {wall:6.2f} s wall  {cpu:6.2f} s CPU  "
            f"(gc {collector.seconds:4.2f} s, {collector.collections:3} collections)  "
            f"{len(document) / 1024:6.0f} KiB  max RSS {rss:5.0f} MB  load {load_average()}",
            flush=True,
        )
    if out:
        Path(out).write_bytes(document)
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.runcall(render_pdf, report)
        profiler.dump_stats(profile)
        print(f"  profile of one more render: {profile}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pickle", nargs="?", default="")
    parser.add_argument("--build", metavar="PICKLE", default="")
    parser.add_argument("--period", default="2025")
    parser.add_argument("--scope", default="region")
    parser.add_argument("--language", default="de")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default="")
    parser.add_argument("--profile", default="")
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.utils import translation

    translation.activate(arguments.language)
    if arguments.build:
        build(arguments.build, arguments.period, arguments.scope)
    else:
        render(arguments.pickle, arguments.runs, arguments.out, arguments.profile)


if __name__ == "__main__":
    main()
