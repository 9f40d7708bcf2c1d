"""The app through PgBouncer in transaction mode (Debian's pgbouncer, started on a free port
for this module): each transaction may get another server connection, so the app must keep
no session state and use no server-side cursors (DATABASE_POOLER=pgbouncer). Bookings from
several threads at once, a report, the audit log's streamed CSV and the API run in another
process whose DATABASE_URL points at PgBouncer."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from booking.models import Reservation
from organizations.models import Role
from tests.factories import DeviceFactory, DevicePoolFactory, MembershipFactory

from .test_replica import _as_postgres, _free_port

pytestmark = pytest.mark.postgres

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@pytest.fixture(scope="module")
def pgbouncer():
    if not os.path.exists(PGBOUNCER):
        pytest.fail("pgbouncer is missing: `make test-deps` installs Debian's package.")
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    directory = tempfile.mkdtemp(prefix="lernpool-pgbouncer-")
    port = _free_port()
    config = os.path.join(directory, "pgbouncer.ini")
    with open(os.path.join(directory, "users.txt"), "w") as users:
        users.write('"postgres" ""\n')
    with open(config, "w") as ini:
        ini.write(
            "[databases]\n"
            f"* = host={primary['HOST'] or '127.0.0.1'} port={primary['PORT'] or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\n"
            f"unix_socket_dir = {directory}\n"
            "auth_type = trust\n"
            f"auth_file = {directory}/users.txt\n"
            "admin_users = postgres\n"
            "pool_mode = transaction\n"
            # Fewer server connections than the client's threads: transactions share them.
            "default_pool_size = 2\n"
            f"logfile = {directory}/pgbouncer.log\n"
        )
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        shutil.chown(directory, "postgres", "postgres")
        for name in os.listdir(directory):
            shutil.chown(os.path.join(directory, name), "postgres", "postgres")
    process = subprocess.Popen(
        _as_postgres([PGBOUNCER, config]), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        for _ in range(50):
            ready = subprocess.run(
                ["pg_isready", "-h", "127.0.0.1", "-p", str(port), "-q"], check=False
            )
            if ready.returncode == 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"pgbouncer did not start: {process.stdout.read().decode()}")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def _pgbouncer_transactions(port: int, database: str) -> int:
    stats = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            "pgbouncer",
            "-AF",
            "\t",
            "-c",
            "SHOW STATS",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    header = stats[0].split("\t")
    for line in stats[1:]:
        values = dict(zip(header, line.split("\t"), strict=False))
        if values.get("database") == database:
            return int(values["total_xact_count"])
    return 0


def test_the_app_works_through_pgbouncer_in_transaction_mode(pgbouncer, transactional_db):
    pool = DevicePoolFactory(name="Koffer Physik")
    DeviceFactory.create_batch(3, pool=pool)
    teachers = [
        MembershipFactory(organization=pool.organization, role=Role.TEACHER).user for _ in range(5)
    ]
    admin = MembershipFactory(organization=pool.organization, role=Role.ORG_ADMIN).user
    today = datetime.date.today()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    start = datetime.datetime.combine(monday, datetime.time(8), tzinfo=datetime.UTC)
    database = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
    arguments = {
        "pool_id": pool.pk,
        "teacher_ids": [teacher.pk for teacher in teachers],
        "admin_id": admin.pk,
        "start": start.isoformat(),
        "end": (start + datetime.timedelta(hours=1)).isoformat(),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.core.pgbouncer_client", json.dumps(arguments)],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pgbouncer}/{database}",
            "DATABASE_POOLER": "pgbouncer",
            "CONN_MAX_AGE": "0",
            "ALLOWED_HOSTS": "testserver",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {
        "booked": 3,  # three devices: no overbooking through the pooler
        "refused": 2,
        "report": 200,
        "log_csv": 200,
        "log_lines": outcome["log_lines"],
        "health": 200,
        "server_side_cursors": False,
    }
    assert outcome["log_lines"] >= 1 + 3  # the header and the three bookings
    assert Reservation.objects.filter(pool=pool, status="confirmed").count() == 3
    assert _pgbouncer_transactions(pgbouncer, database) > 10  # it really went through it
