"""Reading heavy, read-only work from a streaming replica of the primary database.

When ``DATABASE_REPLICA_URL`` names a hot standby, the work that only reads and reads a lot
(reports, open-data statistics, the public catalog) says so explicitly: a block inside
``reading_from_replica()``, or a queryset ``.using(replica())``. Everything else — every
write and every read that must see a write — stays on the primary; the router guesses
nothing.

Two cases read from the primary even then: a visitor whose last write was less than
``LERNPOOL_REPLICA_STICKY_SECONDS`` ago (a cookie set by ``RecentWriteMiddleware`` on every
write request; the replica may not have replayed that write yet), and a replica that does
not answer (tried again after ``LERNPOOL_REPLICA_RETRY_SECONDS``).
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
# The cookie that keeps a visitor on the primary for a few seconds after they wrote.
WROTE_COOKIE = "lernpool_wrote"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

logger = logging.getLogger(__name__)

# This request (or task) must read from the primary: it wrote, or wrote a moment ago.
_pinned_to_primary: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "pinned_to_primary", default=False
)
# The alias that reads inside ``reading_from_replica()`` go to; None outside it.
_reading_from: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "reading_from", default=None
)
# Until when (time.monotonic()) this process takes the replica for down.
_down_until = 0.0


def sticky_seconds() -> int:
    return int(getattr(settings, "LERNPOOL_REPLICA_STICKY_SECONDS", 10))


def retry_seconds() -> int:
    return int(getattr(settings, "LERNPOOL_REPLICA_RETRY_SECONDS", 30))


def configured() -> bool:
    return REPLICA in connections.settings


def replica() -> str:
    """The database alias to read heavy, read-only work from now: the replica if there is
    one, it answers, and this request has not just written; the primary otherwise."""
    if not configured() or _pinned_to_primary.get():
        return DEFAULT_DB_ALIAS
    return REPLICA if _answers() else DEFAULT_DB_ALIAS


def _answers() -> bool:
    global _down_until
    if time.monotonic() < _down_until:
        return False
    connection = connections[REPLICA]
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        connection.ensure_connection()
    except DatabaseError as error:
        connection.close()
        _down_until = time.monotonic() + retry_seconds()
        logger.warning(
            "The database replica does not answer (%s); reading from the primary for %d s.",
            type(error).__name__,
            retry_seconds(),
        )
        return False
    return True


def forget_replica_down() -> None:
    """Try the replica again at the next read (tests; an operator's shell)."""
    global _down_until
    _down_until = 0.0


@contextmanager
def reading_from_replica() -> Iterator[str]:
    """Every read of the models inside the block goes to ``replica()`` (chosen once, at
    the start); writes still go to the primary. Yields the alias read from."""
    token = _reading_from.set(replica())
    try:
        yield _reading_from.get()
    finally:
        _reading_from.reset(token)


@contextmanager
def pinned_to_primary() -> Iterator[None]:
    """Inside the block, nothing reads from the replica (the request wrote)."""
    token = _pinned_to_primary.set(True)
    try:
        yield
    finally:
        _pinned_to_primary.reset(token)


class ReplicaRouter:
    """Reads inside ``reading_from_replica()`` go to the replica; everything else, and every
    write and migration, to the primary (a hot standby takes no writes)."""

    def db_for_read(self, model, **hints) -> str | None:
        return _reading_from.get()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the primary's rows: an object read from one relates to the other's.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return False if db == REPLICA else None


class RecentWriteMiddleware:
    """A request that may write (POST, PUT, PATCH, DELETE) reads from the primary, and so do
    the same visitor's requests for ``sticky_seconds()`` after it (a cookie), by which time
    the replica has replayed the write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        writes = request.method in UNSAFE_METHODS
        if not configured():
            return self.get_response(request)
        if not (writes or WROTE_COOKIE in request.COOKIES):
            return self.get_response(request)
        with pinned_to_primary():
            response = self.get_response(request)
        if writes:
            response.set_cookie(
                WROTE_COOKIE,
                "1",
                max_age=sticky_seconds(),
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response
