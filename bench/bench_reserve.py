"""How long booking takes in a busy pool: services.reserve(), reserved_intervals for one week
and peak_reserved for one lesson, in a pool with 100 and with 100,000 reservations.

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python bench/bench_reserve.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool \\
        DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python bench/bench_reserve.py

Works in a throwaway test database (created and destroyed here), never in the real one.
``--calls`` changes the number of timed calls per figure (default 200), ``--sizes`` the
pool sizes (default 100 100000), ``--explain`` prints PostgreSQL's EXPLAIN ANALYZE of the
availability queries in the largest pool.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CAPACITY = 40
PERIODS = 10  # lesson periods a day, 45 minutes each from 08:00
PAST_YEARS = 6
FUTURE_DAYS = 110  # within the pool's default horizon of 120 days


def database_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10_000)
        return f"PostgreSQL {major}.{minor}"
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    return connection.vendor


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def period(day: datetime.date, number: int) -> datetime.datetime:
    from django.utils import timezone

    start = datetime.datetime.combine(day, datetime.time(8, 0)) + datetime.timedelta(
        minutes=50 * number
    )
    return timezone.make_aware(start)


def weekdays(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def fill(pool, users, count: int, rng: random.Random) -> int:
    """``count`` confirmed reservations of 1–2 periods and 1–2 devices on the weekdays of
    the last PAST_YEARS years and the next FUTURE_DAYS days, never more than CAPACITY - 5 at
    once (room for the timed bookings). Returns how many lie in the future."""
    from django.utils import timezone

    from booking.models import Reservation

    today = timezone.localdate()
    days = weekdays(today - datetime.timedelta(days=365 * PAST_YEARS), today)
    days += weekdays(
        today + datetime.timedelta(days=1), today + datetime.timedelta(days=FUTURE_DAYS)
    )
    loads: dict[datetime.date, list[int]] = {}
    rows: list[Reservation] = []
    while len(rows) < count:
        day = rng.choice(days)
        load = loads.setdefault(day, [0] * PERIODS)
        first = rng.randrange(PERIODS - 1)
        length = rng.choice((1, 1, 2))
        quantity = rng.choice((1, 1, 2))
        if max(load[first : first + length]) + quantity > CAPACITY - 5:
            continue
        for number in range(first, first + length):
            load[number] += quantity
        rows.append(
            Reservation(
                pool=pool,
                user=users[len(rows) % len(users)],
                quantity=quantity,
                start=period(day, first),
                end=period(day, first + length) - datetime.timedelta(minutes=5),
                purpose=f"Klasse {5 + len(rows) % 8}{'abcd'[len(rows) % 4]}",
            )
        )
    Reservation.objects.bulk_create(rows, batch_size=5_000)
    return sum(1 for row in rows if row.start.date() > today)


def filled_pool(organization, device_type, users, count: int, rng: random.Random):
    """A new pool "Koffer <count>" of the organization with CAPACITY devices in service and
    ``count`` reservations (``fill``); returns it and how many of them lie in the future."""
    from devices.models import Device, DevicePool

    pool = DevicePool.objects.create(organization=organization, name=f"Koffer {count}")
    Device.objects.bulk_create(
        Device(
            organization=organization, pool=pool, device_type=device_type, asset_tag=f"{count}-{n}"
        )
        for n in range(CAPACITY)
    )
    return pool, fill(pool, users, count, rng)


def timed(function, arguments: list[dict]) -> list[float]:
    seconds = []
    for keywords in arguments:
        started = time.perf_counter()
        function(**keywords)
        seconds.append(time.perf_counter() - started)
    return seconds


def figures(seconds: list[float]) -> str:
    ms = sorted(value * 1000 for value in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):8.2f} ms   p95 {p95:8.2f} ms   ({len(ms)} calls)"


def explain(pool, week_start, week_end, lesson_start, lesson_end) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from booking import availability

    with CaptureQueriesContext(connection) as captured:
        availability.peak_reserved(pool.pk, lesson_start, lesson_end)
        availability.reserved_intervals(pool.pk, week_start, week_end)
    labels = ["peak_reserved (one lesson)", "reserved_intervals (one week)"]
    with connection.cursor() as cursor:
        for label, query in zip(labels, captured.captured_queries, strict=True):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print(f"\n--- EXPLAIN ANALYZE {label}")
            print("\n".join(row[0] for row in cursor.fetchall()))


def run(sizes: list[int], calls: int, show_plans: bool) -> None:
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from accounts.models import User
    from booking import availability, services
    from devices.models import DeviceType
    from organizations.models import District, Membership, Organization, Role

    rng = random.Random(4)
    district = District.objects.create(name="Stadt Aschaffenburg", slug="aschaffenburg")
    organization = Organization.objects.create(
        name="Bench-Gymnasium", slug="bench", kind=Organization.Kind.SCHOOL, district=district
    )
    users = [
        User.objects.create_user(f"lehrkraft{n}@bench.example", password=None) for n in range(50)
    ]
    Membership.objects.bulk_create(
        Membership(user=user, organization=organization, role=Role.TEACHER) for user in users
    )
    ipad = DeviceType.objects.create(kind="tablet", make="Apple", model="iPad 10. Generation")

    print(f"database: {database_version()}")
    print(
        f"machine:  {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()}), "
        f"Python {platform.python_version()}"
    )
    print(
        f"pool:     {CAPACITY} devices; reservations on weekdays over {PAST_YEARS} years back "
        f"and {FUTURE_DAYS} days ahead"
    )
    today = timezone.localdate()
    future_days = weekdays(
        today + datetime.timedelta(days=7), today + datetime.timedelta(days=FUTURE_DAYS)
    )
    largest = None
    for size in sizes:
        started = time.perf_counter()
        pool, future = filled_pool(organization, ipad, users, size, rng)
        filled = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE booking_reservation")
        print(f"\n{size:,} reservations ({future:,} ahead), written in {filled:.1f} s")
        slots = rng.sample(
            [(day, number) for day in future_days for number in range(PERIODS)], calls
        )
        lessons = [(period(day, number), period(day, number + 1)) for day, number in slots]
        weeks = [
            (period(day - datetime.timedelta(days=day.weekday()), 0),) for day, _number in slots
        ]
        weeks = [(start, start + datetime.timedelta(days=7)) for (start,) in weeks]

        peak = timed(
            availability.peak_reserved,
            [{"pool_id": pool.pk, "start": start, "end": end} for start, end in lessons],
        )
        print(f"  peak_reserved, one lesson          {figures(peak)}")
        week = timed(
            availability.reserved_intervals,
            [{"pool_id": pool.pk, "start": start, "end": end} for start, end in weeks],
        )
        print(f"  reserved_intervals, one week       {figures(week)}")
        # Emails are enqueued on commit; the dummy backend keeps the task machinery out of
        # the figure (in production that is one INSERT into the task table).
        with override_settings(
            TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
        ):
            booked = timed(
                services.reserve,
                [
                    {
                        "by": users[index % len(users)],
                        "pool": pool,
                        "quantity": 1,
                        "start": start,
                        "end": end,
                        "purpose": "Bench",
                    }
                    for index, (start, end) in enumerate(lessons)
                ],
            )
        print(f"  services.reserve(), one device     {figures(booked)}")
        largest = (pool, weeks[0], lessons[0])
    if show_plans and largest and connection.vendor == "postgresql":
        pool, (week_start, week_end), (lesson_start, lesson_end) = largest
        explain(pool, week_start, week_end, lesson_start, lesson_end)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 100_000])
    parser.add_argument("--explain", action="store_true")
    arguments = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(arguments.sizes, arguments.calls, arguments.explain)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
