"""Logs hold no email addresses: a filter on every handler replaces them with "[email]"."""

from __future__ import annotations

import logging
import re

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
