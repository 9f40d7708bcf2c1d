"""A database alias added while a test runs (the replica, a restored copy)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import MethodType

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def extra_alias(alias: str, django_db_blocker, **changes) -> Iterator[None]:
    """``alias``: the test database's settings with ``changes`` (another port, another name).
    Django's test case lets a test connect only to the aliases that existed when its database
    fixture ran (it patches ``ensure_connection`` on the class): this one gets the real one."""
    connections.settings[alias] = {
        **connections[DEFAULT_DB_ALIAS].settings_dict,
        "CONN_MAX_AGE": 0,
        **changes,
    }
    added = connections[alias]
    added.ensure_connection = MethodType(django_db_blocker._real_ensure_connection, added)
    try:
        yield
    finally:
        added.close()
        del connections[alias]
        del connections.settings[alias]
