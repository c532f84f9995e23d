"""The limiter's database connections: autocommit psycopg connections, one per thread that is
acquiring a slot at the same time, reused across requests so an acquire costs no connect."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg


class ConnectionPool:
    """Autocommit psycopg connections, one per concurrently acquiring thread, reused."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        import psycopg

        from riotjobs.db.engine import connect, unavailable

        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            conn = connect(self._url, application_name="riotjobs limiter", autocommit=True)
        try:
            yield conn
        except psycopg.OperationalError as exc:
            conn.close()
            raise unavailable(self._url, exc) from None
        except BaseException:
            conn.close()  # it may be mid-transaction or mid-pipeline; never reuse it
            raise
        if self._closed:
            conn.close()
        else:
            self._idle.put(conn)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
