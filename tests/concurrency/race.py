"""Running work in real threads against the database, released together."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def race(works: list[Callable[[], object]], classify: Callable[[Exception], str]) -> list[str]:
    """Run each of ``works`` in its own thread, released together by a barrier; each thread
    has its own database connection, closed at the end. Returns "ok" for each work that
    returned and ``classify(error)`` for each that raised, in the order they finished."""
    barrier = threading.Barrier(len(works))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(work) -> None:
        try:
            barrier.wait()
            work()
            outcome = "ok"
        except Exception as error:
            outcome = classify(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
