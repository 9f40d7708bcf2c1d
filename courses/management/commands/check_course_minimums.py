"""Daily: tell providers' staff about courses whose registration closed below the minimum.
Safe to run twice on one day: each course is reported once."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from courses import services


class Command(BaseCommand):
    help = "Email staff about courses with fewer participants than their minimum (once each)."

    def handle(self, *args, **options) -> None:
        told = services.check_minimums()
        self.stdout.write(f"{len(told)} course(s) below their minimum reported.")
