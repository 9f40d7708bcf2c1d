"""How long the catalog's free-text search takes at region scale, with and without the GIN
expression index of courses migration 0005 (``course_search_german``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/bench_search.py [--runs 15]

For each search it times what ``/courses/?q=…`` and ``GET /api/v1/courses?q=…`` run: the
first page of ``filters.apply(filters.upcoming(), …)`` and its count (the paginator's). Both
variants run inside one transaction that is rolled back: the index is dropped for "without"
and created for "with" (whichever the database has), so the shared database is left as it
was. PostgreSQL only: SQLite searches with ``icontains`` and has no such index.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEARCHES = ["WhatsApp", "Tabletkurse", "Stadtbibliothek Erlenbach", "Excel für Anfänger"]


class Rollback(Exception):
    pass


def timed(function, runs: int) -> float:
    function()  # warm up
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from courses import filters, search
    from courses.models import Course

    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL=postgres://…")
    now = timezone.now()
    print(f"{Course.objects.count():,} courses, {len(SEARCHES)} searches, median of {args.runs}")
    print(f"  {'search':<28} {'found':>5}   {'without index':>14}   {'with index':>11}")
    figures: dict[str, dict[str, float]] = {query: {} for query in SEARCHES}
    found: dict[str, int] = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            for variant in ("without", "with"):
                cursor.execute(f"DROP INDEX IF EXISTS {search.INDEX_NAME}")
                if variant == "with":
                    from django.contrib.postgres.indexes import GinIndex

                    index = GinIndex(search.course_vector(), name=search.INDEX_NAME)
                    with connection.schema_editor(atomic=False) as editor:
                        editor.add_index(Course, index)
                cursor.execute("ANALYZE courses_course")
                for query in SEARCHES:
                    courses = filters.apply(filters.upcoming(now), filters.CatalogFilter(q=query))

                    def page(courses=courses):
                        list(courses.select_related("organization", "location")[:20])
                        return courses.count()

                    found[query] = page()
                    figures[query][variant] = timed(page, args.runs)
            raise Rollback
    except Rollback:
        pass
    for query in SEARCHES:
        without, with_index = figures[query]["without"], figures[query]["with"]
        print(f"  {query:<28} {found[query]:>5}   {without:11.1f} ms   {with_index:8.1f} ms")


if __name__ == "__main__":
    main()
