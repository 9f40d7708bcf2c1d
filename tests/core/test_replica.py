"""The streaming replica (core.replica): a real hot standby of the test PostgreSQL, made with
``pg_basebackup -R`` into a temporary directory and started on a free port for this module.

The proof that a report is read from the replica: the standby's replay is paused, a booking
is made (on the primary), and the report still counts the bookings from before it — which
only the standby can answer. A visitor who just wrote, and every reader while the standby is
down, gets the primary's figures instead.

Needs a replication line for loopback in pg_hba.conf (``.ci/run`` adds it) and, as root,
the ``postgres`` system user to run the standby (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import datetime
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import services
from core import replica
from core.replica import REPLICA, WROTE_COOKIE
from reports.figures import build_report
from reports.periods import range_period
from reports.scope import organization_scope
from tests.factories import DeviceFactory, DevicePoolFactory

from .databases import extra_alias

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("english_pages")]

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 7, 0, tzinfo=BERLIN)  # a Monday morning
WEEK = (datetime.date(2027, 2, 1), datetime.date(2027, 2, 8))
AFTER_THE_WEEK = datetime.datetime(2027, 2, 9, 12, 0, tzinfo=BERLIN)


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Standby:
    """A hot standby of the test database's cluster, in a temporary directory."""

    def __init__(self, primary: dict) -> None:
        self.primary = primary
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.port = _free_port()
        self.directory = tempfile.mkdtemp(prefix="lernpool-standby-")
        self.data = os.path.join(self.directory, "data")
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")

    def create(self) -> None:
        subprocess.run(
            _as_postgres(
                [
                    f"{self.bin}/pg_basebackup",
                    "-h",
                    self.primary["HOST"] or "127.0.0.1",
                    "-p",
                    str(self.primary["PORT"] or 5432),
                    "-U",
                    self.primary["USER"] or "postgres",
                    "-D",
                    self.data,
                    "-R",  # standby.signal and primary_conninfo: a standby of the primary
                    "-X",
                    "stream",
                    "-c",
                    "fast",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        # Debian keeps postgresql.conf and pg_hba.conf in /etc: the copy has neither.
        settings = (
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.directory}'\nhot_standby = on\n"
            "shared_buffers = 16MB\n"
        )
        # A standby needs at least the primary's values of these.
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('max_connections',"
                " 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions',"
                " 'max_locks_per_transaction')"
            )
            settings += "".join(f"{name} = {value}\n" for name, value in cursor.fetchall())
        for name, text in [
            ("postgresql.conf", settings),
            ("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n"),
            ("pg_ident.conf", ""),
        ]:
            subprocess.run(
                _as_postgres(["tee", os.path.join(self.data, name)]),
                input=text.encode(),
                check=True,
                capture_output=True,
            )

    def pg_ctl(self, *arguments: str) -> None:
        log = os.path.join(self.directory, "log")
        done = subprocess.run(
            _as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-l", log, "-w", *arguments]),
            capture_output=True,
            timeout=60,
        )
        if done.returncode:
            with open(log) as server_log:
                pytest.fail(f"pg_ctl {' '.join(arguments)} failed:\n{server_log.read()}")

    def remove(self) -> None:
        subprocess.run(
            _as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-w", "-m", "fast", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def _replication_allowed() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_hba_file_rules WHERE 'replication' = ANY(database)"
            " AND (address = '127.0.0.1' OR type = 'local')"
        )
        return cursor.fetchone() is not None


@pytest.fixture(scope="module")
def standby(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if not _replication_allowed():
            pytest.fail(
                "pg_hba.conf allows no replication connection on loopback: add "
                "`host replication postgres 127.0.0.1/32 trust` and reload (as .ci/run does)."
            )
    server = Standby(connections[DEFAULT_DB_ALIAS].settings_dict)
    try:
        with django_db_blocker.unblock():
            server.create()
        server.pg_ctl("start")
        yield server
    finally:
        server.remove()


@pytest.fixture
def with_replica(standby, transactional_db, django_db_blocker):
    """The ``replica`` alias points at the standby's copy of the test database (added after
    pytest-django's database fixture, so that the test may query it)."""
    with extra_alias(REPLICA, django_db_blocker, HOST="127.0.0.1", PORT=str(standby.port)):
        replica.forget_replica_down()
        yield standby
    replica.forget_replica_down()


def _sql(alias: str, query: str, *params):
    with connections[alias].cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def _caught_up() -> None:
    """Wait until the standby has replayed everything the primary wrote so far."""
    target = _sql(DEFAULT_DB_ALIAS, "SELECT pg_current_wal_lsn()::text")
    for _ in range(100):
        if _sql(REPLICA, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", target):
            return
        time.sleep(0.1)
    pytest.fail("The standby did not catch up with the primary in 10 seconds.")


@pytest.fixture
def school(with_replica, organization):
    """A pool of ten devices with one booking in the week, replayed on the standby, whose
    replay is then paused: from now on the standby answers with the week as it was."""
    pool = DevicePoolFactory(organization=organization, name="Koffer Mathe")
    DeviceFactory.create_batch(10, pool=pool)
    _caught_up()
    yield pool
    _sql(REPLICA, "SELECT pg_wal_replay_resume()::text")


def _book(teacher, pool, day: int) -> None:
    start = datetime.datetime.combine(
        WEEK[0] + datetime.timedelta(days=day), datetime.time(8), tzinfo=BERLIN
    )
    services.reserve(
        by=teacher,
        pool=pool,
        quantity=2,
        start=start,
        end=start + datetime.timedelta(hours=1),
        now=NOW,
    )


def _bookings(organization) -> int:
    report = build_report(
        scope=organization_scope(organization), period=range_period(*WEEK), now=AFTER_THE_WEEK
    )
    return report.devices.bookings_by_teachers


def test_a_report_is_read_from_the_replica_and_a_booking_goes_to_the_primary(
    school, teacher, organization
):
    _book(teacher, school, 1)
    _caught_up()
    _sql(REPLICA, "SELECT pg_wal_replay_pause()::text")

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        _book(teacher, school, 2)  # a hot standby refuses writes: this one is the primary's
    assert len(on_replica) == 0

    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        assert _bookings(organization) == 1  # the standby has not replayed the second one
    assert len(on_primary) == 0
    assert len(on_replica) > 10

    _sql(REPLICA, "SELECT pg_wal_replay_resume()::text")
    _caught_up()
    assert _bookings(organization) == 2


def test_a_visitor_who_just_wrote_reads_the_report_from_the_primary(
    school, teacher, org_admin, organization, client
):
    _sql(REPLICA, "SELECT pg_wal_replay_pause()::text")
    _book(teacher, school, 1)
    report = (
        f"{reverse('reports:report')}?period={WEEK[0]}..{WEEK[1] - datetime.timedelta(days=1)}"
        f"&scope=org:{organization.slug}"
    )

    def bookings_shown() -> str:
        html = client.get(report).content.decode()
        row = html.split('data-figure="bookings"')[1]
        return row.split("<td")[1].split(">")[1].split("<")[0].strip()

    # The booked week is ahead (bookings are only taken for days to come): the report counts
    # days up to today only, so it is read once the week is over.
    with time_machine.travel(AFTER_THE_WEEK, tick=True):
        client.force_login(org_admin)
        assert bookings_shown() == "0"  # the standby's figure: the booking is not replayed yet

        response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
        assert response.cookies[WROTE_COOKIE]["max-age"] == 10
        assert bookings_shown() == "1"  # the primary's, for the next seconds

        del client.cookies[WROTE_COOKIE]
        assert bookings_shown() == "0"


def test_reads_fall_back_to_the_primary_when_the_replica_is_down(
    school, with_replica, teacher, organization, caplog
):
    _book(teacher, school, 1)
    connections[REPLICA].close()
    with_replica.pg_ctl("-m", "fast", "stop")
    try:
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
            assert _bookings(organization) == 1
        assert len(on_primary) > 10
        assert "The database replica does not answer" in caplog.text
        assert replica.replica() == DEFAULT_DB_ALIAS  # not tried again for a while
    finally:
        with_replica.pg_ctl("start")
    replica.forget_replica_down()
    assert replica.replica() == REPLICA  # back when it answers again
