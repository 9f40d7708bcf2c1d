"""``__anycase``: "contains, in any case", for letters beyond ASCII on SQLite too.

PostgreSQL's ``icontains`` (``UPPER(…) LIKE UPPER(…)``) folds the case of every letter, so
"ÖFFENTLICHE" finds "Öffentliche"; SQLite's ``LIKE`` folds ASCII letters only. The lookup is
``icontains`` on PostgreSQL, unchanged (and its trigram indexes still apply); on SQLite it
compares Python's ``str.casefold()`` of both sides, through a function registered on every
SQLite connection (``lernpool_casefold``).
"""

from __future__ import annotations

from django.db.models import CharField, TextField
from django.db.models.lookups import IContains

SQLITE_CASEFOLD = "lernpool_casefold"


def _casefold(value: str | None) -> str | None:
    return None if value is None else str(value).casefold()


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """On a new SQLite connection (the ``connection_created`` signal)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_CASEFOLD, 1, _casefold, deterministic=True)


@CharField.register_lookup
@TextField.register_lookup
class AnyCase(IContains):
    lookup_name = "anycase"

    def as_sql(self, compiler, connection):
        # Exactly icontains (the backends know its operator and casts by that name).
        return IContains(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_sqlite(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql = f"instr({SQLITE_CASEFOLD}({lhs}), {SQLITE_CASEFOLD}(%s)) > 0"
        return sql, (*lhs_params, str(self.rhs))
