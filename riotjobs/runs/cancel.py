"""Cancel requests: the SQL both sides of `riotjobs cancel` share, on plain psycopg cursors.

The cancelling command records a row in ``job_cancel_requests`` and sends ``NOTIFY
riotjobs_cancel, '<execution id>'`` in the same transaction, so a run that hears the
notification always finds the row. The run LISTENs on its lock connection (``runs.lock``)
from before its ``running`` row exists, so no request can slip past it.
"""

from __future__ import annotations

import getpass
import os
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from riotjobs.errors import ExitCode
from riotjobs.runs.lock import exec_application_name, hostname, lock_application_name

if TYPE_CHECKING:
    import psycopg

    from riotjobs.runs.lock import JobLock

# Specific on purpose: other features may LISTEN on the same connections for other things.
CHANNEL = "riotjobs_cancel"
CANCELLED_EXIT = int(ExitCode.CANCELLED)  # 130, as for Ctrl-C: a person stopped it


@dataclass(frozen=True)
class CancelRequest:
    execution_id: int
    requested_at: datetime
    requested_by: str
    host: str
    pid: int
    reason: str | None

    def describe(self) -> str:
        """The run's error: who cancelled it, from where, when and why."""
        when = f"{self.requested_at:%Y-%m-%d %H:%M:%S} UTC"
        why = self.reason.strip() if self.reason and self.reason.strip() else "no reason given"
        return f"cancelled by {self.requested_by} on {self.host} (pid {self.pid}) at {when}: {why}"


def current_user() -> str:
    try:
        return getpass.getuser()[:100]
    except Exception:  # no passwd entry (containers): the uid still says who
        return f"uid {os.getuid()}"


def request(cur: psycopg.Cursor[Any], *, execution_id: int, reason: str | None) -> CancelRequest:
    """Record a request for ``execution_id`` (the first one wins) and wake the run."""
    cur.execute(
        "INSERT INTO job_cancel_requests (execution_id, requested_at, requested_by, host, pid,"
        " reason) VALUES (%s, clock_timestamp(), %s, %s, %s, %s)"
        " ON CONFLICT (execution_id) DO NOTHING",
        (execution_id, current_user(), hostname(), os.getpid(), reason),
    )
    cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(execution_id)))
    found = find(cur, execution_id=execution_id)
    assert found is not None
    return found


def find(cur: psycopg.Cursor[Any], *, execution_id: int) -> CancelRequest | None:
    row = cur.execute(
        "SELECT execution_id, requested_at AT TIME ZONE 'UTC', requested_by, host, pid, reason"
        " FROM job_cancel_requests WHERE execution_id = %s",
        (execution_id,),
    ).fetchone()
    return None if row is None else CancelRequest(*row)


def finalize_cancelled(cur: psycopg.Cursor[Any], *, execution_id: int, error: str) -> bool:
    """Write the row of a run whose process was ended from outside. Only a row still
    ``running`` changes (the run may have recorded itself meanwhile); counters stay as they
    were. Returns whether it changed."""
    cur.execute(
        "UPDATE job_executions SET status = 'cancelled', exit_code = %s, error = %s,"
        " finished_at = clock_timestamp(),"
        " duration_ms = (extract(epoch FROM (clock_timestamp() - started_at)) * 1000)::bigint"
        " WHERE id = %s AND status = 'running'",
        (CANCELLED_EXIT, error, execution_id),
    )
    return cur.rowcount == 1


def terminate_run(
    cur: psycopg.Cursor[Any], *, execution_id: int, job_id: str, host: str, pid: int
) -> int:
    """End every database session of a run that does not answer: its worker connections and
    the lock connection holding its job's lock, so Postgres rolls back what is open and frees
    the lock. Returns how many sessions were ended."""
    rows = cur.execute(
        "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a"
        " WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
        " AND (a.application_name = %s"
        # The lock connection of exactly this process (not a newer run's) holding the job lock.
        "  OR (a.application_name = %s AND a.pid IN (SELECT l.pid FROM pg_locks l"
        "   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
        "   AND l.classid::bigint = (hashtext('riotjobs')::bigint & 4294967295)"
        "   AND l.objid::bigint = (hashtext(%s)::bigint & 4294967295))))",
        (exec_application_name(execution_id), lock_application_name(pid, host), job_id),
    ).fetchall()
    return len(rows)


class CancelWatch:
    """What a run's watchdog polls (every 0.2 s): a notification for the run, read from the
    lock connection without a round trip, and every ``every`` seconds the table itself (a
    request written without NOTIFY, or a notification missed, still stops the run)."""

    def __init__(self, lock: JobLock, execution_id: int, every: float = 5.0) -> None:
        self.lock, self.execution_id, self.every = lock, execution_id, every
        self._pending = False
        self._next = time.monotonic() + every

    def poll(self) -> str | None:
        """The run's error when someone asked it to stop, else None."""
        self._pending |= self.lock.notified(CHANNEL, str(self.execution_id))
        now = time.monotonic()
        if not self._pending and now < self._next:
            return None
        try:
            with self.lock.cursor(timeout=0.05) as cur:
                found = find(cur, execution_id=self.execution_id)
        except TimeoutError:  # the main thread is writing; look again at the next poll
            return None
        self._pending, self._next = False, now + self.every
        return None if found is None else found.describe()
