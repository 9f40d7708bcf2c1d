"""Give one person years of history, to see whether their own pages grow with it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_NAME_bench \\
        .venv/bin/python bench/add_history.py --years 5 [--user PK]

Copies the person's bookings of their first year in the region (the generator writes two
calendar years) ``--years`` times, each copy 52 weeks further back (same weekday, lesson
and pool; single bookings, confirmed, nobody's series), so "Meine Buchungen" gets that many
more years of past bookings and nothing else changes. Without ``--user``: the teacher that
``http_pages.py`` and ``profile_pages.py`` pick (the one with the most bookings to come).
It writes: use a copy of the region (``createdb -T lernpool_bench_tpl …``), never
``lernpool_bench`` itself.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--user", type=int, default=0)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in url or url.rstrip("/").endswith("/lernpool_bench"):
        raise SystemExit("Set DATABASE_URL to your own copy of a region (its name has 'bench').")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Count, Min, Q
    from django.utils import timezone

    from accounts.models import User

    now = timezone.now()
    if args.user:
        user = User.objects.get(pk=args.user)
    else:
        user = (
            User.objects.filter(memberships__role="teacher")
            .annotate(coming=Count("reservations", filter=Q(reservations__start__gte=now)))
            .order_by("-coming")
            .first()
        )
    first = user.reservations.aggregate(first=Min("start"))["first"]
    with transaction.atomic(), connection.cursor() as cursor:
        for year in range(1, args.years + 1):
            cursor.execute(
                """
                INSERT INTO booking_reservation (pool_id, user_id, quantity, start, "end",
                    purpose, status, decision_reason, shortfall, created_at)
                SELECT pool_id, user_id, quantity, start - %(shift)s::interval,
                    "end" - %(shift)s::interval, purpose, 'confirmed', '', false,
                    created_at - %(shift)s::interval
                FROM booking_reservation
                WHERE user_id = %(user)s AND start < %(first)s + interval '364 days'
                    AND start >= %(first)s
                """,
                {"shift": f"{364 * year} days", "user": user.pk, "first": first},
            )
        cursor.execute("ANALYZE booking_reservation")
    total = user.reservations.count()
    since = first - timedelta(days=364 * args.years)
    print(f"user {user.pk}: {total} bookings from {since:%Y-%m-%d}")


if __name__ == "__main__":
    main()
