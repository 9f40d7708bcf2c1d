"""schema.org JSON-LD blocks for pages (courses, organizations).

The block is data (``type="application/ld+json"``), which browsers never execute, so the
Content Security Policy does not apply to it. Like ``json_script``, the JSON escapes ``<``,
``>`` and ``&``, so no text can close the element."""

from __future__ import annotations

import json

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def script(data: dict) -> SafeString:
    """The ``<script type="application/ld+json">`` element, safe to put into a page."""
    cleaned = {key: value for key, value in data.items() if value is not None}
    text = json.dumps(cleaned, ensure_ascii=False).translate(_ESCAPES)
    # Safe: every "<", ">" and "&" is escaped above, as django.utils.html.json_script does.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308
