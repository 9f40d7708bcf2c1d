"""Daily (e.g. 02:30): a ``pg_dump`` of the database in PostgreSQL's custom format into the
backup directory, then the removal of the backups older than the retention. Safe to run twice
on a day: each run writes its own file. A dump is written under a temporary name and renamed
only when ``pg_dump`` succeeded, and nothing is removed after a failed dump.

Restore into an empty database with ``pg_restore --no-owner --dbname=… FILE`` (README).
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

PREFIX = "lernpool-"
SUFFIX = ".dump"
NAME = re.compile(rf"^{PREFIX}(\d{{8}}-\d{{6}}){re.escape(SUFFIX)}$")


def dump_command(database: dict, target: Path) -> tuple[list[str], dict[str, str]]:
    """The pg_dump command line and environment for a Django database setting."""
    command = [
        shutil.which("pg_dump") or "pg_dump",
        "--format=custom",
        "--no-owner",
        f"--file={target}",
        f"--dbname={database['NAME']}",
    ]
    if database.get("HOST"):
        command.append(f"--host={database['HOST']}")
    if database.get("PORT"):
        command.append(f"--port={database['PORT']}")
    if database.get("USER"):
        command.append(f"--username={database['USER']}")
    environment = {**os.environ}
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = str(database["PASSWORD"])
    return command, environment


def expired(directory: Path, *, keep_days: int, now: datetime.datetime) -> list[Path]:
    """The backups in ``directory`` taken more than ``keep_days`` days before ``now`` (by
    the time in their name; other files are never touched)."""
    limit = now - datetime.timedelta(days=keep_days)
    old = []
    for path in sorted(directory.iterdir()):
        match = NAME.match(path.name)
        if not match:
            continue
        taken = datetime.datetime.strptime(match[1], "%Y%m%d-%H%M%S").replace(tzinfo=datetime.UTC)
        if taken < limit:
            old.append(path)
    return old


class Command(BaseCommand):
    help = "Dump the PostgreSQL database (pg_dump, custom format) and remove old backups."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--directory",
            default=str(settings.LERNPOOL_BACKUP_DIR),
            help="Where backups go (default: BACKUP_DIR).",
        )
        parser.add_argument(
            "--keep-days",
            type=int,
            default=settings.LERNPOOL_BACKUP_KEEP_DAYS,
            help="Remove backups older than this many days (default: BACKUP_KEEP_DAYS).",
        )

    def handle(self, *args, directory: str, keep_days: int, **options) -> None:
        database = connections[DEFAULT_DB_ALIAS].settings_dict
        if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
            raise CommandError(
                "backup dumps PostgreSQL; the embedded SQLite database is one file to copy."
            )
        if keep_days < 1:
            raise CommandError("--keep-days must be at least 1.")
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        now = timezone.now().astimezone(datetime.UTC)
        target = folder / f"{PREFIX}{now:%Y%m%d-%H%M%S}{SUFFIX}"
        partial = target.with_name(target.name + ".partial")
        command, environment = dump_command(database, partial)
        # The command line is built from the settings, no user input reaches it.
        done = subprocess.run(command, env=environment, capture_output=True, text=True)  # noqa: S603
        if done.returncode:
            partial.unlink(missing_ok=True)
            raise CommandError(f"pg_dump failed: {done.stderr.strip()}")
        partial.rename(target)
        target.chmod(0o600)
        removed = expired(folder, keep_days=keep_days, now=now)
        for path in removed:
            path.unlink()
        self.stdout.write(
            f"Backup written to {target} ({target.stat().st_size} bytes); "
            f"{len(removed)} backup(s) older than {keep_days} days removed."
        )
