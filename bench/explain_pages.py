"""What each daily page's SQL reads: every query of one request under ``EXPLAIN (ANALYZE,
BUFFERS)``, to compare regions of different scales (bench/README.md, "Scale 3 against
scale 1").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/explain_pages.py [--only "lending,desk"] [--top 3] [--plans]

Takes the pages and signed-in people of ``http_pages.py`` (under the production settings),
requests each page once to warm up, records the SELECTs of a second request (SQL and
parameters, through ``connection.execute_wrapper``) and runs each again under
``EXPLAIN (ANALYZE, BUFFERS)``. Prints per page: the queries, the server's execution time
summed over them, the shared buffers they touched (hit + read: what does not move with the
load), the rows the page's queries returned, and the sequential scans of the big tables
(reservations, loans and their items, courses, meetings, enrolments, attendance, devices)
with the rows they read. ``--top N`` lists the N queries with the most buffers of each page,
``--plans`` their plans as text. It also prints the people ``http_pages.py`` picked and how
much of the data is theirs. Reads only (apart from the sessions ``http_pages`` makes).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import add_only, pages_in_process  # noqa: E402

BIG_TABLES = {
    "booking_reservation",
    "booking_loan",
    "booking_loanitem",
    "courses_course",
    "courses_meeting",
    "courses_enrollment",
    "courses_attendance",
    "devices_device",
    "accounts_user",
}


class Recorder:
    """Keeps the SELECTs run through Django's connection, with their parameters."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        if not many and sql.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((sql, params))
        return execute(sql, params, many, context)


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def explain(sql: str, params) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        document = cursor.fetchone()[0]
    if isinstance(document, str):
        document = json.loads(document)
    return document[0]


def explain_text(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def summary(result: dict) -> dict:
    plan = result["Plan"]
    seq = []
    for node in nodes(plan):
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES:
            rows = node["Actual Rows"] * node.get("Actual Loops", 1)
            removed = node.get("Rows Removed by Filter", 0) * node.get("Actual Loops", 1)
            seq.append(f"{node['Relation Name']} ({rows + removed:,} read)")
    return {
        "ms": result["Execution Time"],
        "buffers": plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0),
        "rows": plan["Actual Rows"],
        "seq": seq,
    }


def people(sessions: dict[str, str]) -> None:
    """Who http_pages picked, and how much of the region is theirs."""
    from importlib import import_module

    from django.conf import settings
    from django.db.models import Q
    from django.utils import timezone

    from accounts.models import User
    from booking.models import Loan, Reservation
    from courses.models import Course, Enrollment
    from devices.models import Device
    from organizations.models import Membership

    store = import_module(settings.SESSION_ENGINE).SessionStore
    now = timezone.now()
    for who, key in sessions.items():
        user = User.objects.get(pk=store(key)["_auth_user_id"])
        orgs = list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
        mine = Reservation.objects.filter(user=user)
        print(
            f"  {who:<9} user {user.pk}: reservations {mine.count():,} "
            f"({mine.filter(start__gte=now).count():,} to come), "
            f"loans {Loan.objects.filter(borrower=user).count():,}, "
            f"enrolments {Enrollment.objects.filter(user=user).count():,}; "
            f"organizations {orgs}: devices "
            f"{Device.objects.filter(organization__in=orgs).count():,}, courses "
            f"{Course.objects.filter(organization__in=orgs).count():,}, loans "
            f"{Loan.objects.filter(pool__organization__in=orgs).count():,} "
            f"({Loan.objects.filter(pool__organization__in=orgs, closed_at=None).count():,} open), "
            f"reservations of their pools "
            f"{Reservation.objects.filter(pool__organization__in=orgs).count():,} "
            f"({Reservation.objects.filter(Q(pool__organization__in=orgs), end__gt=now).count():,} "
            "ahead)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_only(parser)
    parser.add_argument("--top", type=int, default=0, help="list each page's N heaviest queries")
    parser.add_argument("--plans", action="store_true", help="with --top: their plans as text")
    args = parser.parse_args()
    sessions, pages = pages_in_process(args, "lernpool-explain-static-")

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    print("people:")
    people(sessions)
    print(
        f"\n{'page':<18} {'queries':>7} {'server ms':>9} {'buffers':>8} {'rows':>6} "
        f"{'KiB':>5}  sequential scans of big tables"
    )
    for page in pages:
        client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
        if page.who:
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions[page.who]
        response = client.get(page.url)
        assert response.status_code == 200, (page.url, response.status_code)
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            response = client.get(page.url)
        results = []
        for sql, params in recorder.statements:
            if "django_session" in sql or "lernpool_cache" in sql:
                continue  # the frame's, not the page's
            results.append((summary(explain(sql, params)), sql, params))
        seq = [scan for result, _sql, _params in results for scan in result["seq"]]
        print(
            f"{page.label:<18} {len(results):7} "
            f"{sum(r['ms'] for r, _s, _p in results):9.1f} "
            f"{sum(r['buffers'] for r, _s, _p in results):8,} "
            f"{sum(r['rows'] for r, _s, _p in results):6,} "
            f"{len(response.content) / 1024:5.0f}  {'; '.join(seq)}",
            flush=True,
        )
        for result, sql, params in sorted(results, key=lambda r: -r[0]["buffers"])[: args.top]:
            print(
                f"    {result['ms']:8.2f} ms {result['buffers']:7,} buffers "
                f"{result['rows']:5,} rows  {sql[:300]}"
            )
            if args.plans:
                print("      " + explain_text(sql, params).replace("\n", "\n      "))


if __name__ == "__main__":
    main()
