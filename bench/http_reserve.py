"""POST /api/v1/reservations over HTTP, in a pool with 100 and one with 100,000 reservations.

    .venv/bin/python bench/http_reserve.py [--duration 10] [--rounds 2] [--clients 1 4 16]
        [--workers 2] [--conflicts 0.1] [--profile 30] [--keep]

Builds its own database (``lernpool_reserve_http`` on the PostgreSQL of ``--server``, dropped
at the end unless ``--keep``), migrates it under the production settings, and fills it with
the data of ``bench_reserve.py``: a school with 50 teachers, each with a personal API token
(``accounts.services.create_api_token``, as ``manage.py issue_token`` makes them), and two
pools of 40 devices with 100 and with 100,000 reservations over six years back and 110 days
ahead. Then it starts gunicorn (sync workers, ``config.settings.prod``) and lets ``wrk`` POST
bookings of one device for a lesson period ahead, every request another teacher's token and
another client address, with one client at a time and with several at once, for each pool in
turn (``--rounds`` times). Every slot booked has room, so each booking succeeds (201), except
the share ``--conflicts`` of requests, which ask for a time the pool is fully booked at (409
with ``free: 0``, after the pool's lock and count, and nothing written). The bench's own
bookings are deleted after every run, so each run sees the pool at its size.

Printed per pool and number of clients: requests/s, p50 and p95 latency (wrk), the answers
(201/409/other), and the CPU time per request of the gunicorn workers and of their PostgreSQL
backends (from /proc: what a loaded machine disturbs least). Before the load it counts the
queries of one booking and one conflict in-process (through Django's test client, the same
settings); ``--profile N`` also books 200 times in-process and prints the median CPU time per
request, the SQL of one booking with each statement's time, and the N functions with the most
time of their own under cProfile.

The API's rate limits stay on (their cost is part of every request); their rates are raised
for the run (``API_RATE_PER_TOKEN``/``API_RATE_PER_ADDRESS``), and 50 tokens and 50 client
addresses take turns, so that each limit's history holds about as many entries as it would
under the production limits.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PYTHON = sys.executable

import bench_reserve  # noqa: E402  (the pool's data: fill(), period(), weekdays())

from bench._server import PROD_ENV, gunicorn  # noqa: E402

PURPOSE = "HTTP-Bench"  # the bench's own bookings, deleted after every run
TEACHERS = 50
PERIODS = bench_reserve.PERIODS
CAPACITY = bench_reserve.CAPACITY
ROOM = 5  # bench_reserve.fill leaves CAPACITY - 5 at most at any time: room for 5 more
FULL_HOUR = 17  # fill() books 08:00–16:15 only; at 17:00 the bench books pools to the full
CONFLICT_DAYS = 20

WRK_SCRIPT = """
local tokens = {%(tokens)s}
local slots = {%(slots)s}
local full = {%(full)s}
local pool = %(pool)d
local threads_total = %(threads)d
local conflict_every = %(conflict_every)d
local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  n = 0
  created = 0
  conflicts = 0
  other = 0
end

