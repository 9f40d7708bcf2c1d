"""A booking named the way a teacher would say it: “Mathe 7b, iPad-Koffer 1, Di 08.12.
3.–4. Stunde”, and a series' rest as “… und 25 weitere Termine bis 27.07.”. For the pages
that ask before cancelling, and their success messages."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from organizations.models import LessonPeriod

from .models import Reservation


def _periods_text(start, end, periods: Sequence[LessonPeriod]) -> str:
    """“3. Stunde” or “3.–4. Stunde” when the booking spans whole periods, else ""."""
    covered = [p for p in periods if start.time() <= p.start and p.end <= end.time()]
    if not covered or covered[0].start != start.time() or covered[-1].end != end.time():
        return ""
    first, last = covered[0].number, covered[-1].number
    if first == last:
        return _("period %(number)d") % {"number": first}
    return _("periods %(first)d–%(last)d") % {"first": first, "last": last}


def when_text(reservation: Reservation, periods: Sequence[LessonPeriod] = ()) -> str:
    start, end = timezone.localtime(reservation.start), timezone.localtime(reservation.end)
    day = date_format(start, "D d.m.")
    if start.date() != end.date():
        return f"{day} – {date_format(end, 'D d.m.')}"
    return f"{day} {_periods_text(start, end, periods) or f'{start:%H:%M}–{end:%H:%M}'}"


def describe(reservation: Reservation, periods: Sequence[LessonPeriod] = ()) -> str:
    """Purpose (if any), pool, and when."""
    parts = [reservation.purpose, reservation.pool.name, when_text(reservation, periods)]
    return ", ".join(part for part in parts if part)


def describe_dates(dates: Sequence[Reservation], periods: Sequence[LessonPeriod] = ()) -> str:
    """The first of ``dates`` and how many more follow until when."""
    text = describe(dates[0], periods)
    if len(dates) > 1:
        more = len(dates) - 1
        until = date_format(timezone.localtime(dates[-1].start), "d.m.")
        text += ngettext(
            ", and %(count)d more date until %(until)s",
            ", and %(count)d more dates until %(until)s",
            more,
        ) % {"count": more, "until": until}
    return text


# "dienstags" / "jeden zweiten Dienstag", Monday first (date.weekday()).
EVERY_WEEK = (
    pgettext_lazy("every week on", "Mondays"),
    pgettext_lazy("every week on", "Tuesdays"),
    pgettext_lazy("every week on", "Wednesdays"),
    pgettext_lazy("every week on", "Thursdays"),
    pgettext_lazy("every week on", "Fridays"),
    pgettext_lazy("every week on", "Saturdays"),
    pgettext_lazy("every week on", "Sundays"),
)
EVERY_SECOND_WEEK = (
    pgettext_lazy("every second week on", "every other Monday"),
    pgettext_lazy("every second week on", "every other Tuesday"),
    pgettext_lazy("every second week on", "every other Wednesday"),
    pgettext_lazy("every second week on", "every other Thursday"),
    pgettext_lazy("every second week on", "every other Friday"),
    pgettext_lazy("every second week on", "every other Saturday"),
    pgettext_lazy("every second week on", "every other Sunday"),
)


def series_rhythm(dates: Sequence[Reservation], interval_weeks: int, periods=()) -> str:
    """When a series' dates are, as a teacher says it: "Tuesdays periods 3–4"."""
    start, end = timezone.localtime(dates[0].start), timezone.localtime(dates[0].end)
    days = EVERY_SECOND_WEEK if interval_weeks == 2 else EVERY_WEEK
    times = _periods_text(start, end, periods) or f"{start:%H:%M}–{end:%H:%M}"
    return f"{days[start.weekday()]} {times}"


def dates_until(dates: Sequence[Reservation]) -> str:
    """ "26 dates until 27.07." """
    until = date_format(timezone.localtime(dates[-1].start), "d.m.")
    return ngettext(
        "%(count)d date until %(until)s", "%(count)d dates until %(until)s", len(dates)
    ) % {"count": len(dates), "until": until}
