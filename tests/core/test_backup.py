"""``manage.py backup``: a pg_dump that restores, and the retention of old backups.

The restore test dumps the test database with the report world of tests/reports (the week
counted by hand there), restores the dump into a fresh database with ``pg_restore``, and
compares the row count of every table and the week's report on both.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import subprocess
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from core.replica import REPLICA, pinned_to_primary, reading_from_replica
from reports.figures import build_report
from reports.periods import range_period
from reports.scope import organization_scope
from tests.reports.conftest import WEEK, report_world  # noqa: F401  (a fixture)

from .databases import extra_alias

AFTER_THE_WEEK = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def _row_counts(alias: str) -> dict[str, int]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        return counts


def _report(organization) -> dict:
    report = build_report(
        scope=organization_scope(organization), period=range_period(*WEEK), now=AFTER_THE_WEEK
    )
    return dataclasses.asdict(report)


@pytest.fixture
def restored_database(transactional_db, django_db_blocker):
    name = f"{connections[DEFAULT_DB_ALIAS].settings_dict['NAME']}_restored"
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_a_backup_restores_into_a_fresh_database_with_every_row_and_the_same_report(
    report_world,  # noqa: F811
    restored_database,
    tmp_path,
    django_db_blocker,
):
    output = StringIO()
    call_command("backup", directory=str(tmp_path), stdout=output)
    (dump,) = tmp_path.glob("lernpool-*.dump")
    assert f"Backup written to {dump}" in output.getvalue()

    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            f"--host={primary['HOST']}",
            f"--port={primary['PORT']}",
            f"--username={primary['USER']}",
            f"--dbname={restored_database}",
            str(dump),
        ],
        check=True,
        capture_output=True,
    )

    school = report_world.school
    # The restored copy is read the way the replica is: through the replica alias.
    with extra_alias(REPLICA, django_db_blocker, NAME=restored_database):
        counts = _row_counts(DEFAULT_DB_ALIAS)
        assert counts["booking_reservation"] > 0
        assert _row_counts(REPLICA) == counts
        with reading_from_replica() as alias:
            assert alias == REPLICA
            restored = _report(school)
        with pinned_to_primary():
            original = _report(school)
    assert restored == original
    assert original["devices"]["bookings_by_teachers"] == 5  # the week as counted by hand


@pytest.mark.postgres
def test_backups_older_than_the_retention_are_removed_and_nothing_else(transactional_db, tmp_path):
    for name in [
        "lernpool-20260220-023000.dump",  # 15 days before: removed
        "lernpool-20260222-023000.dump",  # 13 days before: kept
        "notes.txt",
    ]:
        (tmp_path / name).write_text("")
    with time_machine.travel(datetime.datetime(2026, 3, 7, 2, 30, tzinfo=datetime.UTC)):
        call_command("backup", directory=str(tmp_path), keep_days=14, stdout=StringIO())
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "lernpool-20260222-023000.dump",
        "lernpool-20260307-023000.dump",
        "notes.txt",
    ]


@pytest.mark.postgres
def test_a_failed_dump_leaves_no_file_and_removes_no_old_backup(
    transactional_db, tmp_path, monkeypatch
):
    backups = tmp_path / "backups"
    backups.mkdir()
    old = backups / "lernpool-20200101-000000.dump"
    old.write_text("")
    # A pg_dump that writes half a file and fails, as one does when the disk fills up.
    failing = tmp_path / "bin" / "pg_dump"
    failing.parent.mkdir()
    failing.write_text(
        '#!/bin/sh\nfor a; do case $a in --file=*) echo half >"${a#--file=}";; esac; done\n'
        'echo "pg_dump: error: could not write to output file" >&2\nexit 1\n'
    )
    failing.chmod(0o755)
    monkeypatch.setenv("PATH", f"{failing.parent}:{os.environ['PATH']}")
    with pytest.raises(CommandError, match=r"pg_dump failed: .*could not write"):
        call_command("backup", directory=str(backups), stdout=StringIO())
    assert [path.name for path in backups.iterdir()] == [old.name]


def test_it_says_that_sqlite_is_a_file_to_copy(db, tmp_path, on_postgres):
    if on_postgres:
        pytest.skip("about the embedded SQLite database")
    with pytest.raises(CommandError, match="SQLite database is one file to copy"):
        call_command("backup", directory=str(tmp_path))
