"""The database cache, with writes of one statement on PostgreSQL.

Django's ``DatabaseCache.set`` counts the table's rows (for culling), then reads the key and
updates or inserts it in a transaction of its own: five round trips and a commit for every
key written. The API's rate limits (core.throttling) write one or two keys on every request,
so that was a third of the statements of a booking over the API (bench/README.md).

Here ``set`` and ``set_many`` write every key with one ``INSERT … ON CONFLICT DO UPDATE``,
which also counts the rows, so a write is one statement and one commit. What is stored is
what Django stores (the pickled value in base64, the expiry rounded to the second), so that
Django's ``get``, ``get_many``, ``add``, ``touch`` and ``delete`` read and change the same
rows; culling is Django's, at the same threshold (``MAX_ENTRIES``, counted before the write).
On other databases (SQLite in development) everything is Django's own.
"""

from __future__ import annotations

import base64
import datetime
import pickle
from contextlib import nullcontext

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

# The count is taken from the statement's snapshot, without its own new rows: as Django
# counts before it writes.
_UPSERT = (
    "WITH written AS (INSERT INTO {table} ({cache_key}, {value}, {expires}) VALUES {rows} "
    "ON CONFLICT ({cache_key}) DO UPDATE SET {value} = EXCLUDED.{value}, "
    "{expires} = EXCLUDED.{expires} RETURNING 1) SELECT COUNT(*) FROM {table}"
)


class DatabaseCache(DjangoDatabaseCache):
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        if self._connection().vendor != "postgresql":
            return super().set(key, value, timeout=timeout, version=version)
        self.set_many({key: value}, timeout=timeout, version=version)
        return None

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        connection = self._connection()
        if connection.vendor != "postgresql":
            return super().set_many(data, timeout=timeout, version=version)  # calls set()
        if not data:
            return []
        expires = connection.ops.adapt_datetimefield_value(self._expiry(timeout))
        params = []
        for key, value in data.items():
            pickled = pickle.dumps(value, self.pickle_protocol)
            params += [
                self.make_and_validate_key(key, version=version),
                base64.b64encode(pickled).decode("latin1"),
                expires,
            ]
        # Only quoted names and placeholders go into the statement; the values are parameters.
        quote = connection.ops.quote_name
        sql = _UPSERT.format(
            table=quote(self._table),
            cache_key=quote("cache_key"),
            value=quote("value"),
            expires=quote("expires"),
            rows=", ".join(["(%s, %s, %s)"] * len(data)),
        )
        # Inside a transaction a savepoint keeps a failed write from breaking it.
        guard = (
            transaction.atomic(using=connection.alias)
            if connection.in_atomic_block
            else nullcontext()
        )
        try:
            with guard, connection.cursor() as cursor:
                cursor.execute(sql, params)
                count = cursor.fetchone()[0]
                if count > self._max_entries:
                    now = timezone.now().replace(microsecond=0)
                    self._cull(connection.alias, cursor, now, count)
        except DatabaseError:
            # As in Django's: a write may fail (two processes culling at once) without error.
            return list(data)
        return []

    def _connection(self):
        return connections[router.db_for_write(self.cache_model_class)]

    def _expiry(self, timeout) -> datetime.datetime:
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            expires = datetime.datetime.max
        else:
            tz = datetime.UTC if settings.USE_TZ else None
            expires = datetime.datetime.fromtimestamp(timeout, tz=tz)
        return expires.replace(microsecond=0)
