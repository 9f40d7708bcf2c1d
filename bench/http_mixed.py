"""A mixed load through nginx: one app instance against two, as deploy/ runs them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/http_mixed.py [--duration 20] [--rounds 3] [--workers 5]

The production stack of tests/deploy/stack.py (Debian's nginx with deploy/nginx/lernpool.conf,
TLS on loopback with a self-signed certificate; gunicorn with deploy/gunicorn.conf.py and the
production settings) on a generated region (bench/generate_region.py). Three set-ups run at
once, each behind its own nginx, and take turns under ``wrk`` (HTTPS, keep-alive):

- one instance: one gunicorn with ``--workers`` sync workers;
- two instances: two such gunicorns, nginx balancing between them;
- one instance, twice the workers: tells "a second instance" apart from "more processes".

The load is every daily page of bench/http_pages.py in turn (anonymous pages, the API, and
the signed-in pages of a teacher, a library's staff member, a provider and a resident),
so each connection walks through all of them. Prints requests/s (the mean of the rounds, and
each round's), p50/p95 latency and the non-2xx answers of each set-up, and the ratios to one
instance. Only reads, apart from the
sessions it makes and the cache rows pages write.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import PROD_ENV  # noqa: E402
from bench.http_pages import WRK_REPORT, Run, people_and_pages, run_wrk  # noqa: E402
from tests.deploy import stack  # noqa: E402

# Each request takes the next page of the list, with its person's session cookie.
WRK_MIXED = """
pages = {PAGES}
counter = 0
request = function()
  counter = counter + 1
  local page = pages[(counter % #pages) + 1]
  local headers = {}
  if page[2] ~= "" then headers["Cookie"] = page[2] end
  return wrk.format("GET", page[1], headers)
end
"""


def wrk(url: str, seconds: int, connections: int, script: Path) -> Run:
    return run_wrk(url, seconds, connections, script)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ or "bench" not in os.environ["DATABASE_URL"]:
        raise SystemExit("Set DATABASE_URL to a generated region database (its name has 'bench').")
    for tool in ("wrk", "nginx", "openssl"):
        if not shutil.which(tool) and not (tool == "nginx" and os.path.exists(stack.NGINX)):
            raise SystemExit(f"{tool} is missing: apt-get install {tool}")

    directory = Path(tempfile.mkdtemp(prefix="lernpool-bench-mixed-"))
    directory.chmod(0o755)  # nginx's workers (nobody) read the static files
    try:
        static_root = directory / "static"
        env = {
            **PROD_ENV,
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "STATIC_ROOT": str(static_root),
            "EMAIL_URL": f"filemail://{directory / 'mail'}",
            "LOG_LEVEL": "ERROR",
        }
        os.environ.update(env)
        stack.prepare(env)
        sessions, pages, _org = people_and_pages()
        from django.conf import settings

        cookie = settings.SESSION_COOKIE_NAME
        listed = ", ".join(
            f'{{"{page.url}", "{f"{cookie}={sessions[page.who]}" if page.who else ""}"}}'
            for page in pages
        )
        script = directory / "mixed.lua"
        script.write_text(WRK_MIXED.replace("{PAGES}", "{" + listed + "}") + WRK_REPORT)
        cert, key = stack.self_signed_certificate(directory)

        setups = {
            f"1 instance × {args.workers}": [args.workers],
            f"2 instances × {args.workers}": [args.workers, args.workers],
            f"1 instance × {2 * args.workers}": [2 * args.workers],
        }
        urls = {}
        with ExitStack() as running:
            for number, (label, workers) in enumerate(setups.items()):
                ports = []
                for count in workers:
                    port = stack.free_port()
                    log = directory / f"access-{port}.log"
                    running.enter_context(
                        stack.gunicorn(env, port=port, workers=count, access_log=log)
                    )
                    ports.append(port)
                https, http = stack.free_port(), stack.free_port()
                site = stack.nginx_site(
                    upstreams=ports, http_port=http, https_port=https,
                    static_root=static_root, cert=cert, key=key,
                )  # fmt: skip
                nginx_dir = directory / f"nginx-{number}"
                nginx_dir.mkdir()
                nginx_dir.chmod(0o755)
                running.enter_context(stack.nginx(nginx_dir, site, port=https, workers=2))
                urls[label] = f"https://127.0.0.1:{https}/"

            print(
                f"{platform.machine()}, {os.cpu_count()} cores, Python "
                f"{platform.python_version()}; {len(pages)} pages in turn; wrk "
                f"{args.connections} connections over HTTPS, {args.duration} s per run, "
                f"{args.rounds} rounds; load average now {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            for url in urls.values():
                wrk(url, 3, args.connections, script)  # warm every worker
            runs: dict[str, list[Run]] = {label: [] for label in setups}
            for _round in range(args.rounds):
                for label, url in urls.items():
                    runs[label].append(wrk(url, args.duration, args.connections, script))
            print(
                f"{'set-up':<22} {'req/s':>7} {'ratio':>6} {'p50 ms':>7} {'p95 ms':>7} "
                "non-2xx  req/s of each round"
            )
            first = None
            for label, measured in runs.items():
                rps = sum(run.rps for run in measured) / len(measured)
                first = first or rps
                print(
                    f"{label:<22} {rps:7.1f} {rps / first:6.2f} "
                    f"{max(run.p50_ms for run in measured):7.1f} "
                    f"{max(run.p95_ms for run in measured):7.1f} "
                    f"{sum(run.bad for run in measured):7d}  "
                    + " ".join(f"{run.rps:.1f}" for run in measured),
                    flush=True,
                )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
