"""Querysets of a fixed shape, built and compiled to SQL once per process, run with new values.

Every API booking runs the same few statements with other values: the token's person, the
pool locked in the person's scope. Django builds each of them anew on every request
(``filter``, ``annotate``, ``Exists``, the joins) and compiles it to SQL again; for these
statements that took several times as long as PostgreSQL took to answer them (bench/README.md,
"2026-12-08, session 12: booking over the API"). A ``PreparedQuery`` builds its queryset once
per database and *shape* (whatever changes the SQL beyond its values, e.g. whether the person
is a region admin), with stand-ins for the values, compiles it, notes where each stand-in
landed among the SQL's parameters, and from then on runs that SQL with the values put in
their places. The rows come back as Django makes them (model instances with
``select_related`` and annotations, or ``values_list`` tuples), so a caller cannot tell the
difference.

The builder must use its values only as values (compared, annotated), never to decide what
the query looks like: a decision belongs into ``shape``. A stand-in that does not reach the
parameters (a value inlined into the SQL, a ``LIMIT``) is refused when the query is built.
Any change of settings forgets every compiled query (a test that turns the row locks off gets
SQL without ``FOR UPDATE``).
"""

from __future__ import annotations

import copy
import datetime
import itertools
from collections.abc import Callable, Hashable
from typing import Any

from django.core.signals import setting_changed
from django.db import connections, router
from django.db.models import Model, QuerySet

# Stand-ins no real value comes near: ids beyond any sequence, a string no one types, a time
# in the 23rd century.
_INT_BASE = 9_100_000_000_000_000_000
_TIME_BASE = datetime.datetime(2290, 1, 1, tzinfo=datetime.UTC)

_every: list[PreparedQuery] = []


class _Compiled:
    """What the queryset's iterable (``ModelIterable``, ``ValuesListIterable``) reads of it, with
    the compiler of the prepared SQL."""

    def __init__(self, queryset: QuerySet, compiler) -> None:
        self.model = queryset.model
        self.db = compiler.using
        self._fetch_mode = queryset._fetch_mode
        self._known_related_objects = {}
        self._compiler = compiler
        self.query = self

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler


class _Prepared:
    def __init__(self, queryset: QuerySet, compiler, sql: str, params: list, slots: list):
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        self.params = params
        # (position in params, name of the value, how the backend adapts it)
        self.slots = slots


