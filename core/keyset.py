"""Keyset pagination of a person's history, newest first.

A page is the rows just older (or just newer) than a row already shown, found through an
index on the ordering column: page 50 reads as many rows as page 1, and nothing counts all
the rows. A page number with "of N" would need that count, which grows with every year a
person keeps using Lernpool; so a page says its number ("Page 3", carried in the links)
but not how many there are, and every row stays reachable by following the links.

The cursor in the address is the row's ordering value (UTC, to the microsecond) and its
primary key: ``20250304T080000000000-1234``. It stays valid when rows are added or
removed meanwhile; a malformed one is ``BadCursor`` (the view answers 400).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import ClassVar

from django.db.models import Q, QuerySet

CURSOR = re.compile(r"(\d{8}T\d{12})-(\d{1,18})")
_FORMAT = "%Y%m%dT%H%M%S%f"


class BadCursor(ValueError):
    """The cursor in the address is not one this module made."""


def cursor(row, column: str) -> str:
    return _cursor(getattr(row, column), row.pk)


def _cursor(value: datetime.datetime, pk: int) -> str:
    return f"{value.astimezone(datetime.UTC).strftime(_FORMAT)}-{pk}"


def parse_cursor(text: str) -> tuple[datetime.datetime, int]:
    match = CURSOR.fullmatch(text)
    if not match:
        raise BadCursor(text)
    try:
        value = datetime.datetime.strptime(match[1], _FORMAT)
    except ValueError as error:
        raise BadCursor(text) from error
    return value.replace(tzinfo=datetime.UTC), int(match[2])


@dataclass
class KeysetPage:
    """What a template needs: the rows, and the cursors of the pages beside them."""

    object_list: list = field(default_factory=list)
    number: int = 1
    newer: str | None = None  # the previous page starts after this row
    older: str | None = None  # the next page starts after this row
    paginator: ClassVar[None] = None  # nothing counts the pages (the title says no "of N")

    @property
    def has_previous(self) -> bool:
        return self.newer is not None

    @property
    def has_next(self) -> bool:
        return self.older is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next


def _number(text: str | int | None) -> int:
    text = str(text or "")
    return int(text) if text.isdigit() and len(text) < 7 else 1


def _older_than(column: str, value: datetime.datetime, pk: int) -> Q:
    # ``column <= value`` is redundant beside the OR, but it is the part an index on
    # (…, column) can start its scan from.
    return Q(**{f"{column}__lte": value}) & (Q(**{f"{column}__lt": value}) | Q(pk__lt=pk))


def _newer_than(column: str, value: datetime.datetime, pk: int) -> Q:
    return Q(**{f"{column}__gte": value}) & (Q(**{f"{column}__gt": value}) | Q(pk__gt=pk))


def newest_first(
    rows: QuerySet,
    *,
    column: str,
    size: int,
    older: str | None = None,
    newer: str | None = None,
    number: str | int | None = None,
) -> KeysetPage:
    """``size`` rows of ``rows`` ordered by ``column`` and pk, newest first: the first page,
    the page after the cursor ``older`` or the page before the cursor ``newer``. One query
    for the first page, two or three for the others (the rows, and whether any lie on the
    side the cursor came from). ``number``: the page's number as the link gave it (only
    shown; the first page is 1 whatever it says). Raises ``BadCursor``."""
    number = max(_number(number), 2) if older or newer else 1
    descending = rows.order_by(f"-{column}", "-pk")
    if newer:
        value, pk = parse_cursor(newer)
        found = list(rows.filter(_newer_than(column, value, pk)).order_by(column, "pk")[: size + 1])
        if len(found) <= size:
            # Back at the newest rows: the first page, as full as it is without a cursor.
            return newest_first(rows, column=column, size=size)
        shown = found[:size][::-1]
        page = KeysetPage(shown, number, newer=cursor(shown[0], column))
        edge = (getattr(shown[-1], column), shown[-1].pk)
        if descending.filter(_older_than(column, *edge)).exists():
            page.older = _cursor(*edge)
        return page
    if older:
        value, pk = parse_cursor(older)
        found = list(descending.filter(_older_than(column, value, pk))[: size + 1])
    else:
        found = list(descending[: size + 1])
    shown = found[:size]
    page = KeysetPage(shown, number, older=cursor(shown[-1], column) if len(found) > size else None)
    if older:
        edge = (getattr(shown[0], column), shown[0].pk) if shown else (value, pk - 1)
        if rows.filter(_newer_than(column, *edge)).exists():
            page.newer = _cursor(*edge)
    return page
