"""Keyset pages (core.keyset): every row once, newest first, in both directions; a cursor
whose row has gone still leads on; the number only shown; a malformed cursor is refused."""

from __future__ import annotations

import datetime

import pytest

from booking.models import Reservation
from core import keyset
from tests.factories import ReservationFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2025, 3, 3, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def rows():
    # Two rows share each start: the pk decides between them.
    made = [ReservationFactory(start=START + datetime.timedelta(days=n // 2)) for n in range(9)]
    for row in made:
        Reservation.objects.filter(pk=row.pk).update(end=row.start + datetime.timedelta(hours=1))
    return Reservation.objects.filter(pk__in=[row.pk for row in made])


def pks(page):
    return [row.pk for row in page.object_list]


def test_older_pages_reach_every_row_once_and_newer_pages_come_back(rows):
    expected = list(rows.order_by("-start", "-pk").values_list("pk", flat=True))
    page = keyset.newest_first(rows, column="start", size=4)
    pages = [page]
    while page.has_next:
        page = keyset.newest_first(
            rows, column="start", size=4, older=page.older, number=page.number + 1
        )
        pages.append(page)
    assert [pk for page in pages for pk in pks(page)] == expected
    assert [page.number for page in pages] == [1, 2, 3]
    assert not pages[0].has_previous and not pages[-1].has_next
    back = keyset.newest_first(rows, column="start", size=4, newer=pages[2].newer, number=2)
    assert pks(back) == pks(pages[1]) and back.number == 2
    top = keyset.newest_first(rows, column="start", size=4, newer=back.newer, number=1)
    assert pks(top) == pks(pages[0]) and not top.has_previous and top.number == 1


def test_a_cursor_whose_row_is_gone_still_leads_on(rows):
    first = keyset.newest_first(rows, column="start", size=4)
    Reservation.objects.filter(pk=first.object_list[-1].pk).delete()
    after = keyset.newest_first(rows, column="start", size=4, older=first.older)
    assert pks(after) == list(rows.order_by("-start", "-pk").values_list("pk", flat=True))[3:7]
    assert after.has_previous


def test_a_page_past_the_end_is_empty_and_leads_back(rows):
    last = rows.order_by("start", "pk").first()
    cursor = keyset.cursor(last, "start")
    beyond = keyset.newest_first(rows, column="start", size=4, older=cursor, number="9")
    assert beyond.object_list == [] and not beyond.has_next and beyond.has_previous
    back = keyset.newest_first(rows, column="start", size=4, newer=beyond.newer)
    assert last.pk in pks(back)


@pytest.mark.parametrize("number", ["0", "-1", "x", "9" * 12, None])
def test_the_number_is_only_shown_and_sane(rows, number):
    second = keyset.newest_first(rows, column="start", size=4).older
    assert (
        keyset.newest_first(rows, column="start", size=4, older=second, number=number).number >= 2
    )
    assert keyset.newest_first(rows, column="start", size=4, number="7").number == 1


@pytest.mark.parametrize(
    "bad", ["x", "20250303T080000000000", "20251399T000000000000-1", "20250303T080000000000-"]
)
def test_a_malformed_cursor_is_refused(rows, bad):
    with pytest.raises(keyset.BadCursor):
        keyset.newest_first(rows, column="start", size=4, older=bad)
