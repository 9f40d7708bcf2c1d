"""Opening hours typed as German free text ("Di–Fr 10–18 Uhr", "Mo, Mi 9:00-12:00 und
14:00-17:00", "So geschlossen"), read into weekly hours, and weekly hours written back as text.

Used by the data migration that moved the free text into ``OpeningSchedule`` rows, and by its
reverse. Pure functions on strings and times (no models), so that a migration can use them.

The reading is careful rather than clever: a line it cannot read stays in the notes, and when
such a line names a weekday (so that the weekly hours would be wrong without it), nothing of
the text is read as hours at all.
"""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass, field

Week = dict[int, list[tuple[datetime.time, datetime.time]]]

# Longest names first, so that "Mittwoch" is not read as "Mi" followed by "ttwoch".
_DAY_NAMES = {
    "montag": 0,
    "dienstag": 1,
    "mittwoch": 2,
    "donnerstag": 3,
    "freitag": 4,
    "samstag": 5,
    "sonnabend": 5,
    "sonntag": 6,
    "mo": 0,
    "di": 1,
    "mi": 2,
    "do": 3,
    "fr": 4,
    "sa": 5,
    "so": 6,
}
_DAY = r"(?:" + "|".join(sorted(_DAY_NAMES, key=len, reverse=True)) + r")\.?"
_DAYS = rf"{_DAY}(?:\s*(?:-|bis|,|und|&|/)\s*{_DAY})*"
_LINE = re.compile(
    rf"^(?P<days>täglich|werktags|{_DAYS})(?=[\s:]|$)\s*(?:zusätzlich|auch)?\s*:?\s*(?P<rest>.*)$"
)
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:uhr)?"
_SPAN = re.compile(rf"^{_TIME}\s*(?:-|bis)\s*{_TIME}$")
_JOIN = re.compile(r"\s*(?:,|;|/|&|\bund\b)\s*")
_CLOSED = {"geschlossen", "zu", "kein betrieb", "keine öffnung"}
_MENTIONS_DAY = re.compile(rf"\b{_DAY}(?=\W|$)")
_ABBREVIATIONS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


class Unreadable(ValueError):
    """The line is not opening hours this module can read."""


@dataclass
class ParsedHours:
    """What a text says: the weekly hours (weekday, Monday 0 → intervals in order), and the
    lines that are not weekly hours (kept as notes, as typed)."""

    week: Week = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _normalize(line: str) -> str:
    line = re.sub(r"[\u2010-\u2015\u2212]", "-", line)  # every dash is a hyphen
    return re.sub(r"\s+", " ", line).strip().rstrip(".").lower()


def _days(text: str) -> list[int]:
    if text == "täglich":
        return list(range(7))
    if text == "werktags":
        return list(range(6))
    names = re.findall(rf"({_DAY})|(-|bis)", text)
    days: list[int] = []
    range_next = False
    for name, dash in names:
        if dash:
            range_next = True
            continue
        day = _DAY_NAMES[name.rstrip(".")]
        if range_next and days:
            first = days[-1]
            span = (day - first) % 7
            days.extend((first + step) % 7 for step in range(1, span + 1))
        else:
            days.append(day)
        range_next = False
    return days


def _time(hours: str, minutes: str | None) -> datetime.time:
    hour, minute = int(hours), int(minutes or 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise Unreadable(f"no time of day: {hours}:{minutes}")
    return datetime.time(hour, minute)


def _intervals(text: str) -> list[tuple[datetime.time, datetime.time]]:
    text = re.sub(r"\buhr$", "", text).strip()
    intervals = []
    for part in _JOIN.split(text):
        match = _SPAN.match(part.strip())
        if not match:
            raise Unreadable(f"no opening interval: {part!r}")
        opens, closes = _time(*match.group(1, 2)), _time(*match.group(3, 4))
        if not opens < closes:
            raise Unreadable(f"closes before it opens: {part!r}")
        intervals.append((opens, closes))
    return intervals


def parse_line(line: str) -> tuple[list[int], list[tuple[datetime.time, datetime.time]]]:
    """The weekdays a line is about and their intervals ([] for "geschlossen")."""
    match = _LINE.match(_normalize(line))
    if not match:
        raise Unreadable(f"does not start with a weekday: {line!r}")
    days = _days(match["days"])
    rest = match["rest"].strip()
    if not days or not rest:
        raise Unreadable(f"no hours: {line!r}")
    if rest in _CLOSED:
        return days, []
    return days, _intervals(rest)


def parse_opening_hours(text: str) -> ParsedHours | None:
    """The weekly hours a free text gives, with the lines it cannot read as notes.

    None when the text cannot be read as weekly hours: no line gives hours, a line that names
    a weekday cannot be read, or the lines contradict each other (a day both closed and open,
    overlapping intervals). Weekdays no line names are closed."""
    week: Week = {}
    closed: set[int] = set()
    notes: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        try:
            days, intervals = parse_line(line)
        except Unreadable:
            if _MENTIONS_DAY.search(_normalize(line)):
                return None
            notes.append(line)
            continue
        for day in days:
            if intervals:
                week.setdefault(day, []).extend(intervals)
            else:
                closed.add(day)
    if not week or closed & set(week):
        return None
    if any(overlapping(intervals) for intervals in week.values()):
        return None
    return ParsedHours(week=dict(sorted(week.items())), notes=notes)


def overlapping(intervals: list[tuple[datetime.time, datetime.time]]) -> bool:
    """Whether two of a day's intervals overlap (sorts them in place); back to back is fine."""
    intervals.sort()
    return any(earlier[1] > later[0] for earlier, later in itertools.pairwise(intervals))


def _clock(time: datetime.time) -> str:
    return f"{time:%H:%M}"


def week_as_text(week: Week) -> str:
    """Weekly hours as German lines, one per weekday, that ``parse_opening_hours`` reads back:
    "Di 10:00-13:00, 14:00-18:00"; closed days say "geschlossen"."""
    lines = []
    for day in range(7):
        intervals = week.get(day) or []
        hours = ", ".join(f"{_clock(o)}-{_clock(c)}" for o, c in intervals) or "geschlossen"
        lines.append(f"{_ABBREVIATIONS[day]} {hours}")
    return "\n".join(lines)
