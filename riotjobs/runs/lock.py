"""The per-job run lock: a Postgres session advisory lock on a dedicated connection.

Postgres releases a session lock the moment its connection ends, so a run killed with
``kill -9`` (or a host that vanished, found by TCP keepalives) frees the job at once; the lock is
also the test for orphans: a ``running`` row whose job lock nobody holds belongs to a dead run.

Session locks need the same server session for the whole run. Behind PgBouncer in *transaction*
pooling mode consecutive statements may land on different server sessions, so the lock would be
neither held nor released reliably: point riotjobs at Postgres directly or use session pooling.

The connection is shared by the main thread (row writes) and the watchdog (pings, terminating a
timed-out run's backends, writing the row of a stuck run), so every use takes ``self.guard``.

Given the run's ``deadline``, every statement on it carries a ``statement_timeout``: a lock that
another session holds on ``alembic_version``, ``job_configurations`` or ``job_executions`` then
delays the run until its deadline at most, never for as long as the lock lasts.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from riotjobs.errors import DatabaseUnavailableError, first_line

if TYPE_CHECKING:
    import psycopg

# Two-key advisory lock: (hashtext('riotjobs'), hashtext(job_id)); the first key keeps riotjobs'
# locks apart from any other application's locks in the same database.
TRY_LOCK_SQL = "SELECT pg_try_advisory_lock(hashtext('riotjobs'), hashtext(%s))"
UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtext('riotjobs'), hashtext(%s))"
# Before the deadline a statement may run until it (plus this margin, so that the watchdog, which
# cancels the statement at the deadline, speaks first); after it, each gets this long.
_MARGIN_S = 1.0
_LATE_BUDGET_S = 2.0
# pg_locks shows the two keys as classid/objid (oids, i.e. the int4 reinterpreted unsigned).
_HOLDER = """
SELECT a.pid, a.application_name, host(a.client_addr)
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = (hashtext('riotjobs')::bigint & 4294967295)
  AND l.objid::bigint = (hashtext(%s)::bigint & 4294967295)
LIMIT 1
"""


def hostname() -> str:
    return socket.gethostname()[:255]


def exec_application_name(execution_id: int) -> str:
    """The application_name of a run's worker connections (the watchdog terminates them)."""
    return f"riotjobs exec {execution_id}"


def lock_application_name(pid: int, host: str) -> str:
    """The application_name of a run's lock connection, as Postgres stores it (63 bytes)."""
    return f"riotjobs lock {pid}@{host}"[:63]


@dataclass(frozen=True)
class Holder:
    """Who holds a job's lock, as far as the database can tell."""

    host: str
    pid: int | None
    execution_id: int | None = None

    def describe(self) -> str:
        who = f"pid {self.pid} on {self.host}" if self.pid else f"a process on {self.host}"
        if self.execution_id is not None:
            return f"execution {self.execution_id} ({who})"
        return who


