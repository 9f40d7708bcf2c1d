"""A teacher's "Meine Buchungen" reads what it shows, not the years behind it: the bookings
to come through reservation_user_end, a page of past ones after its cursor, and no count of
them all (bench/README.md, "Meine Buchungen over years of history").

PostgreSQL only. The page's own queries are captured and run again under ``EXPLAIN
ANALYZE`` with sequential scans off (the test tables are tiny, so the planner would scan
them whatever the indexes); the rows each index read gave say whether the query found its
rows or filtered them out of the teacher's history."""

from __future__ import annotations

import datetime
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from booking.models import Reservation
from tests.factories import pool_with_devices

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)
HISTORY = 2000  # past bookings: five school years of eight lessons a week
COMING = 12
PAGE = 20


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def plan_of(sql: str, params=()) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        result = cursor.fetchone()[0]
    return (json.loads(result) if isinstance(result, str) else result)[0]["Plan"]


def reservations_read(plan: dict) -> int:
    """Rows the scans of booking_reservation gave (kept or filtered away)."""
    return sum(
        (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
        for node in nodes(plan)
        if node.get("Relation Name") == "booking_reservation"
    )


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(on_postgres, teacher, organization):
    if not on_postgres:
        pytest.skip("query plans are PostgreSQL's")
    pool = pool_with_devices(organization, 30, name="iPad-Koffer 1")
    first = datetime.datetime(2021, 9, 13, 8, 0, tzinfo=BERLIN)
    lessons = [first + datetime.timedelta(days=7 * (n // 8), hours=n % 8) for n in range(HISTORY)]
    lessons += [NOW + datetime.timedelta(days=1 + n, hours=1) for n in range(COMING)]
    Reservation.objects.bulk_create(
        Reservation(
            pool=pool,
            user=teacher,
            quantity=5,
            start=start,
            end=start + datetime.timedelta(minutes=45),
            status="confirmed",
        )
        for start in lessons
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_reservation")
    return pool


def page_queries(client, teacher, **query) -> list[str]:
    client.force_login(teacher)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/bookings/", query)
    assert response.status_code == 200
    # A choice field reads its choices through a server-side cursor: its SELECT is the same.
    selects = [
        re.sub(r"^DECLARE .*? FOR ", "", entry["sql"]) for entry in captured.captured_queries
    ]
    return [sql for sql in selects if sql.startswith("SELECT") and "booking_reservation" in sql]


def the_query(queries: list[str], pattern: str) -> str:
    found = [sql for sql in queries if re.search(pattern, sql)]
    assert len(found) == 1, (pattern, queries)
    return found[0]


UPCOMING = r'FROM "booking_reservation".* ORDER BY "booking_reservation"\."start" ASC'
PAST = r'FROM "booking_reservation".* ORDER BY "booking_reservation"\."start" DESC'


def test_the_bookings_to_come_are_read_without_the_past(client, teacher, history):
    queries = page_queries(client, teacher)
    read = reservations_read(plan_of(the_query(queries, UPCOMING)))
    assert read <= COMING + 2, read


def test_the_first_page_of_the_past_reads_a_page_and_counts_nothing(client, teacher, history):
    queries = page_queries(client, teacher)
    assert not [sql for sql in queries if "COUNT(" in sql and "booking_loan" not in sql]
    read = reservations_read(plan_of(the_query(queries, PAST)))
    assert read <= PAGE + 1 + COMING + 2, read


def test_a_page_years_back_reads_a_page(client, teacher, history):
    row = Reservation.objects.filter(user=teacher).order_by("start")[HISTORY // 5]
    cursor = f"{row.start.astimezone(datetime.UTC):%Y%m%dT%H%M%S%f}-{row.pk}"
    queries = page_queries(client, teacher, older=cursor)
    read = reservations_read(plan_of(the_query(queries, PAST)))
    assert read <= PAGE + 1 + 2, read  # one more tells of a next page; the cursor row
    shown = client.get("/bookings/", {"older": cursor}).content.decode()
    assert f'href="/bookings/{row.pk - 1}/"' in shown and f'href="/bookings/{row.pk}/"' not in shown


def test_the_check_sees_a_query_that_reads_the_history(client, teacher, history):
    """Negative controls: without reservation_user_end the same query of the bookings to
    come filters the teacher's whole history; the paginator's count (the form before)
    reads every past booking."""
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX reservation_user_end")  # undone with the test's transaction
    queries = page_queries(client, teacher)
    assert reservations_read(plan_of(the_query(queries, UPCOMING))) >= HISTORY
    upcoming = Q(end__gt=NOW) & ~Q(status=Reservation.Status.CANCELLED)
    past = Reservation.objects.filter(user=teacher).exclude(upcoming).order_by("-start", "-pk")
    with CaptureQueriesContext(connection) as captured:
        assert Paginator(past, PAGE).count == HISTORY
    assert reservations_read(plan_of(captured.captured_queries[0]["sql"])) >= HISTORY
