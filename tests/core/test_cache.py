"""core.cache: the database cache whose writes are one statement on PostgreSQL. What it
writes must read back through Django's own code, expire and cull as Django's does."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.cache import DatabaseCache

pytestmark = pytest.mark.django_db

TABLE = "lernpool_cache"
NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def table():
    # The tests' settings cache in memory, so the migration made no table: as in production.
    call_command("createcachetable", TABLE, verbosity=0)


def cache(**options) -> DatabaseCache:
    return DatabaseCache(TABLE, {"OPTIONS": options})


def test_what_it_writes_django_reads_and_the_other_way_round():
    ours, django = cache(), DjangoDatabaseCache(TABLE, {})
    ours.set("history", [1.5, 2.5], 60)
    django.set("theirs", {"a": 1}, 60)

    assert django.get("history") == [1.5, 2.5]
    assert ours.get("theirs") == {"a": 1}
    ours.set("theirs", "changed", 60)
    assert django.get("theirs") == "changed"
    assert ours.add("theirs", "not added") is False


def test_set_many_writes_every_key_and_set_overwrites():
    ours = cache()
    assert ours.set_many({"a": 1, "b": [2]}, 60) == []
    ours.set("a", 10, 60)
    assert ours.get_many(["a", "b", "c"]) == {"a": 10, "b": [2]}


def test_a_value_expires_after_its_timeout():
    ours = cache()
    with time_machine.travel(NOW, tick=False) as clock:
        ours.set("soon", "here", 60)
        ours.set("forever", "here", None)
        clock.shift(datetime.timedelta(seconds=59))
        assert ours.get("soon") == "here"
        clock.shift(datetime.timedelta(seconds=2))
        assert ours.get("soon") is None
        assert ours.get("forever") == "here"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # autocommit, as a request runs
def test_on_postgresql_a_write_is_one_statement_and_no_transaction_of_its_own():
    ours = cache()
    ours.clear()
    with CaptureQueriesContext(connection) as queries:
        ours.set_many({"a": 1, "b": 2}, 60)
        ours.set("a", 3, 60)
    assert len(queries) == 2
    assert ours.get_many(["a", "b"]) == {"a": 3, "b": 2}


@pytest.mark.postgres
def test_on_postgresql_it_culls_as_django_does_beyond_max_entries():
    ours = cache(MAX_ENTRIES=5, CULL_FREQUENCY=2)
    ours.clear()
    for number in range(6):
        ours.set(f"key{number}", number, 60)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        assert cursor.fetchone()[0] == 6  # five were counted before the sixth was written
    ours.set("key6", 6, 60)  # six counted: more than five, so a half is culled
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        assert cursor.fetchone()[0] == 4


@pytest.mark.postgres
def test_a_failed_write_inside_a_transaction_leaves_the_transaction_usable(monkeypatch):
    ours = cache()
    monkeypatch.setattr("core.cache._UPSERT", "SELECT no_such_column FROM {table} {rows}")
    with transaction.atomic():
        assert ours.set_many({"a": 1}, 60) == ["a"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