class JobLock:
    """A dedicated autocommit connection that holds one job's advisory lock."""

    def __init__(self, url: str, job_id: str, *, deadline: float | None = None) -> None:
        from riotjobs.db.engine import connect

        self.job_id = job_id
        self.deadline = deadline  # time.monotonic() by which the run must end, if any
        # What the statement in progress (or the one an exception interrupted) was for.
        self.doing: str | None = None
        self.guard = threading.Lock()
        # host and pid in application_name let a skipped run name the holder even before the
        # holder's row exists.
        self.conn: psycopg.Connection[Any] = connect(
            url, application_name=lock_application_name(os.getpid(), hostname()), autocommit=True
        )
        # Kept now: once the server is gone, the connection can no longer say where it was.
        self.where = f"{self.conn.info.host}:{self.conn.info.port}"
        self.held = False

    @contextmanager
    def cursor(
        self, timeout: float = -1, budget: float | None = None, doing: str | None = None
    ) -> Iterator[psycopg.Cursor[Any]]:
        """The connection's cursor, once ``guard`` is free (``timeout``: how long to wait for
        it). With a deadline, its statements may run ``budget`` seconds, by default until the
        deadline; ``doing`` says what for, in messages about a statement that never ended."""
        if not self.guard.acquire(timeout=timeout):
            raise TimeoutError("the lock connection is busy")
        try:
            if doing is not None:
                self.doing = doing
            with self.conn.cursor() as cur:
                if self.deadline is not None:
                    cur.execute(
                        "SELECT set_config('statement_timeout', %s, false)",
                        (f"{max(1, round(self._budget(budget) * 1000))}ms",),
                    )
                yield cur
            self.doing = None  # done; after an exception it says what was interrupted
        finally:
            self.guard.release()

    def _budget(self, budget: float | None) -> float:
        if budget is not None:
            return budget
        assert self.deadline is not None
        left = self.deadline - time.monotonic()
        return left + _MARGIN_S if left > 0 else _LATE_BUDGET_S

    def cancel(self) -> None:
        """Cancel the statement the connection runs now, from any thread (a bookkeeping
        statement stuck behind another session's lock when the run must end)."""
        with contextlib.suppress(Exception):
            self.conn.cancel_safe(timeout=1.0)

    def try_acquire(self) -> bool:
        with self.cursor(doing="taking the job's lock") as cur:
            row = cur.execute(TRY_LOCK_SQL, (self.job_id,)).fetchone()
        self.held = bool(row and row[0])
        return self.held

    def holder(self) -> Holder | None:
        """The running row of the holder, else the holder's lock connection."""
        with self.cursor(doing="reading job_executions") as cur:
            row = cur.execute(
                "SELECT id, host, pid FROM job_executions WHERE job_id = %s AND status = 'running'"
                " ORDER BY started_at DESC LIMIT 1",
                (self.job_id,),
            ).fetchone()
            if row is not None:
                return Holder(host=row[1], pid=row[2], execution_id=row[0])
            lock = cur.execute(_HOLDER, (self.job_id,)).fetchone()
        if lock is None:
            return None
        app = str(lock[1] or "")
        if app.startswith("riotjobs lock ") and "@" in app:
            pid, _, host = app.removeprefix("riotjobs lock ").partition("@")
            return Holder(host=host, pid=int(pid) if pid.isdigit() else None)
        return Holder(host=str(lock[2] or "local socket"), pid=None)

    def schema_revision(self) -> str | None:
        """The Alembic revision of the database, None when it has no schema."""
        with self.cursor(doing="reading the schema version (alembic_version)") as cur:
            row = cur.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
            if not (row and row[0]):
                return None
            row = cur.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None

    def stored_state(self) -> tuple[bool | None, dict[str, Any] | None]:
        """The job's ``job_configurations`` row: (enabled override, config overrides)."""
        with self.cursor(doing="reading the job's state (job_configurations)") as cur:
            row = cur.execute(
                "SELECT enabled, overrides FROM job_configurations WHERE job_id = %s",
                (self.job_id,),
            ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def ping(self, timeout: float = 1.0) -> None:
        """Raise ``DatabaseUnavailableError`` naming the server when the connection (and with it
        the lock) is gone."""
        try:
            # Never waits for the connection: the watchdog pings between its deadline checks,
            # and a second spent waiting here let a statement's own timeout (deadline + 1 s)
            # beat the watchdog to a statement stuck behind another session's lock.
            with self.cursor(timeout=0, budget=timeout) as cur:
                cur.execute("SELECT 1")
        except TimeoutError:
            return  # busy with a statement of the run: a failure there says it is gone
        except Exception as exc:
            reason = first_line(exc, empty="the connection is closed")
            raise DatabaseUnavailableError(f"{reason} (database at {self.where})") from None

    def listen(self, channel: str) -> None:
        """LISTEN on ``channel`` (a constant identifier) from now on."""
        with self.cursor() as cur:
            cur.execute(f"LISTEN {channel}")

    def notified(self, channel: str, payload: str) -> bool:
        """Whether ``payload`` was notified on ``channel`` since the last call. Never waits:
        while the main thread uses the connection this answers False, and what its statement
        receives stays queued for the next call. It drains every notification of the
        connection: another feature listening here must share this reader."""
        if not self.guard.acquire(blocking=False):
            return False
        try:  # notifies(timeout=...) needs psycopg 3.2
            got = list(self.conn.notifies(timeout=0))
        finally:
            self.guard.release()
        return any(n.channel == channel and n.payload == payload for n in got)

    def terminate_backends(self, execution_id: int) -> int:
        """End every backend of the run's engine; Postgres rolls their transactions back."""
        with self.cursor(timeout=2.0, budget=2.0) as cur:
            rows = cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                # Execution ids repeat across databases on one server; only ours are the run's.
                " WHERE application_name = %s AND pid <> pg_backend_pid()"
                " AND datname = current_database()",
                (exec_application_name(execution_id),),
            ).fetchall()
        return len(rows)

    def release(self) -> None:
        if self.held:
            try:
                with self.cursor(timeout=2.0, budget=1.0) as cur:
                    cur.execute(UNLOCK_SQL, (self.job_id,))
            except Exception:  # closing the connection releases it anyway
                pass
            self.held = False

    def close(self) -> None:
        self.release()
        with contextlib.suppress(Exception):
            self.conn.close()
