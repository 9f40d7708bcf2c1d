"""Logs hold no email addresses: a filter on every handler replaces them with "[email]".
With ``LOG_FORMAT=json`` every line is a JSON object (see the end of this module)."""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Type hints only: the logging configuration imports this module while settings load.
    from django.http import HttpRequest, HttpResponse

# Anything that looks like local@domain.tld is hidden, also URL-encoded (local%40domain.tld,
# a search in a request line), in a repr or an exception message. The rarer characters
# RFC 5322 allows in the local part are left out, so that quotes around an address stay.
EMAIL_ADDRESS = re.compile(r"[\w.%+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
REDACTED = "[email]"


def redact(text: str) -> str:
    return EMAIL_ADDRESS.sub(REDACTED, text)


class RedactEmailAddresses(logging.Filter):
    """Replaces email addresses in a record's message, its arguments and its exception text.

    The message is formatted here once (``getMessage()``) and stored without arguments, so
    that an address in any argument (a user object, a dict, a request path) is caught too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# --- JSON lines (LOG_FORMAT=json) -----------------------------------------------------------
# One event per request (logger "lernpool.request") and per task ("lernpool.task"), each with
# the request id (the proxy's X-Request-ID, or a new one; "task-<id>" inside a task), and no
# personal data: the view's name instead of the path, no address, no user.

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
# What a request id from the proxy may look like (nginx's $request_id: 32 hex digits).
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

request_logger = logging.getLogger("lernpool.request")
task_logger = logging.getLogger("lernpool.task")


def json_logs() -> bool:
    # Not at the top: the logging configuration imports this module while settings load.
    from django.conf import settings

    return getattr(settings, "LERNPOOL_LOG_FORMAT", "text") == "json"


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC), level, logger, message, request id, the
    event's fields (``extra={"event": {...}}``) and the exception, all redacted."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        entry.update(getattr(record, "event", None) or {})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class RequestLogMiddleware:
    """Gives every request an id (the ``X-Request-ID`` the proxy sent, if it looks like one,
    or a new one), sends it back in the response, and with ``LOG_FORMAT=json`` logs one event
    per request: method, view, status, duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Not at the top: the logging configuration imports this module while settings
        # load, before the database layer that core.metrics needs.
        from core.metrics import METHODS, view_name

        sent = request.META.get(REQUEST_ID_HEADER, "")
        token = request_id.set(sent if REQUEST_ID.match(sent) else uuid.uuid4().hex)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.get()
            if json_logs():
                request_logger.info(
                    "request",
                    extra={
                        "event": {
                            "event": "request",
                            "method": request.method if request.method in METHODS else "other",
                            "view": view_name(request),
                            "status": response.status_code,
                            "duration_ms": round(1000 * (time.perf_counter() - started), 1),
                        }
                    },
                )
            return response
        finally:
            request_id.reset(token)


_task_tokens: dict[str, contextvars.Token] = {}


def task_started(sender, task_result, **kwargs) -> None:
    """Inside a task run by a worker, the log's request id is the task's."""
    if request_id.get() is None:
        _task_tokens[task_result.id] = request_id.set(f"task-{task_result.id}")


def task_finished(sender, task_result, **kwargs) -> None:
    """One event per task: its path, id, outcome and duration (the exception if it failed)."""
    try:
        if json_logs():
            failed = task_result.status == "FAILED"
            started, finished = task_result.started_at, task_result.finished_at
            exc_info = sys.exc_info()
            task_logger.log(
                logging.ERROR if failed else logging.INFO,
                "task",
                exc_info=exc_info if failed and exc_info[0] else None,
                extra={
                    "event": {
                        "event": "task",
                        "task": task_result.task.module_path,
                        "task_id": str(task_result.id),
                        "status": str(task_result.status),
                        "duration_ms": (
                            round((finished - started).total_seconds() * 1000, 1)
                            if started and finished
                            else None
                        ),
                    }
                },
            )
    finally:
        token = _task_tokens.pop(task_result.id, None)
        if token is not None:
            request_id.reset(token)
