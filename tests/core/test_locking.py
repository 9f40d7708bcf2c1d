"""core.locking: the one lock helper. Its concurrency is shown in tests/concurrency (on
PostgreSQL, with the negative control that switches it off); here its contract."""

from __future__ import annotations

import pytest
from django.db import transaction

from core.locking import NotInTransaction, for_update, holds_lock, lock, locked, locked_first
from devices.models import Device, DevicePool
from tests.factories import DeviceFactory, DevicePoolFactory


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_lock_outside_a_transaction():
    pool = DevicePoolFactory()
    with pytest.raises(NotInTransaction):
        lock(pool)
    with pytest.raises(NotInTransaction):
        locked(pool)


@pytest.mark.django_db
def test_it_locks_in_one_order_model_label_then_pk_whatever_the_order_asked():
    pool = DevicePoolFactory()
    devices = DeviceFactory.create_batch(3, pool=pool)
    with transaction.atomic():
        rows = lock(pool, Device.objects.filter(pk__in=[d.pk for d in reversed(devices)]), pool)
    assert [(row._meta.label_lower, row.pk) for row in rows] == sorted(
        [("devices.device", d.pk) for d in devices] + [("devices.devicepool", pool.pk)]
    )
    assert isinstance(rows[-1], DevicePool)


@pytest.mark.django_db
def test_a_row_that_is_gone_is_left_out_or_raises_for_one_object():
    pool = DevicePoolFactory()
    DevicePool.objects.filter(pk=pool.pk).delete()
    with transaction.atomic():
        assert lock(pool) == []
        with pytest.raises(DevicePool.DoesNotExist):
            locked(pool)


@pytest.mark.django_db
def test_the_switch_of_the_concurrency_tests_turns_the_row_lock_off(settings):
    pool = DevicePoolFactory()
    with transaction.atomic():
        assert Device.objects.none().select_for_update().query.select_for_update
        settings.LERNPOOL_BOOKING_LOCKS = False

        assert not for_update(DevicePool.objects.filter(pk=pool.pk)).query.select_for_update
        settings.LERNPOOL_BOOKING_LOCKS = True
        assert for_update(DevicePool.objects.filter(pk=pool.pk)).query.select_for_update


@pytest.mark.django_db
def test_a_row_locked_in_this_transaction_is_marked(django_assert_num_queries):
    pool = DevicePoolFactory()
    with transaction.atomic():
        with django_assert_num_queries(1):
            first = locked(pool)
        assert holds_lock(first)
        assert not holds_lock(pool)  # the caller's own instance was not read under the lock
    # The savepoint is released, and the test's transaction around it still holds the row.
    assert holds_lock(first)


@pytest.mark.django_db
def test_locked_reads_the_row_as_this_transaction_changed_it():
    pool = DevicePoolFactory(name="Before")
    with transaction.atomic():
        first = locked(pool)
        DevicePool.objects.filter(pk=pool.pk).update(name="After")
        again = locked(first)
        assert again is not first
        assert again.name == "After"
        assert holds_lock(again)


@pytest.mark.django_db(transaction=True)
def test_a_lock_of_an_earlier_transaction_is_taken_again(django_assert_num_queries):
    pool = DevicePoolFactory()
    with transaction.atomic():
        earlier = locked_first(DevicePool.objects.filter(pk=pool.pk))
        assert holds_lock(earlier)
    assert not holds_lock(earlier)
    with transaction.atomic():
        with django_assert_num_queries(1):
            again = locked(earlier)
        assert again is not earlier
        assert holds_lock(again)


@pytest.mark.django_db
def test_a_lock_taken_in_a_savepoint_that_rolled_back_is_taken_again(django_assert_num_queries):
    pool = DevicePoolFactory()
    with transaction.atomic():
        try:
            with transaction.atomic():
                inner = locked(pool)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        assert not holds_lock(inner)
        with django_assert_num_queries(1):
            assert holds_lock(locked(inner))
