"""Logs hold no email addresses: the settings put a redacting filter on every handler."""

from __future__ import annotations

import io
import logging
import logging.config

from django.conf import settings

from core.logging import RedactEmailAddresses


def _record(msg, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("lernpool.test", logging.WARNING, __file__, 1, msg, args, exc_info)


def _filtered(record: logging.LogRecord) -> str:
    assert RedactEmailAddresses().filter(record) is True
    return logging.Formatter("%(message)s").format(record)


def test_it_redacts_an_address_in_the_message():
    text = _filtered(_record("Mail an anna.schmitt+kurse@schule.example.org fehlgeschlagen"))

    assert text == "Mail an [email] fehlgeschlagen"


def test_it_redacts_addresses_in_the_arguments_of_any_type():
    class Person:
        def __str__(self) -> str:
            return "Horst <horst@example.de>"

    text = _filtered(_record("%s bat um %r von %s", Person(), {"an": "a@b.org"}, "x@y.museum"))

    assert text == "Horst <[email]> bat um {'an': '[email]'} von [email]"


def test_it_redacts_an_address_in_an_exception():
    try:
        raise ValueError("recipient refused: leonie@example.org")
    except ValueError:
        import sys

        record = _record("Sending failed", exc_info=sys.exc_info())

    text = _filtered(record)

    assert "leonie@example.org" not in text
    assert "recipient refused: [email]" in text


def test_it_keeps_text_without_addresses():
    assert (
        _filtered(_record("Loan %s returned by user %s", 12, 34)) == "Loan 12 returned by user 34"
    )


def test_every_handler_in_the_settings_redacts():
    """Configure logging from the settings with the handlers writing to a buffer; an address
    logged through Django's loggers and the root comes out redacted."""
    buffer = io.StringIO()
    config = {**settings.LOGGING, "handlers": {}}
    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact_emails" in handler.get("filters", []), name
        config["handlers"][name] = {**handler, "stream": buffer}
    root = logging.getLogger()
    saved = {name: logging.getLogger(name).handlers[:] for name in ("", "django", "django.server")}
    try:
        logging.config.dictConfig(config)
        logging.getLogger("django.request").warning("Not found: /?q=%s", "maria@example.org")
        logging.getLogger("django.server").info('"GET /?q=%s HTTP/1.1" 200', "m%40x.de")
        logging.getLogger("booking").error("for maria@example.org")
    finally:
        for name, handlers in saved.items():
            logging.getLogger(name).handlers = handlers
        root.setLevel(logging.getLevelName(settings.LOGGING["root"]["level"]))

    written = buffer.getvalue()
    assert written.count("[email]") == 3, written
    assert "@" not in written
    assert "%40" not in written
