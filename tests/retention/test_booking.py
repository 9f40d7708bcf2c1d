"""Booking retention: after each organization's own period (clamped to the region's limits)
the people are unlinked from ended reservations, returned loans, closed waiting-list entries
and finished series; everything one day inside its period keeps its people."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from accounts.models import AuditLog
from booking.models import Loan, LoanItem, Reservation, Series
from booking.retention import unlink_people
from lending.models import WaitlistEntry
from organizations.models import Role
from tests.factories import (
    DeviceFactory,
    DevicePoolFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
    WaitlistEntryFactory,
)

from .conftest import NOW, days_ago

pytestmark = pytest.mark.django_db


def _loan(pool, borrower, staff, returned_at, *, reservation=None):
    device = DeviceFactory(pool=pool)
    handed_out = returned_at - datetime.timedelta(days=3) if returned_at else days_ago(3)
    loan = Loan.objects.create(
        pool=pool,
        reservation=reservation,
        borrower=borrower,
        handed_out_by=staff,
        handed_out_at=handed_out,
        due_at=handed_out + datetime.timedelta(days=14),
        closed_at=returned_at,
    )
    LoanItem.objects.create(
        loan=loan,
        device=device,
        returned_at=returned_at,
        returned_to=staff if returned_at else None,
        condition="complete" if returned_at else "",
    )
    return loan


def _series(pool, user, ended: datetime.datetime):
    """A weekly series whose last occurrence ended at ``ended``."""
    day = ended.date()
    series = Series.objects.create(
        pool=pool,
        user=user,
        quantity=1,
        first_date=day - datetime.timedelta(days=7),
        until=day,
        start_time=datetime.time(8),
        end_time=datetime.time(9),
    )
    for week in (1, 0):
        end = ended - datetime.timedelta(days=7 * week)
        ReservationFactory(
            pool=pool, user=user, series=series, start=end - datetime.timedelta(hours=1), end=end
        )
    return series


def _organization_world(retention_days: int | None, period: int) -> SimpleNamespace:
    """An organization keeping bookings ``period`` days (it chose ``retention_days``), with
    one of everything just inside the period and one just past it."""
    organization = OrganizationFactory(retention_days=retention_days)
    pool = DevicePoolFactory(organization=organization)
    staff = MembershipFactory(organization=organization, role=Role.STAFF).user
    person = UserFactory()
    inside, past = days_ago(period - 1), days_ago(period + 1)
    rows = SimpleNamespace(organization=organization, period=period, inside={}, past={})
    for name, when in (("inside", inside), ("past", past)):
        bucket = getattr(rows, name)
        bucket["reservation"] = ReservationFactory(
            pool=pool,
            user=person,
            decided_by=staff,
            start=when - datetime.timedelta(hours=2),
            end=when,
        )
        bucket["cancelled"] = ReservationFactory(
            pool=pool,
            user=person,
            status="cancelled",
            cancelled_at=when - datetime.timedelta(days=30),
            start=when - datetime.timedelta(hours=2),
            end=when,
        )
        bucket["loan"] = _loan(pool, person, staff, when)
        bucket["waitlist"] = WaitlistEntryFactory(
            pool=pool, user=person, status="fulfilled", closed_at=when
        )
        bucket["series"] = _series(pool, person, when)
    return rows


def _linked(row) -> bool:
    """Whether the row still names a person (the booker, borrower or any staff member)."""
    row.refresh_from_db()
    match row:
        case Reservation():
            return row.user_id is not None or row.decided_by_id is not None
        case Loan():
            items = list(row.items.values_list("returned_to", flat=True))
            return row.borrower_id is not None or row.handed_out_by_id is not None or any(items)
        case WaitlistEntry() | Series():
            return row.user_id is not None
    raise AssertionError(row)


@pytest.fixture
def worlds():
    return [
        _organization_world(None, 90),  # the region's default
        _organization_world(30, 30),  # the shortest allowed
        _organization_world(200, 200),
        _organization_world(365, 365),  # the longest allowed
        _organization_world(10, 30),  # below the limit (set before it changed): clamped up
        _organization_world(1000, 365),  # above the limit: clamped down
    ]


def test_exactly_what_is_past_each_organizations_period_is_unlinked(worlds):
    changed = unlink_people(NOW)

    for world in worlds:
        for name, row in world.past.items():
            assert not _linked(row), (world.period, name)
        for name, row in world.inside.items():
            assert _linked(row), (world.period, name)
    # Per organization: 2 reservations and 2 series dates, the loan, its item, the entry,
    # the series; and the first date of the series inside the period (a week earlier).
    assert changed == len(worlds) * 9


def test_the_rows_stay_and_keep_everything_but_the_people(worlds):
    world = worlds[0]
    reservation = world.past["reservation"]
    before = Reservation.objects.filter(pk=reservation.pk).values().get()
    counts = [model.objects.count() for model in (Reservation, Loan, LoanItem, Series)]

    unlink_people(NOW)

    after = Reservation.objects.filter(pk=reservation.pk).values().get()
    assert after == {**before, "user_id": None, "decided_by_id": None}
    assert [model.objects.count() for model in (Reservation, Loan, LoanItem, Series)] == counts
    item = LoanItem.objects.get(loan=world.past["loan"])
    assert (item.returned_at, item.condition) == (days_ago(91), "complete")


def test_a_reservation_with_a_device_still_out_keeps_its_person():
    pool = DevicePoolFactory()
    person, staff = UserFactory(), UserFactory()
    reservation = ReservationFactory(pool=pool, user=person, start=days_ago(200), end=days_ago(199))
    loan = _loan(pool, person, staff, None, reservation=reservation)
    returned = ReservationFactory(pool=pool, user=person, start=days_ago(300), end=days_ago(299))
    _loan(pool, person, staff, days_ago(298), reservation=returned)

    unlink_people(NOW)

    assert _linked(reservation)
    assert _linked(loan)
    assert not _linked(returned)


def test_people_still_waiting_and_future_bookings_keep_their_person():
    pool = DevicePoolFactory()
    waiting = WaitlistEntryFactory(pool=pool, created_at=days_ago(500))
    coming = ReservationFactory(pool=pool, start=NOW, end=NOW + datetime.timedelta(hours=1))
    running = _series(pool, UserFactory(), NOW + datetime.timedelta(days=3))

    assert unlink_people(NOW) == 0

    assert _linked(waiting) and _linked(coming) and _linked(running)


def test_a_series_keeps_its_person_while_one_of_its_dates_does(worlds):
    series = worlds[0].past["series"]
    kept = series.reservations.order_by("end").last()
    _loan(kept.pool, kept.user, None, None, reservation=kept)  # still out

    unlink_people(NOW)

    assert _linked(series)


def test_the_run_is_logged_with_a_count_and_no_names(worlds):
    unlink_people(NOW)

    entry = AuditLog.objects.get(action="booking.retention_applied")
    assert entry.actor is None
    assert entry.data == {"changed": len(worlds) * 9}


# The savepoint and its release (the test runs in a transaction), one for the distinct
# periods, per period (three here) for reservations, loans, waiting-list entries and series
# the locking read, the update and the look-up in the log (no entries to change here), and
# the update of the loan items; one log entry.
QUERIES = 2 + 1 + 3 * (4 * 3 + 1) + 1
# A period with nothing (new) past it: only the four reads and the loan items' update.
NOTHING_TO_DO = 4 * 2


def test_the_unlinking_takes_a_handful_of_queries_for_any_number_of_organizations(
    django_assert_num_queries,
):
    for period in (30, 60, 90):
        _organization_world(period, period)
    with django_assert_num_queries(QUERIES):
        unlink_people(NOW)

    for _ in range(20):
        _organization_world(60, 60)
        _organization_world(None, 90)
    with django_assert_num_queries(QUERIES - NOTHING_TO_DO):  # the 30 days' one is done
        unlink_people(NOW)
