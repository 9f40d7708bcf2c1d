"""LOG_FORMAT=json: one JSON line per request and per task, with a request id and no
personal data (core/logging.py)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.tasks import task

from core.logging import JsonFormatter, RedactEmailAddresses

pytestmark = pytest.mark.django_db


@task
def tidy_up(count: int) -> int:
    logging.getLogger("lernpool.test").info("tidied %d", count)
    return count


@task
def send_broken(user_id: int) -> None:
    raise ConnectionRefusedError("the mail server refused the message")


class Lines(logging.Handler):
    """Formats what it gets as the JSON handlers of the settings do (filter, then format)."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RedactEmailAddresses())
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def events(self, kind: str) -> list[dict]:
        entries = [json.loads(line) for line in self.lines]
        return [entry for entry in entries if entry.get("event") == kind]


@pytest.fixture
def lines(settings):
    settings.LERNPOOL_LOG_FORMAT = "json"
    handler = Lines()
    loggers = [logging.getLogger(name) for name in ("lernpool", "")]
    for logger in loggers:
        logger.addHandler(handler)
    logging.getLogger("lernpool").propagate = False
    yield handler
    logging.getLogger("lernpool").propagate = True
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_request_is_one_event_with_its_id_and_without_its_address(client, lines):
    response = client.get("/courses/", {"q": "anna.schmitt@example.org"})
    (event,) = lines.events("request")
    assert event["request_id"] == response["X-Request-ID"]
    assert len(event["request_id"]) == 32
    assert {key: event[key] for key in ("method", "view", "status", "level")} == {
        "method": "GET",
        "view": "courses:catalog",
        "status": 200,
        "level": "INFO",
    }
    assert event["duration_ms"] >= 0
    line = lines.lines[-1]
    assert "anna" not in line
    assert "/courses/" not in line  # the view's name, never the path and its query


def test_the_request_id_of_the_proxy_is_kept_and_a_strange_one_replaced(client, lines):
    sent = "4f1c0de2a9b84c77b2b1d7f0e3c5a6b9"
    assert client.get("/readyz", HTTP_X_REQUEST_ID=sent)["X-Request-ID"] == sent
    strange = client.get("/readyz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert strange["X-Request-ID"] != "<script>alert(1)</script>"
    assert [event["request_id"] for event in lines.events("request")] == [
        sent,
        strange["X-Request-ID"],
    ]


def test_a_task_is_one_event_and_what_it_logs_carries_its_id(lines):
    result = tidy_up.enqueue(3)
    (event,) = lines.events("task")
    assert event["task"] == "tests.config.test_json_logs.tidy_up"
    assert event["task_id"] == str(result.id)
    assert event["status"] == "SUCCESSFUL"
    assert event["request_id"] == f"task-{result.id}"
    (inner,) = [json.loads(line) for line in lines.lines if "tidied" in line]
    assert inner["request_id"] == f"task-{result.id}"


def test_a_failed_task_is_an_error_with_its_exception(lines):
    # (Addresses in exceptions are redacted like everywhere: tests/config/test_logging.py.)
    send_broken.enqueue(7)
    (event,) = lines.events("task")
    assert (event["level"], event["status"]) == ("ERROR", "FAILED")
    assert "ConnectionRefusedError: the mail server refused the message" in event["exception"]


def test_no_event_is_logged_in_the_text_format(client, lines, settings):
    settings.LERNPOOL_LOG_FORMAT = "text"
    client.get("/readyz")
    tidy_up.enqueue(1)
    assert lines.events("request") == lines.events("task") == []


def test_the_settings_write_json_lines_with_log_format_json():
    program = (
        "import logging; logging.getLogger('lernpool.test')"
        ".warning('could not reach %s', 'anna@example.org')"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", program],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
        capture_output=True,
        text=True,
        check=True,
    )
    entry = json.loads(done.stderr.strip().splitlines()[-1])
    assert entry["message"] == "could not reach [email]"
    assert (entry["level"], entry["logger"], entry["request_id"]) == (
        "WARNING",
        "lernpool.test",
        None,
    )
