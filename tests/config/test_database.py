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


@pytest.mark.parametrize(("pooler", "options"), [("", "-c jit=off"), ("pgbouncer", None)])
def test_production_turns_jit_off_except_behind_pgbouncer(tmp_path, pooler, options):
    """PostgreSQL's JIT compiles for longer than Lernpool's short queries run: production
    switches it off per connection, as base.py does, except behind PgBouncer, which refuses
    startup options (there the database's own setting does it)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}).get('options')))"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key-0123456789",
        "DATABASE_URL": "postgres://lernpool@db.example.org:5432/lernpool",
        "ALLOWED_HOSTS": "lernpool.aschaffenburg.example",
        "EMAIL_URL": "smtp+tls://lernpool:geheim@mail.example.org:587",
        "DATABASE_POOLER": pooler,
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == options
