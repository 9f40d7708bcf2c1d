"""What the benchmarks that run Lernpool under its production settings share: the settings'
environment, collected static files, gunicorn started and stopped on a free port, and the
set-up of the in-process page benchmarks (``profile_pages.py``, ``explain_pages.py``).

``http_pages.py``, ``http_reserve.py`` and ``http_mixed.py`` serve the app over HTTP from
here; ``profile_pages.py`` and ``explain_pages.py`` render the same pages in-process.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# The production settings want these; the benchmarks serve loopback over plain HTTP.
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": "bench-not-secret",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "EMAIL_URL": "consolemail://",
    "SECURE_SSL_REDIRECT": "False",
    "SECURE_HSTS_SECONDS": "0",
    "SITE_URL": "https://127.0.0.1",
    # wrk comes from one address (or a few), and sends more per token than a person would:
    # the API's per-client limits (core/throttling.py) stay on, but high, or a row would time
    # the refusal (429) instead of the page.
    "API_RATE_PER_ADDRESS": "100000000/m",
    "API_RATE_PER_TOKEN": "100000000/m",
}


def collect_static(prefix: str) -> Path:
    """Collect the static files into a new temporary directory (the manifest storage of the
    production settings needs them) and return it; it becomes ``STATIC_ROOT``."""
    static_root = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["STATIC_ROOT"] = str(static_root)
    command = [PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"]
    subprocess.run(command, cwd=ROOT, check=True)
    return static_root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    app: str, env: dict[str, str], workers: int, ready: str = "/"
) -> Iterator[tuple[str, int]]:
    """Serve ``app`` with ``workers`` sync workers on a free port of loopback, with ``env``
    on top of this process's environment; yields the site's URL and gunicorn's pid (the
    master, whose children are the workers) once ``ready`` answers, and stops it after."""
    port = free_port()
    process = subprocess.Popen(
        [
            PYTHON, "-m", "gunicorn", app,
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--worker-class", "sync",
            "--log-level", "warning",
            "--no-control-socket",
            "--graceful-timeout", "5",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )  # fmt: skip
    try:
        # Ready when a worker answers (booting Django takes seconds on a loaded machine).
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{ready}", timeout=30)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def add_only(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", default="", help="comma-separated page labels")


def pages_in_process(args: argparse.Namespace, static_prefix: str):
    """For the in-process page benchmarks: refuse a database that is not a generated region,
    take the production settings (collecting the static files unless ``STATIC_ROOT`` is set),
    and return the sessions and the pages of ``http_pages.people_and_pages``, only those
    that ``--only`` names (``add_only``) when it is given."""
    if "bench" not in os.environ.get("DATABASE_URL", ""):
        raise SystemExit("Set DATABASE_URL to a generated region database (its name has 'bench').")
    os.environ.update(PROD_ENV)
    if "STATIC_ROOT" not in os.environ:
        collect_static(static_prefix)
    from bench.http_pages import people_and_pages

    sessions, pages, _org = people_and_pages()
    if args.only:
        wanted = {label.strip() for label in args.only.split(",")}
        pages = [page for page in pages if page.label in wanted]
    return sessions, pages
