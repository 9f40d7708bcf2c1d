from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_ci_really_runs_on_postgresql():
    """The PostgreSQL-only tests would be worth nothing if CI fell back to SQLite."""
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 150000
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60


def test_sqlite_serializes_write_transactions():
    """On SQLite the lock-check-write services rely on IMMEDIATE transactions."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the SQLite setting only matters on SQLite")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
