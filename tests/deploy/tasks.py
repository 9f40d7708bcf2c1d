"""A task for tests/deploy/test_workers.py only: it stalls on its first attempt, so that the
test can kill the worker in the middle of it."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.mail import send_mail
from django.tasks import task


@task()
def slow_email(address: str, marker_dir: str) -> None:
    first_attempt = Path(marker_dir, "first-attempt")
    if not first_attempt.exists():
        first_attempt.touch()
        time.sleep(120)  # the worker is killed meanwhile
    send_mail("Lernpool", "Ihre Buchung ist bestätigt.", None, [address])
