"""Helpers for pages that list many rows (bench/README.md): ``{% pk_url %}``, a row's link
without a ``reverse()`` per row, and ``|weekday_date`` / ``|weekday_date_time``, a row's
date in one formatting instead of three ``|date`` and ``|time`` filters."""

from __future__ import annotations

import datetime

from django import template
from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format

register = template.Library()

_MARKER = 9_081_726_354  # a primary key no row has, replaced by the row's own


@register.simple_tag(takes_context=True)
def pk_url(context: template.Context, name: str, *keys: int) -> str:
    """``{% url name pk %}`` for many rows: the pattern is reversed once per rendering (with a
    marker for the key), and each row only puts its own key in. The last key is the row's;
    any before it (``{% pk_url "provide:enrollment_cancel" course.pk enrollment.pk %}``) are
    the same for every row and reversed with the pattern."""
    *fixed, pk = keys
    # The outermost state of the rendering: a {% partial %} or {% include %} pushes its own.
    cache = context.render_context.dicts[0].setdefault("pk_url", {})
    pattern = (name, *fixed)
    if pattern not in cache:
        cache[pattern] = reverse(name, args=[*fixed, _MARKER]).split(str(_MARKER))
    before, after = cache[pattern]
    return f"{before}{int(pk)}{after}"


@register.filter(expects_localtime=True)
def weekday_date(value: datetime.date | datetime.datetime | None) -> str:
    """``{{ value|date:"D" }}, {{ value|date:"SHORT_DATE_FORMAT" }}`` in one formatting:
    "Mo, 07.12.2026" (in the current time zone, as ``|date`` shows it)."""
    if not value:
        return ""
    return dateformat.format(value, f"D, {get_format('SHORT_DATE_FORMAT')}")


@register.filter(expects_localtime=True)
def weekday_date_time(value: datetime.datetime | None) -> str:
    """``|weekday_date`` and then ``, {{ value|time:"H:i" }}``: "Mo, 07.12.2026, 08:00"."""
    if not value:
        return ""
    return dateformat.format(value, f"D, {get_format('SHORT_DATE_FORMAT')}, H:i")
