"""core.prepared: a queryset built and compiled once, run with new values, gives what the
queryset itself gives; a query whose shape hangs on a value is refused."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import Exists, OuterRef, Value
from django.test.utils import CaptureQueriesContext

from booking.models import Reservation
from core.locking import (
    NotInTransaction,
    for_update,
    holds_lock,
    locked_first_prepared,
    locks_enabled,
)
from core.prepared import PreparedQuery
from devices.models import DevicePool
from organizations.models import Closure, Membership
from tests.factories import (
    ClosureFactory,
    DevicePoolFactory,
    MembershipFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _pools(user_id, pool_id):
    return (
        DevicePool.objects.select_related("organization")
        .annotate(
            member=Exists(
                Membership.objects.filter(
                    user_id=user_id, organization_id=OuterRef("organization_id")
                )
            ),
            asked_for=Value(user_id),
        )
        .filter(pk=pool_id)
    )


def _as_seen(pool: DevicePool | None):
    if pool is None:
        return None
    return (pool.pk, pool.name, pool.organization.name, pool.member, pool.asked_for)


def test_it_gives_the_rows_the_queryset_gives_for_every_value():
    first, second = DevicePoolFactory(), DevicePoolFactory()
    member = MembershipFactory(organization=second.organization).user
    other = UserFactory()
    prepared = PreparedQuery(_pools)
    for user in (member, other):
        for pool in (first, second):
            with CaptureQueriesContext(connection) as queries:
                got = prepared.first(user_id=user.pk, pool_id=pool.pk)
            assert len(queries) == 1
            assert _as_seen(got) == _as_seen(_pools(user.pk, pool.pk).first())
    assert _as_seen(prepared.first(user_id=member.pk, pool_id=second.pk))[3] is True
    assert prepared.first(user_id=member.pk, pool_id=second.pk + 1000) is None


def test_it_puts_times_in_their_places_on_every_database():
    reservation = ReservationFactory()
    prepared = PreparedQuery(
        lambda pool_id, after, before: Reservation.objects.filter(
            pool_id=pool_id, start__gte=after, start__lt=before
        )
    )
    minute = datetime.timedelta(minutes=1)
    pool_id, start = reservation.pool_id, reservation.start
    assert prepared.rows(pool_id=pool_id, after=start - minute, before=start + minute) == [
        reservation
    ]
    assert prepared.rows(pool_id=pool_id, after=start + minute, before=start + 2 * minute) == []


def test_it_gives_tuples_for_values_list_and_takes_days():
    closure = ClosureFactory(start=datetime.date(2026, 12, 21), end=datetime.date(2027, 1, 6))
    prepared = PreparedQuery(
        lambda organization_id, day: Closure.objects.filter(
            organization_id=organization_id, start__lte=day, end__gt=day
        ).values_list("pk", "start")
    )
    organization_id = closure.organization_id
    assert prepared.rows(organization_id=organization_id, day=datetime.date(2026, 12, 24)) == [
        (closure.pk, closure.start)
    ]
    assert prepared.rows(organization_id=organization_id, day=datetime.date(2027, 1, 6)) == []


def test_a_value_that_changes_the_shape_of_the_query_is_refused():
    pool = DevicePoolFactory()
    inlined = PreparedQuery(lambda count: DevicePool.objects.all()[:count])
    with pytest.raises(ValueError, match="parameters"):
        inlined.rows(count=1)
    odd_or_even = PreparedQuery(
        lambda pool_id: DevicePool.objects.filter(pk=pool_id)[: pool_id % 2 + 1]
    )
    with pytest.raises(ValueError, match="shape"):
        odd_or_even.rows(pool_id=pool.pk)
    with pytest.raises(TypeError):
        PreparedQuery(lambda active: DevicePool.objects.filter(is_active=active)).rows(active=True)


def test_a_value_named_in_shape_compiles_a_query_of_its_own():
    active, inactive = DevicePoolFactory(), DevicePoolFactory(is_active=False)
    prepared = PreparedQuery(
        lambda pool_id, active: DevicePool.objects.filter(pk=pool_id, is_active=active),
        shape=("active",),
    )
    assert prepared.rows(pool_id=active.pk, active=True) == [active]
    assert prepared.rows(pool_id=inactive.pk, active=True) == []
    assert prepared.rows(pool_id=inactive.pk, active=False) == [inactive]


def test_a_changed_setting_compiles_again(settings):
    pool = DevicePoolFactory()
    prepared = PreparedQuery(
        lambda pool_id: for_update(DevicePool.objects.filter(pk=pool_id), of=("self",))[:1]
    )
    with transaction.atomic():
        assert locked_first_prepared(prepared, pool_id=pool.pk) == pool
    settings.LERNPOOL_BOOKING_LOCKS = False  # the concurrency tests' negative control
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        row = locked_first_prepared(prepared, pool_id=pool.pk)
        assert row == pool and holds_lock(row)
    assert "FOR UPDATE" not in queries[-1]["sql"]


@pytest.mark.django_db(transaction=True)
def test_a_prepared_lock_is_refused_outside_a_transaction():
    pool = DevicePoolFactory()
    prepared = PreparedQuery(lambda pool_id: DevicePool.objects.filter(pk=pool_id)[:1])
    with pytest.raises(NotInTransaction):
        locked_first_prepared(prepared, pool_id=pool.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_each_thread_runs_it_on_its_own_connection():
    pools = DevicePoolFactory.create_batch(2)
    prepared = PreparedQuery(lambda pool_id: DevicePool.objects.filter(pk=pool_id))
    assert prepared.rows(pool_id=pools[0].pk) == [pools[0]]  # compiled in this thread
    seen = {}

    def other_thread():
        try:
            with CaptureQueriesContext(connections["default"]) as queries:
                seen["rows"] = prepared.rows(pool_id=pools[1].pk)
            seen["queries"] = len(queries)
            seen["same"] = connections["default"] is connection
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen == {"rows": [pools[1]], "queries": 1, "same": False}


def test_it_reads_where_the_database_router_says_and_locks_on_the_primary(monkeypatch):
    """A report reads from the replica (core.replica): a prepared query asks the router as a
    queryset does — for reading, or for writing where it locks its rows."""
    from django.db import router

    pool = DevicePoolFactory()
    asked = []

    def for_read(model, **hints):
        asked.append(("read", model))
        return "default"

    def for_write(model, **hints):
        asked.append(("write", model))
        return "default"

    monkeypatch.setattr(router, "db_for_read", for_read)
    monkeypatch.setattr(router, "db_for_write", for_write)
    read = PreparedQuery(_pools)
    assert _as_seen(read.first(user_id=1, pool_id=pool.pk))[0] == pool.pk
    assert asked[0] == ("read", DevicePool)
    assert ("write", DevicePool) not in asked
    asked.clear()
    lock = PreparedQuery(lambda pool_id: for_update(DevicePool.objects.filter(pk=pool_id)))
    with transaction.atomic():
        assert lock.first(pool_id=pool.pk) == pool
    # Where rows are locked (PostgreSQL), the query is one for writing: the primary.
    assert (("write", DevicePool) in asked) == locks_enabled()
