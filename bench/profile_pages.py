"""Where a daily page's time goes, in-process: time per request, its SQL, and a cProfile.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/profile_pages.py --only "Meine Buchungen,desk" [--profile 25]

Takes the same pages and signed-in people as ``http_pages.py`` (under the production
settings), requests each through Django's test client a few times to warm up and then
``--requests`` times, and prints the median per request (wall clock, and the CPU time of
this process, which a loaded machine disturbs less), the SQL's share, the queries, the
template engine's share (``Template.render`` under cProfile) and how many ``{% include %}``,
``reverse()`` and date formattings one request makes, and its Python function calls (cProfile's
count: the one figure the machine's load does not move). With ``--profile N`` it also prints
the N functions with the most time of their own. It only reads (apart from the sessions and
the public pages' content versions in the cache table).

The public pages are answered from this process's memory when nothing changed since the last
request (core.public_cache), so by default every measured request of an anonymous page is a
hit; ``--cold`` empties that memory before each request (outside the timing), which measures
what a page costs right after its data changed.

``--dump DIR`` writes each page's HTML (after the warm-up) to ``DIR/<page>.<language>.html``
and ``--language en`` asks for the English pages (the language cookie), so a change that must
not alter a page can be checked: dump with ``main`` and with the branch, in turn, and compare
with ``bench/compare_pages.py``, which sets the one-time tokens aside.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import add_only, pages_in_process  # noqa: E402

WARM_UP = 3


def calls(stats: pstats.Stats, function) -> tuple[int, float]:
    """Calls and cumulative seconds of ``function`` in the profile."""
    code = function.__code__
    for (filename, line, _name), (_cc, nc, _tt, ct, _callers) in stats.stats.items():
        if filename == code.co_filename and line == code.co_firstlineno:
            return nc, ct
    return 0, 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    add_only(parser)
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument(
        "--cold", action="store_true", help="forget the kept public pages before each request"
    )
    parser.add_argument("--language", default="", help="de or en (default: the site's)")
    parser.add_argument("--dump", default="", help="write each page's HTML into this directory")
    args = parser.parse_args()
    sessions, pages = pages_in_process(args, "lernpool-profile-static-")

    from django.conf import settings
    from django.template.base import Template
    from django.template.loader_tags import IncludeNode
    from django.test import Client
    from django.urls import base as urls
    from django.utils import dateformat

    from bench.bench_reports import sql_timer
    from core import public_cache

    def before_each() -> None:
        if args.cold:
            public_cache.forget()

    print(f"{'page':<18} {'ms':>6} {'CPU ms':>6} {'SQL ms':>7} {'queries':>7} {'tmpl ms':>8} "
          f"{'include':>7} {'reverse':>7} {'dates':>6} {'KiB':>5} {'calls':>7}")  # fmt: skip
    for page in pages:
        client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
        if page.who:
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions[page.who]
        if args.language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = args.language
        for _run in range(WARM_UP):
            response = client.get(page.url)
            assert response.status_code == 200, (page.url, response.status_code)
        if args.dump:
            name = f"{page.label.replace(' ', '-')}.{args.language or 'default'}.html"
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            (Path(args.dump) / name).write_bytes(response.content)
        totals, cpus, sqls = [], [], []
        for _run in range(args.requests):
            before_each()
            with sql_timer() as timer:
                started, cpu = time.perf_counter(), time.process_time()
                client.get(page.url)
                totals.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
            sqls.append(timer.seconds)
        profiler = cProfile.Profile()
        profiler.enable()
        for _run in range(5):
            profiler.disable()
            before_each()
            profiler.enable()
            client.get(page.url)
        profiler.disable()
        stats = pstats.Stats(profiler)
        include = calls(stats, IncludeNode.render)[0]
        reverses = calls(stats, urls.reverse)[0]
        dates = calls(stats, dateformat.format)[0]
        # The outermost Template.render's cumulative time is the whole rendering.
        template_seconds = calls(stats, Template.render)[1]
        profiled = sum(row[2] for row in stats.stats.values())
        # Python function calls: a count that, unlike any time, the machine's load leaves alone.
        function_calls = sum(row[1] for row in stats.stats.values())
        print(
            f"{page.label:<18} {statistics.median(totals) * 1000:6.1f} "
            f"{statistics.median(cpus) * 1000:6.1f} "
            f"{statistics.median(sqls) * 1000:7.1f} {timer.queries:7} "
            f"{template_seconds / 5 * 1000:8.1f} {include // 5:7} {reverses // 5:7} "
            f"{dates // 5:6} {len(response.content) / 1024:5.0f} {function_calls // 5:7}   "
            f"(profiled {profiled / 5 * 1000:.0f} ms)",
            flush=True,
        )
        if args.profile:
            stats.sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
