"""``manage.py apply_retention``: the daily retention job. Unlinks people from bookings,
loans and courses past their period, warns and then deletes unused accounts, deletes old log
entries, expired sessions and old report files: every rule registered in accounts.privacy.
Safe to run twice: the second run changes nothing. Start it daily from cron or a systemd
timer (or let the task worker run ``accounts.tasks.apply_retention``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.retention import DateInFuture, as_of, run_retention


class Command(BaseCommand):
    help = (
        "Apply the retention rules: unlink people from old bookings, loans and courses, warn "
        "and delete unused accounts, delete old log entries and sessions. Safe to run twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--date",
            help=(
                "Act as if today were this day (YYYY-MM-DD, not after today), e.g. to catch up "
                "a missed day."
            ),
        )

    def handle(self, *args, date: str | None = None, **options) -> None:
        now = None
        if date:
            try:
                now = as_of(date)
            except DateInFuture as error:
                raise CommandError(
                    f"--date: {date} is after today ({timezone.localdate().isoformat()}); "
                    "retention can only be applied as of today or an earlier day."
                ) from error
            except ValueError as error:
                raise CommandError(f"--date: expected YYYY-MM-DD, got {date!r}") from error
        result = run_retention(now)
        width = max((len(key) for key in result.changed), default=0)
        for key, count in result.changed.items():
            self.stdout.write(f"{key:<{width}}  {count} changed")
        self.stdout.write(
            f"Unused accounts kept because something is still open: {result.blocked_accounts}"
        )
