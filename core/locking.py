"""The one way to lock rows (like pretix's ``lock_objects``).

Every service that makes something scarcer (a pool's devices, a course's seats, a device's
state) locks the rows it re-checks through ``lock``: inside a transaction only, in one fixed
order (model label, then pk) so that two writers that lock the same rows cannot deadlock.

On PostgreSQL the rows are locked with ``SELECT … FOR UPDATE``; on SQLite the database runs
with ``"transaction_mode": "IMMEDIATE"``, which serializes every write transaction anyway.

``settings.LERNPOOL_BOOKING_LOCKS = False`` switches the row locks off. It exists only for the
concurrency tests' negative control (tests/concurrency), which shows that a test can see the
race the lock prevents; this module is the one place it acts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction


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


def locked[M: models.Model](obj: M) -> M:
    """``obj`` read again under a row lock; DoesNotExist if it is gone."""
    model = obj._meta.concrete_model
    return for_update(model._default_manager.filter(pk=obj.pk)).get()
