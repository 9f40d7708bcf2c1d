"""The one way to lock rows (like pretix's ``lock_objects``).

Every service that makes something scarcer (a pool's devices, a course's seats, a device's
state) locks the rows it re-checks through ``lock``: inside a transaction only, in one fixed
order (model label, then pk) so that two writers that lock the same rows cannot deadlock.

On PostgreSQL the rows are locked with ``SELECT … FOR UPDATE``; on SQLite the database runs
with ``"transaction_mode": "IMMEDIATE"``, which serializes every write transaction anyway.

A row read under its lock keeps a mark (``locked``, ``locked_first``) for as long as the
transaction (or savepoint) that took the lock is open (``holds_lock``). A helper that must
hold the lock and only needs the row's identity (``booking.capacity.hold`` counts from the
database by the pool's pk) asks ``holds_lock`` and locks only when its caller did not: a
service that locks a pool for its own checks pays for one lock, and a door that did not lock
first still takes it. ``locked`` itself always reads the row again: a transaction may have
changed the row since it took the lock (an ``UPDATE`` through a queryset), and whoever asks
for ``locked(obj)`` gets the row as it is now.

``settings.LERNPOOL_BOOKING_LOCKS = False`` switches the row locks off. It exists only for the
concurrency tests' negative control (tests/concurrency), which shows that a test can see the
race the lock prevents; this module is the one place it acts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction

if TYPE_CHECKING:
    from .prepared import PreparedQuery

# The attribute of a row read under its lock: the mark of the transaction that holds it.
_MARK = "_lernpool_lock"


class NotInTransaction(RuntimeError):
    """A lock was asked for outside ``transaction.atomic()``: it would be released at once."""


def locks_enabled() -> bool:
    return getattr(settings, "LERNPOOL_BOOKING_LOCKS", True)


def _ensure_atomic(using: str) -> None:
    if not transaction.get_connection(using).in_atomic_block:
        raise NotInTransaction("lock() runs only inside transaction.atomic().")


def for_update[M: models.Model](
    queryset: models.QuerySet[M], **select_for_update
) -> models.QuerySet[M]:
    """``queryset.select_for_update(**select_for_update)`` for the callers that need a
    queryset (``.get()``, ``.first()``, their own order). Refused outside a transaction."""
    _ensure_atomic(queryset.db)
    if not locks_enabled():
        return queryset
    return queryset.select_for_update(**select_for_update)


def lock(*targets: models.Model | models.QuerySet, **select_for_update) -> list[models.Model]:
    """Lock the given objects and the rows of the given querysets until the transaction ends;
    returns the rows as read under the lock (fresh instances), in locking order: by model
    label, then pk. Rows that no longer exist are left out. ``select_for_update`` is passed on
    (``of=("self",)`` for a queryset that joins)."""
    _ensure_atomic(_database(targets))
    querysets: list[models.QuerySet] = []
    pks: dict[type[models.Model], set] = {}
    for target in targets:
        if isinstance(target, models.QuerySet):
            querysets.append(target)
        elif isinstance(target, models.Model):
            model = target._meta.concrete_model
            pks.setdefault(model, set()).add(target.pk)
        else:
            raise TypeError(f"lock() takes model instances and querysets, not {target!r}")
    for model, ids in pks.items():
        querysets.append(model._default_manager.filter(pk__in=ids))
    querysets.sort(key=lambda queryset: queryset.model._meta.label_lower)
    rows: list[models.Model] = []
    seen: set[tuple[str, object]] = set()
    for queryset in querysets:
        for row in for_update(queryset.order_by("pk"), **select_for_update):
            key = (row._meta.label_lower, row.pk)
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return rows


def _database(targets) -> str:
    for target in targets:
        if isinstance(target, models.QuerySet):
            return target.db
        if isinstance(target, models.Model):
            return target._state.db or "default"
    return "default"


class _Held:
    """The mark of a lock: an ``on_commit`` callback that does nothing. Django keeps it in the
    connection's list while the transaction that took the lock is open, drops it when that
    transaction (or the savepoint the lock was taken in) is rolled back, and runs and drops
    it at the commit: in the list means that the row lock is still held."""

    def __call__(self) -> None:
        pass


def _mark[M: models.Model](obj: M) -> M:
    held = _Held()
    transaction.on_commit(held, using=obj._state.db or "default")
    setattr(obj, _MARK, held)
    return obj


def holds_lock(obj: models.Model) -> bool:
    """Whether ``obj`` was read under its row lock in a transaction that is still open."""
    held = getattr(obj, _MARK, None)
    if held is None:
        return False
    connection = transaction.get_connection(obj._state.db or "default")
    return connection.in_atomic_block and any(
        callback is held for _savepoints, callback, _robust in connection.run_on_commit
    )


def locked_first[M: models.Model](queryset: models.QuerySet[M], **select_for_update) -> M | None:
    """The first row of ``queryset`` read under its lock (``for_update``), marked so that
    ``locked`` takes no second lock on it in the same transaction; None if there is none."""
    row = for_update(queryset, **select_for_update).first()
    return None if row is None else _mark(row)


def locked_first_prepared[M: models.Model](prepared: PreparedQuery[M], **values) -> M | None:
    """``locked_first`` of a prepared query (``core.prepared``) whose builder locks its rows
    with ``for_update`` and takes the first: the same checks and mark, without building and
    compiling the query anew."""
    _ensure_atomic(values.get("using", "default"))
    row = prepared.first(**values)
    return None if row is None else _mark(row)


def locked[M: models.Model](obj: M) -> M:
    """``obj`` read again under a row lock (marked, see ``holds_lock``); DoesNotExist if it
    is gone. Always a fresh read, even where this transaction holds the lock already."""
    model = obj._meta.concrete_model
    return _mark(for_update(model._default_manager.filter(pk=obj.pk)).get())
