"""Helpers for pages with many rows of bookings: each row's dates formatted in one pass
(row links: ``{% pk_url %}`` of core's ``rowtags``).

``{% include %}`` of a small template and a dozen ``|date`` filters per row made a teacher's
"Meine Buchungen" spend most of its time in the template engine (bench/README.md).
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, pgettext

from booking.services import last_day

register = template.Library()


def _short_date() -> str:
    # The active language's SHORT_DATE_FORMAT, as ``|date:"SHORT_DATE_FORMAT"`` reads it.
    return get_format("SHORT_DATE_FORMAT")


@register.filter
def when(reservation) -> str:
    """The reservation's time as booking/includes/when.html wrote it: "Mo, 07.12.2026,
    08:00–09:30", with the end's day and date when it ends on another day."""
    start, end = timezone.localtime(reservation.start), timezone.localtime(reservation.end)
    short = _short_date()
    text = dateformat.format(start, f"D, {short}, H:i") + "–"
    if start.date() != end.date():
        text += dateformat.format(end, f"D, {short}, ")
    return text + dateformat.format(end, "H:i")


@register.filter
def when_days(reservation) -> str:
    """A day-based loan's days: "Mo, 07.12.2026 – Mo, 21.12.2026", the last day being the one
    by whose end it is over (``last_day``), never the midnight after it."""
    start = timezone.localtime(reservation.start)
    short = _short_date()
    last: datetime.date = last_day(reservation.end)
    return f"{dateformat.format(start, f'D, {short}')} – {dateformat.format(last, f'D, {short}')}"


@register.filter
def is_series(row) -> bool:
    """Whether a row of "Meine Buchungen" is a series (``booking.views.SeriesRow``, with its
    ``dates``) rather than one booking. ``{% if row.dates %}`` asked every booking for the
    ``dates`` it does not have, and a failed lookup costs Django's engine two exceptions and a
    ``dir()`` of the model instance: 40–80 µs a row (bench/README.md)."""
    return hasattr(row, "dates")


@register.filter
def status_tone(status: str) -> str:
    """The KERN badge modifier of a reservation's status."""
    return {"confirmed": "success", "requested": "warning", "declined": "danger"}.get(
        status, "info"
    )


BADGE = (
    '<span class="kern-badge kern-badge--{}">'
    '<span class="kern-label kern-label--small">{}</span></span>'
)


@register.filter
def outcome(reservation, now: datetime.datetime) -> str:
    """What became of a booking, as a badge with its word (never the colour alone): its
    status while it lies ahead; handed out, returned, not picked up once it has begun. Reads
    ``handed_out`` and ``items_out``, annotated by the page (two EXISTS, no query here)."""
    status = reservation.status
    if status == "confirmed" and getattr(reservation, "handed_out", False):
        if not reservation.items_out:
            return format_html(BADGE, "success", pgettext("booking outcome", "returned"))
        if reservation.end <= now:
            return format_html(BADGE, "danger", pgettext("booking outcome", "not all returned"))
        return format_html(BADGE, "info", pgettext("booking outcome", "handed out"))
    if reservation.end <= now:
        if status == "confirmed":
            return format_html(BADGE, "warning", pgettext("booking outcome", "not picked up"))
        if status == "requested":
            return format_html(BADGE, "warning", pgettext("booking outcome", "never confirmed"))
    return format_html(BADGE, status_tone(status), reservation.get_status_display())


@register.filter
def due(loan) -> str:
    """When a loan is due: the last day of a resident's loan ("Mo, 21.12.2026"), the day and
    time of a teacher's ("Mo, 07.12.2026 16:15")."""
    short = _short_date()
    if loan.pool.booking_scope == "residents":
        return dateformat.format(last_day(loan.due_at), f"D, {short}")
    return dateformat.format(timezone.localtime(loan.due_at), f"D, {short} H:i")


@register.filter
def contact(person) -> str:
    """A person at the desk: the name and a mail link, or that the account was deleted."""
    if not person:
        return gettext("a deleted account")
    if not person.email:
        return conditional_escape(str(person))
    return format_html(
        '{} <a class="kern-link" href="mailto:{}">{}</a>', str(person), person.email, person.email
    )


@register.filter
def free_of(cell) -> SafeString:
    """A week view cell's free devices, as ``{% blocktranslate count counter=cell.free with
    capacity=cell.capacity %}{{ counter }} of {{ capacity }} free{% endblocktranslate %}``
    wrote it, in one call instead of a block rendered for each of the week's cells."""
    text = ngettext(
        "%(counter)s of %(capacity)s free", "%(counter)s of %(capacity)s free", cell.free
    )
    # As {% blocktranslate %}: the message is markup, the values are escaped.
    return mark_safe(text % {"counter": cell.free, "capacity": cell.capacity})  # noqa: S308


@register.filter
def book_slot(cell, slot: str) -> SafeString:
    """What a free cell's link says to a screen reader: "Book Monday 07.12., 1st period:", as
    ``{% blocktranslate with day=cell.start|date:"l d.m." slot=row.label %}`` wrote it."""
    day = dateformat.format(timezone.localtime(cell.start), "l d.m.")
    values = {"day": conditional_escape(day), "slot": conditional_escape(slot)}
    return mark_safe(gettext("Book %(day)s, %(slot)s:") % values)  # noqa: S308
