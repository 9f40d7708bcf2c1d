"""``manage.py demo_code``: the current 2FA code of the demo accounts with a role."""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.mfa import DEMO_TOTP_SECRET, totp_code


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of the demo's staff, organization admins and region "
        "admin (they share one public secret). Only in a demo (LERNPOOL_DEMO)."
    )

    def handle(self, *args, **options) -> None:
        if not settings.LERNPOOL_DEMO:
            raise CommandError(
                "This installation is not a demo (LERNPOOL_DEMO is off): there is no demo code."
            )
        now = time.time()
        left = app_settings.TOTP_PERIOD - int(now) % app_settings.TOTP_PERIOD
        self.stdout.write(totp_code(DEMO_TOTP_SECRET, now))
        if options.get("verbosity", 1) >= 1:
            self.stderr.write(f"valid for {left} more seconds; secret {DEMO_TOTP_SECRET}")
