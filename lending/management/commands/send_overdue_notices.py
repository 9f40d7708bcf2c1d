"""``manage.py send_overdue_notices``: the daily lending job. Reminders before the due date,
overdue notices after it (each step once, so running it twice on a day sends nothing new),
waiting-list holds that ran out go to the next person, and reservations nobody picked up
within the hold days are released. Start it daily from cron or a
systemd timer."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from lending import services


class Command(BaseCommand):
    help = (
        "Email reminders before the due date and overdue notices after it for loans to "
        "residents, and pass expired waiting-list holds on. Safe to run twice on one day."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--date",
            help="Act as if today were this day (YYYY-MM-DD), e.g. to catch up a missed day.",
        )

    def handle(self, *args, date: str | None = None, **options) -> None:
        today = None
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError as error:
                raise CommandError(f"--date: expected YYYY-MM-DD, got {date!r}") from error
        summary = services.send_overdue_notices(today=today)
        expired = services.expire_holds()
        released = services.release_no_shows()
        self.stdout.write(
            f"Reminders sent: {summary.reminders}\n"
            f"Overdue notices sent: {summary.notices}\n"
            f"Expired waiting-list holds: {expired}\n"
            f"Reservations not picked up, released: {released}"
        )