class PreparedQuery[M: Model]:
    """``build(**values)`` returns the queryset (sliced and locked as the caller wants it);
    ``rows(**values)`` runs it. Values named in ``shape`` are passed to ``build`` as they are
    and select one compiled query each; the others must be ints, strings, days or aware
    datetimes."""

    def __init__(self, build: Callable[..., QuerySet[M]], *, shape: tuple[str, ...] = ()):
        self.build = build
        self.shape = shape
        self._compiled: dict[Hashable, _Prepared] = {}
        # The model and whether the query writes (locks): the database router's question.
        self._route: tuple[type[Model], bool] | None = None
        _every.append(self)

    def _alias(self, using: str | None, values: dict[str, Any]) -> str:
        """The database as the queryset itself would pick it (``QuerySet.db``): the router's
        for reading, or for writing where the query locks; a report's calendar is read where
        the report reads (a replica), a booking's locked pool on the primary."""
        if using is not None:
            return using
        if self._route is None:
            queryset = self.build(**values)
            self._route = (queryset.model, queryset._for_write)
        model, for_write = self._route
        return router.db_for_write(model) if for_write else router.db_for_read(model)

    def sql(self, *, using: str | None = None, **values: Any) -> tuple[str, list]:
        """The SQL and parameters of the queryset for these values, for a caller that puts
        it into a statement of its own (``booking.availability``)."""
        prepared, params = self._bound(using, values)
        return prepared.sql, params

    def _bound(self, using: str | None, values: dict[str, Any]) -> tuple[_Prepared, list]:
        using = self._alias(using, values)
        key = (using, *(values[name] for name in self.shape))
        prepared = self._compiled.get(key)
        if prepared is None:
            prepared = self._compiled[key] = self._prepare(using, values)
        params = list(prepared.params)
        for position, name, adapt in prepared.slots:
            params[position] = adapt(values[name])
        return prepared, params

    def rows(self, *, using: str | None = None, **values: Any) -> list[M]:
        prepared, params = self._bound(using, values)
        compiler = copy.copy(prepared.compiler)
        # The compiler of the thread that prepared it holds that thread's connection.
        compiler.connection = connections[prepared.compiler.using]
        sql = prepared.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        # Model instances, or tuples for values_list(): what iterating the queryset gives.
        return list(prepared.queryset._iterable_class(_Compiled(prepared.queryset, compiler)))

    def first(self, *, using: str | None = None, **values: Any) -> M | None:
        found = self.rows(using=using, **values)
        return found[0] if found else None

    def _prepare(self, using: str, values: dict[str, Any]) -> _Prepared:
        queryset, compiler, sql, params, stand_ins = self._compile(using, values, first=1)
        adapters = _adapters(connections[using])
        slots = []
        for name, stand_in in stand_ins.items():
            adapt = _slots_of(stand_in, params, adapters, slots, name)
            if adapt is None or str(stand_in) in sql:
                raise ValueError(f"{name!r} must reach the query's parameters, and only them.")
        # Built again with other stand-ins, the query must be the same SQL with those values
        # in the same places: nothing of the shape hangs on a value, no value was missed.
        _queryset, _compiler, again_sql, again_params, others = self._compile(
            using, values, first=len(stand_ins) + 1
        )
        expected = list(params)
        for position, name, adapt in slots:
            expected[position] = adapt(others[name])
        if again_sql != sql or list(again_params) != expected:
            raise ValueError("The query's shape depends on its values: name them in shape.")
        return _Prepared(queryset, compiler, sql, list(params), slots)

    def _compile(self, using: str, values: dict[str, Any], first: int):
        counter = itertools.count(first)
        stand_ins = {
            name: _stand_in(value, next(counter))
            for name, value in values.items()
            if name not in self.shape
        }
        queryset = self.build(**{**values, **stand_ins}).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        return queryset, compiler, sql, params, stand_ins

    def forget(self) -> None:
        self._compiled.clear()
        self._route = None


def _same(value):
    return value


def _slots_of(stand_in, params, adapters, slots: list, name: str):
    """Note every place of ``stand_in`` among ``params`` in ``slots``; returns how the
    backend adapted it (None if it is nowhere). A backend may also wrap a value in a type of
    its own (psycopg's ``Int4`` for an integer ``Value``): the same wrapper is kept."""
    for adapt in adapters.get(type(stand_in), (_same,)):
        form = adapt(stand_in)
        found = [
            (position, param)
            for position, param in enumerate(params)
            if isinstance(param, type(form)) and param == form
        ]
        for position, param in found:
            wrap = type(param)
            slots.append((position, name, adapt if wrap is type(form) else _wrapped(adapt, wrap)))
        if found:
            return adapt
    return None


def _wrapped(adapt, wrap):
    return lambda value: wrap(adapt(value))


def _stand_in(value: Any, number: int) -> Any:
    if isinstance(value, bool) or value is None:
        raise TypeError("A yes/no or a missing value changes the query's shape: name it in shape.")
    if isinstance(value, int):
        return _INT_BASE + number
    if isinstance(value, str):
        return f"\x1bprepared-{number}\x1b"
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            return _TIME_BASE + datetime.timedelta(microseconds=number)
    elif isinstance(value, datetime.date):
        return _TIME_BASE.date() + datetime.timedelta(days=number)
    raise TypeError(
        f"No stand-in for {type(value).__name__}: pass ints, strings, days or aware times."
    )


def _adapters(connection) -> dict[type, tuple[Callable[[Any], Any], ...]]:
    # PostgreSQL gets times as they are; SQLite as text (DateTimeField.get_db_prep_value).
    return {
        datetime.datetime: (_same, connection.ops.adapt_datetimefield_value),
        datetime.date: (_same, connection.ops.adapt_datefield_value),
    }


def _forget_all(**kwargs) -> None:
    for prepared in _every:
        prepared.forget()


setting_changed.connect(_forget_all, dispatch_uid="core.prepared.forget")
