"""Every daily page over HTTP under load, each as a share of a minimal Django page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/generate_region.py --scale 1          # once (or reuse it)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/http_pages.py [--duration 10] [--rounds 2] [--only desk,…]

or ``make bench`` (which does both against ``lernpool_bench``, generating it only when it is
missing). It starts two gunicorn servers with the same number of sync workers on the same
database: Lernpool under the production settings (``config.settings.prod``, static files
collected into a temporary directory, HTTPS announced by ``X-Forwarded-Proto`` as the proxy
would) and the minimal project of ``bench/baseline.py`` (no middleware, one indexed query, a
tiny template). For each page it runs ``wrk`` against the baseline and then the page,
``--rounds`` times in turn, so both see the same load on a shared machine, and prints per
page: requests/s, the baseline's requests/s in the same rounds, the page's share of it, p50
and p95 latency, and the page's queries (counted once in-process).

Signed-in pages use sessions made here for people the generated region has: the teacher
with the most bookings to come, a library's staff member (2FA marked as done, as after a
login), the provider with the most courses and a resident with loans and enrolments. The
script only reads, apart from those sessions and the cache rows a page writes.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import PROD_ENV, collect_static, gunicorn  # noqa: E402

# wrk prints these after the run (latency in microseconds).
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.status, summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass
class Page:
    label: str
    url: str
    who: str = ""  # a key of the sessions, or "" for an anonymous visitor


@dataclass
class Run:
    rps: float
    p50_ms: float
    p95_ms: float
    bad: int


def people_and_pages() -> tuple[dict[str, str], list[Page], int]:
    """Sessions for the signed-in people and the pages to measure, chosen from the data."""
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count, Q
    from django.utils import timezone

    from accounts import mfa
    from accounts.models import User
    from courses.models import Course, Enrollment
    from devices.models import DevicePool
    from organizations.models import Membership, Organization

    now = timezone.now()
    teacher = (
        User.objects.filter(memberships__role="teacher")
        .annotate(coming=Count("reservations", filter=Q(reservations__start__gte=now)))
        .order_by("-coming")
        .first()
    )
    library = (
        Organization.objects.filter(kind="library", pools__booking_scope="residents")
        .annotate(n=Count("pools"))
        .order_by("-n", "pk")
        .first()
    )
    staff = Membership.objects.filter(organization=library, role="staff").first().user
    provider = (
        Membership.objects.filter(role__in=["staff", "org_admin"])
        .exclude(organization__kind="school")
        .annotate(n=Count("organization__courses"))
        .order_by("-n")
        .first()
    )
    resident = (
        User.objects.filter(memberships__isnull=True)
        .annotate(n=Count("enrollments"))
        .order_by("-n")
        .first()
    )
    course = (
        Course.objects.filter(organization=provider.organization, status="published")
        .annotate(n=Count("enrollments"))
        .order_by("-n")
        .first()
    )
    pool = (
        DevicePool.objects.filter(organization__memberships__user=teacher)
        .exclude(booking_scope="residents")
        .first()
    )
    lending_pool = DevicePool.objects.filter(
        organization=library, booking_scope="residents"
    ).first()
    borrower = User.objects.filter(
        reservations__pool__organization=library, memberships__isnull=True
    ).first()
    enrolled = Enrollment.objects.filter(course__status="published").order_by("-pk").first()
    org = Organization.objects.order_by("pk").first()
    # The provider with the most courses in the catalog (a date ahead), for its filtered list.
    busiest = (
        Course.objects.published()
        .filter(meetings_end__gt=now)
        .values("organization__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "organization__slug")
        .values_list("organization__slug", flat=True)
        .first()
    )

    from importlib import import_module

    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() - 7)
    week = datetime.timedelta(days=7)

    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = {}
    for key, user in {
        "teacher": teacher,
        "staff": staff,
        "provider": provider.user,
        "resident": resident,
    }.items():
        session = store()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session[mfa.CHECKED_SESSION_KEY] = mfa.checked_marker(user)
        session.create()
        sessions[key] = session.session_key

    pages = [
        Page("home", "/"),
        Page("course catalog", "/courses/"),
        Page("catalog one provider", f"/courses/?organization={busiest}"),
        Page("catalog name part", "/courses/?provider=bibliothek"),
        Page("a course", f"/courses/{course.pk}/"),
        Page("lending", "/lending/"),
        Page("a lending pool", f"/lending/{lending_pool.pk}/"),
        Page("organizations", "/organizations/"),
        Page("an organization", f"/organizations/{org.slug}/"),
        Page("API courses", "/api/v1/courses"),
        Page(
            "API availability",
            f"/api/v1/pools/{pool.pk}/availability?start={monday}T00:00:00%2B01:00"
            f"&end={monday + week}T00:00:00%2B01:00",
            "teacher",
        ),
        Page("pool list", "/pools/", "teacher"),
        Page("week view", f"/pools/{pool.pk}/week/", "teacher"),
        Page("Meine Buchungen", "/bookings/", "teacher"),
        Page("Meine Ausleihen", "/loans/", "resident"),
        Page("Meine Kurse", "/my-courses/", "resident"),
        Page("inventory", "/devices/", "staff"),
        Page("desk", "/desk/", "staff"),
        Page("desk person", f"/desk/residents/{(borrower or resident).pk}/", "staff"),
        Page("provider courses", "/manage/courses/", "provider"),
        Page("participants", f"/manage/courses/{course.pk}/participants/", "provider"),
    ]
    del enrolled
    return sessions, pages, org.pk


def count_queries(pages: list[Page], sessions: dict[str, str]) -> dict[str, int]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for page in pages:
        client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
        if page.who:
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions[page.who]
        client.get(page.url)  # warm caches as the load will
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.url)
        if response.status_code != 200:
            raise SystemExit(f"{page.url} as {page.who or 'visitor'}: {response.status_code}")
        counts[page.url] = len(queries)
    return counts


def run_wrk(url: str, seconds: int, connections: int, script: Path, headers: list[str] = ()) -> Run:
    """One wrk run with ``script`` (which prints the BENCH line of WRK_REPORT)."""
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s"]
    output = subprocess.run(
        [*command, "-s", str(script), *headers, url], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", output, re.M)
    requests, duration, p50, p95, status_errors, socket_errors = map(int, match.groups())
    return Run(requests / (duration / 1e6), p50 / 1000, p95 / 1000, status_errors + socket_errors)


def wrk(url: str, cookie: str, seconds: int, connections: int, script: Path) -> Run:
    headers = ["-H", "X-Forwarded-Proto: https"]
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    return run_wrk(url, seconds, connections, script, tuple(headers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers each")
    parser.add_argument("--only", default="", help="comma-separated page labels")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ or "bench" not in os.environ["DATABASE_URL"]:
        raise SystemExit("Set DATABASE_URL to a generated region database (its name has 'bench').")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it).")

    os.environ.update(PROD_ENV)
    static_root = collect_static("lernpool-bench-static-")
    env = {**PROD_ENV, "STATIC_ROOT": str(static_root)}
    sessions, pages, org_pk = people_and_pages()
    if args.only:
        wanted = {label.strip() for label in args.only.split(",")}
        pages = [page for page in pages if page.label in wanted]
    queries = count_queries(pages, sessions)

    from django.conf import settings

    cookie_name = settings.SESSION_COOKIE_NAME
    script = static_root / "report.lua"
    script.write_text(WRK_REPORT)
    baseline_env = {"DJANGO_SETTINGS_MODULE": "bench.baseline"}
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"gunicorn {args.workers} sync workers each; wrk {args.connections} connections, "
        f"{args.duration} s per run, {args.rounds} rounds; load average now "
        f"{os.getloadavg()[0]:.1f}",
        flush=True,
    )
    print(
        f"{'page':<18} {'req/s':>7} {'baseline':>9} {'share':>6} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'queries':>7}  url",
        flush=True,
    )
    app = "django.core.wsgi:get_wsgi_application()"
    with (
        gunicorn(app, env, args.workers) as (site, _master),
        gunicorn(app, baseline_env, args.workers) as (base, _baseline_master),
    ):
        wrk(f"{base}/?id={org_pk}", "", 2, args.connections, script)  # warm both
        wrk(f"{site}/", "", 2, args.connections, script)
        for page in pages:
            cookie = f"{cookie_name}={sessions[page.who]}" if page.who else ""
            pages_runs, base_runs = [], []
            for _round in range(args.rounds):
                base_runs.append(
                    wrk(f"{base}/?id={org_pk}", "", args.duration, args.connections, script)
                )
                pages_runs.append(
                    wrk(site + page.url, cookie, args.duration, args.connections, script)
                )
            rps = sum(r.rps for r in pages_runs) / len(pages_runs)
            base_rps = sum(r.rps for r in base_runs) / len(base_runs)
            p50 = max(r.p50_ms for r in pages_runs)
            p95 = max(r.p95_ms for r in pages_runs)
            bad = sum(r.bad for r in pages_runs)
            # A row with refusals or errors timed something else than the page: no share.
            share = f"{rps / base_rps:6.1%}" if not bad else "     –"
            print(
                f"{page.label:<18} {rps:7.1f} {base_rps:9.1f} {share} {p50:7.1f} "
                f"{p95:7.1f} {queries[page.url]:7d}  {page.url}"
                + (f"  ({bad} errors or non-2xx)" if bad else ""),
                flush=True,
            )
    shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