function request()
  n = n + 1
  local k = (n - 1) * threads_total + id
  local slot
  if conflict_every > 0 and k %% conflict_every == 0 then
    slot = full[math.floor(k / conflict_every) %% #full + 1]
  else
    slot = slots[(k - 1) %% #slots + 1]
  end
  local who = k %% #tokens
  local body = string.format(
    '{"pool_id": %%d, "quantity": 1, "start": "%%s", "end": "%%s", "purpose": "%(purpose)s"}',
    pool, slot[1], slot[2])
  return wrk.format("POST", "/api/v1/reservations", {
    ["Authorization"] = "Bearer " .. tokens[who + 1],
    ["Content-Type"] = "application/json",
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = string.format("10.0.%%d.%%d", math.floor(who / 200), who %% 200 + 1),
  }, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 409 then
    conflicts = conflicts + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local c, f, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    f = f + thread:get("conflicts")
    o = o + thread:get("other")
  end
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95), c, f, o,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


@dataclass
class Pool:
    label: str
    pk: int
    slots: list[tuple[str, str]]  # room for ROOM bookings each
    full: list[tuple[str, str]]  # booked to capacity


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    created: int
    conflicts: int
    other: int
    socket_errors: int
    app_cpu_ms: float  # per request
    db_cpu_ms: float  # per request


# --- the database ---------------------------------------------------------------------------


def admin_connection(server: str):
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def create_database(server: str, name: str) -> None:
    with admin_connection(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    with admin_connection(server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def iso(value: datetime.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(value).isoformat()


def build(sizes: list[int]) -> tuple[list[Pool], list[str]]:
    """The school, its teachers and their tokens, and a pool of each size."""
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import create_api_token
    from booking.models import Reservation
    from devices.models import DeviceType
    from organizations.models import District, Membership, Organization, Role

    rng = random.Random(4)
    district = District.objects.create(name="Stadt Aschaffenburg", slug="aschaffenburg")
    organization = Organization.objects.create(
        name="Bench-Gymnasium", slug="bench", kind=Organization.Kind.SCHOOL, district=district
    )
    users = [
        User.objects.create_user(f"lehrkraft{n}@bench.example", password=None)
        for n in range(TEACHERS)
    ]
    Membership.objects.bulk_create(
        Membership(user=user, organization=organization, role=Role.TEACHER) for user in users
    )
    tokens = [create_api_token(by=user, name="bench")[1] for user in users]
    ipad = DeviceType.objects.create(kind="tablet", make="Apple", model="iPad 10. Generation")
    today = timezone.localdate()
    days = bench_reserve.weekdays(
        today + datetime.timedelta(days=7),
        today + datetime.timedelta(days=bench_reserve.FUTURE_DAYS),
    )
    pools = []
    for size in sizes:
        started = time.perf_counter()
        pool, _ahead = bench_reserve.filled_pool(organization, ipad, users, size, rng)
        full = []
        for day in days[:CONFLICT_DAYS]:
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(FULL_HOUR)))
            end = start + datetime.timedelta(minutes=45)
            full.append(
                Reservation(pool=pool, user=users[0], quantity=CAPACITY, start=start, end=end)
            )
        Reservation.objects.bulk_create(full)
        slots = [
            (bench_reserve.period(day, number), bench_reserve.period(day, number + 1))
            for day in days
            for number in range(PERIODS)
        ]
        rng.shuffle(slots)
        pools.append(
            Pool(
                label=f"{Reservation.objects.filter(pool=pool).count():,} reservations",
                pk=pool.pk,
                # A lesson: 45 minutes (period() spaces them 50 minutes apart).
                slots=[(iso(s), iso(e - datetime.timedelta(minutes=5))) for s, e in slots],
                full=[(iso(r.start), iso(r.end)) for r in full],
            )
        )
        print(f"  {pools[-1].label} written in {time.perf_counter() - started:.1f} s", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE booking_reservation")
    return pools, tokens


def forget_bench_bookings() -> int:
    """Delete what the runs booked (their log entries, the emails queued), so that every run
    sees the same pool."""
    from django_tasks_db.models import DBTaskResult

    from accounts.models import AuditLog
    from booking.models import Reservation

    ids = list(Reservation.objects.filter(purpose=PURPOSE).values_list("pk", flat=True))
    targets = [str(pk) for pk in ids]
    AuditLog.objects.filter(action__startswith="booking.", target_id__in=targets).delete()
    DBTaskResult.objects.all().delete()  # nothing else queues here (no worker runs)
    deleted, _per_model = Reservation.objects.filter(pk__in=ids).delete()
    return deleted


# --- in-process: queries and profile --------------------------------------------------------


def _client():
    from django.test import Client

    return Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")


def _post(client, token: str, pool: Pool, slot: tuple[str, str]):
    body = {"pool_id": pool.pk, "quantity": 1, "start": slot[0], "end": slot[1]}
    body["purpose"] = PURPOSE
    return client.post(
        "/api/v1/reservations",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "10.1.0.1"},
    )


def count_queries(pool: Pool, tokens: list[str], show: bool) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client()
    _post(client, tokens[0], pool, pool.slots[-1])  # warm up as the load will
    counts = []
    for slot, status in ((pool.slots[-2], 201), (pool.full[0], 409)):
        with CaptureQueriesContext(connection) as queries:
            response = _post(client, tokens[1], pool, slot)
        if response.status_code != status:
            raise SystemExit(f"expected {status}, got {response.status_code}: {response.content}")
        counts.append(len(queries))
        if show and status == 201:
            print("\nSQL of one booking (ms, statement):")
            for query in queries.captured_queries:
                print(f"  {float(query['time']) * 1000:6.2f}  {query['sql'][:150]}")
    forget_bench_bookings()
    return counts[0], counts[1]


def profile(pool: Pool, tokens: list[str], top: int) -> None:
    client = _client()
    slots = pool.slots[: 200 // ROOM]
    for index in range(10):  # warm up
        _post(client, tokens[index % len(tokens)], pool, slots[index])
    cpu = []
    for index in range(100):
        started = time.process_time()
        _post(client, tokens[index % len(tokens)], pool, slots[index % len(slots)])
        cpu.append(time.process_time() - started)
    forget_bench_bookings()
    profiler = cProfile.Profile()
    profiler.enable()
    for index in range(100):
        _post(client, tokens[index % len(tokens)], pool, slots[index % len(slots)])
    profiler.disable()
    forget_bench_bookings()
    print(
        f"\nin-process, {pool.label}: CPU per booking median "
        f"{statistics.median(cpu) * 1000:.2f} ms (100 bookings)"
    )
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    print(out.getvalue())
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    print(out.getvalue())


# --- over HTTP ------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of the processes (clock ticks from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def backends_of(database: str) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return [row[0] for row in cursor.fetchall()]


def run_wrk(
    url: str,
    pool: Pool,
    tokens: list[str],
    clients: int,
    seconds: int,
    conflicts: float,
    script_dir: Path,
    master: int,
    database: str,
) -> Run:
    threads = min(clients, 2)
    script = script_dir / "reserve.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "tokens": ", ".join(f'"{token}"' for token in tokens),
            "slots": ", ".join(f'{{"{s}", "{e}"}}' for s, e in pool.slots),
            "full": ", ".join(f'{{"{s}", "{e}"}}' for s, e in pool.full),
            "pool": pool.pk,
            "threads": threads,
            "conflict_every": round(1 / conflicts) if conflicts else 0,
            "purpose": PURPOSE,
        }
    )
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s"]
    command += ["--timeout", "30s", "-s", str(script), url]
    # The workers' connections to PostgreSQL live on between requests (CONN_MAX_AGE): a
    # second of health checks makes sure each worker has one, then the backends are those.
    subprocess.run(
        ["wrk", "-t", "2", "-c", "4", "-d", "1s", f"{url}/api/v1/health"],
        capture_output=True,
        check=True,
    )
    workers = workers_of(master)
    app_before = cpu_seconds(workers)
    backends = backends_of(database)
    db_before = cpu_seconds(backends)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    app_cpu = cpu_seconds(workers) - app_before
    backends_after = backends_of(database)
    db_cpu = cpu_seconds(backends_after) - db_before
    if set(backends_after) - set(backends):
        db_cpu = float("nan")  # a worker reconnected: its backend's time is not comparable
    match = re.search(r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", output, re.M)
    requests, duration, p50, p95, created, conflicted, other, errors = map(int, match.groups())
    per = max(requests, 1)
    return Run(
        requests,
        duration / 1e6,
        p50 / 1000,
        p95 / 1000,
        created,
        conflicted,
        other,
        errors,
        app_cpu * 1000 / per,
        db_cpu * 1000 / per,
    )


def summary(runs: list[Run]) -> str:
    requests = sum(run.requests for run in runs)
    seconds = sum(run.seconds for run in runs)
    p50 = statistics.median(run.p50_ms for run in runs)
    p95 = max(run.p95_ms for run in runs)
    app = sum(run.app_cpu_ms * run.requests for run in runs) / max(requests, 1)
    db = sum(run.db_cpu_ms * run.requests for run in runs) / max(requests, 1)
    answers = (
        f"{sum(r.created for r in runs)}/{sum(r.conflicts for r in runs)}/"
        f"{sum(r.other for r in runs) + sum(r.socket_errors for r in runs)}"
    )
    p50s = ", ".join(f"{run.p50_ms:.1f}" for run in runs)
    return (
        f"{requests / seconds:7.1f} {p50:7.2f} {p95:7.2f} {app:8.2f} {db:7.2f}  "
        f"{answers:>16}  (p50 of each round: {p50s})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="lernpool_reserve_http")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 100_000])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--conflicts", type=float, default=0.1, help="share of 409 requests")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument("--sql", action="store_true", help="print the SQL of one booking")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use a kept database as it is")
    parser.add_argument("--no-load", action="store_true", help="only the in-process part")
    args = parser.parse_args()
    if not args.database.startswith("lernpool_reserve"):
        raise SystemExit("The database's name must start with lernpool_reserve.")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it).")

    work = Path(tempfile.mkdtemp(prefix="lernpool-bench-reserve-"))
    env = {
        **PROD_ENV,
        "DATABASE_URL": f"{args.server}/{args.database}",
        "STATIC_ROOT": str(work),
    }
    os.environ.update(env)
    print(
        f"{platform.machine()}, {os.cpu_count()} cores ({bench_reserve.cpu_model()}), Python "
        f"{platform.python_version()}; gunicorn {args.workers} sync workers; load average now "
        f"{os.getloadavg()[0]:.1f}",
        flush=True,
    )
    try:
        if not args.reuse:
            create_database(args.server, args.database)
            subprocess.run(
                [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, check=True
            )
        import django

        django.setup()
        print(f"database {args.database}, {bench_reserve.database_version()}:", flush=True)
        if args.reuse:
            pools, tokens = reuse(args.database)
        else:
            pools, tokens = build(args.sizes)
            save(args.database, pools, tokens)
        forget_bench_bookings()
        for pool in pools:
            booking, conflict = count_queries(pool, tokens, args.sql and pool is pools[-1])
            print(f"  {pool.label}: {booking} queries a booking, {conflict} a conflict")
        if args.profile:
            profile(pools[-1], tokens, args.profile)
        from django.db import connection

        connection.close()
        if args.no_load:
            return
        print(
            f"\nwrk, {args.duration} s per run, {args.rounds} rounds, pools in turn, "
            f"{args.conflicts:.0%} conflicts",
            flush=True,
        )
        print(
            f"{'clients':>7} {'pool':<24} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'app CPU':>8} {'DB CPU':>7}  {'201/409/other':>16}",
            flush=True,
        )
        with gunicorn("config.wsgi", env, args.workers, ready="/api/v1/health") as (site, master):
            for clients in args.clients:
                runs: dict[int, list[Run]] = {pool.pk: [] for pool in pools}
                for _round in range(args.rounds):
                    for pool in pools:
                        runs[pool.pk].append(
                            run_wrk(
                                site,
                                pool,
                                tokens,
                                clients,
                                args.duration,
                                args.conflicts,
                                work,
                                master,
                                args.database,
                            )
                        )
                        forget_bench_bookings()
                for pool in pools:
                    print(f"{clients:7d} {pool.label:<24} {summary(runs[pool.pk])}", flush=True)
                connection.close()
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        if not args.keep:
            drop_database(args.server, args.database)
            state_file(args.database).unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def state_file(database: str) -> Path:
    return Path(tempfile.gettempdir()) / f"{database}.json"


def save(database: str, pools: list[Pool], tokens: list[str]) -> None:
    """What --reuse needs (the tokens' secrets are stored only here, hashed in the database)."""
    state = {"pools": [pool.__dict__ for pool in pools], "tokens": tokens}
    state_file(database).write_text(json.dumps(state))


def reuse(database: str) -> tuple[list[Pool], list[str]]:
    try:
        state = json.loads(state_file(database).read_text())
    except OSError:
        raise SystemExit(f"Nothing kept for {database}: run once with --keep.") from None
    pools = [
        Pool(p["label"], p["pk"], [tuple(s) for s in p["slots"]], [tuple(s) for s in p["full"]])
        for p in state["pools"]
    ]
    return pools, state["tokens"]


if __name__ == "__main__":
    main()
