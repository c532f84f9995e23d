"""`riotjobs cancel`: stop running runs from any host that shares the database.

1. Runs whose process already died are reaped first (``abandoned``, as any command would find
   them): only live runs are cancelled.
2. Each running target gets a cancel request and a ``NOTIFY`` (``runs.cancel``). Its watchdog
   treats the request like SIGTERM: it unwinds the task, Postgres rolls back the open
   transaction, what was committed stays, and the run records itself ``cancelled`` (exit 130).
3. Unless told not to wait, this waits for each row to end. A run still ``running``
   ``grace_s`` (10 s) after the request does not answer: its database sessions are terminated,
   which rolls back its transaction and frees its job lock. Taking that lock proves the process
   let go of it; the row is then written ``cancelled`` here. A lock still held ``settle_s``
   later means the run could not be ended, and the caller hears so.

Terminating another session needs the same database role as the run (or ``pg_signal_backend``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from riotjobs.errors import UsageError
from riotjobs.runs import cancel as cancel_sql
from riotjobs.runs.lock import TRY_LOCK_SQL, UNLOCK_SQL

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.engine import Engine

    from riotjobs.config import JobsConfig

log = logging.getLogger("riotjobs.cancel")

GRACE_S = 10.0
SETTLE_S = 5.0
_POLL_S = 0.1


@dataclass(frozen=True)
class Target:
    """A running execution to stop."""

    execution_id: int
    job_id: str
    host: str
    pid: int

    def name(self) -> str:
        return f"execution {self.execution_id} of {self.job_id} (pid {self.pid} on {self.host})"


@dataclass(frozen=True)
class CancelResult:
    """What became of one run (or, with ``execution_id`` None, that a job had none running)."""

    execution_id: int | None
    job_id: str
    status: str | None  # the row's status now
    ended: bool
    message: str


def cancel(
    *,
    engine: Engine,
    database_url: str,
    jobs: JobsConfig,
    target: str | None,
    all_runs: bool = False,
    reason: str | None = None,
    wait: bool = True,
    grace_s: float = GRACE_S,
    settle_s: float = SETTLE_S,
    on_result: Callable[[CancelResult], None] | None = None,
) -> list[CancelResult]:
    """Cancel execution ``target`` (digits), the running run of job ``target``, or with
    ``all_runs`` every running run. ``on_result`` hears each result as it is known."""
    from riotjobs.db.engine import connect
    from riotjobs.ops.alerts import queue_for_abandoned
    from riotjobs.runs.orphans import reap_orphans

    if all_runs == (target is not None):
        raise UsageError("name an execution id or a job, or pass --all")
    results: list[CancelResult] = []

    def emit(result: CancelResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    with connect(database_url, application_name="riotjobs cancel", autocommit=True) as conn:
        scope = _scope(conn, jobs, target)
        reap_orphans(engine, scope, on_abandoned=queue_for_abandoned)
        targets, done = _targets(conn, target, scope)
        for result in done:
            emit(result)
        with conn.transaction(), conn.cursor() as cur:  # one commit sends every NOTIFY
            asked = {t.execution_id: cancel_sql.request(cur, execution_id=t.execution_id,
                                                      reason=reason) for t in targets}  # fmt: skip
        if not wait:
            for t in targets:
                emit(CancelResult(t.execution_id, t.job_id, "running", False,
                                  f"{t.name()}: cancel requested"))  # fmt: skip
            return results
        _wait(conn, targets, asked, grace_s, settle_s, emit)
    return results


def _scope(conn: psycopg.Connection[Any], jobs: JobsConfig, target: str | None) -> list[str] | None:
    """The jobs whose orphans to reap: the target's, or every job (None)."""
    if target is None:
        return None
    if target.isdigit():
        row = conn.execute(
            "SELECT job_id FROM job_executions WHERE id = %s", (int(target),)
        ).fetchone()
        if row is None:
            raise UsageError(f"no execution with id {target}")
        return [str(row[0])]
    known = conn.execute("SELECT 1 FROM job_executions WHERE job_id = %s LIMIT 1", (target,))
    if not jobs.knows(target) and known.fetchone() is None:
        jobs.get(target)  # raises UnknownJobError naming the known jobs
    return [target]


def _targets(
    conn: psycopg.Connection[Any], target: str | None, scope: list[str] | None
) -> tuple[list[Target], list[CancelResult]]:
    if target is not None and target.isdigit():
        row = conn.execute(
            "SELECT id, job_id, status, host, pid FROM job_executions WHERE id = %s", (int(target),)
        ).fetchone()
        assert row is not None
        if row[2] != "running":
            msg = f"execution {row[0]} of {row[1]} already ended: {row[2]}"
            return [], [CancelResult(row[0], row[1], row[2], True, msg)]
        return [Target(row[0], row[1], row[3], row[4])], []
    sql = "SELECT id, job_id, host, pid FROM job_executions WHERE status = 'running'"
    params: tuple[Any, ...] = ()
    if scope is not None:
        sql, params = sql + " AND job_id = ANY(%s)", (scope,)
    found = [Target(*row) for row in conn.execute(sql + " ORDER BY id", params).fetchall()]
    if found:
        return found, []
    what = f"job {target}: no run is running" if target else "no run is running"
    return [], [CancelResult(None, target or "*", None, True, what)]


def _wait(
    conn: psycopg.Connection[Any],
    targets: list[Target],
    asked: dict[int, cancel_sql.CancelRequest],
    grace_s: float,
    settle_s: float,
    emit: Callable[[CancelResult], None],
) -> None:
    pending = {t.execution_id: t for t in targets}
    deadline = time.monotonic() + grace_s
    while pending:
        rows = conn.execute(
            "SELECT id, status FROM job_executions WHERE id = ANY(%s) AND status <> 'running'",
            (list(pending),),
        ).fetchall()
        for execution_id, status in rows:
            emit(_ended(pending.pop(execution_id), status))
        if pending and time.monotonic() >= deadline:
            for t in list(pending.values()):
                emit(_force(conn, t, asked[t.execution_id], grace_s, settle_s))
            return
        if pending:
            time.sleep(_POLL_S)


def _ended(t: Target, status: str) -> CancelResult:
    if status == "cancelled":
        return CancelResult(t.execution_id, t.job_id, status, True, f"{t.name()}: cancelled")
    message = f"{t.name()}: ended {status} before the cancel took effect"
    return CancelResult(t.execution_id, t.job_id, status, True, message)


def _force(
    conn: psycopg.Connection[Any],
    t: Target,
    asked: cancel_sql.CancelRequest,
    grace_s: float,
    settle_s: float,
) -> CancelResult:
    """End the sessions of a run that did not answer, then write its row ourselves."""
    import psycopg

    silent = f"no answer within {grace_s:.0f} s"
    try:
        ended = cancel_sql.terminate_run(
            conn.cursor(), execution_id=t.execution_id, job_id=t.job_id, host=t.host, pid=t.pid
        )
    except psycopg.Error as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _still(t, f"{silent}, and its sessions could not be ended: {why}")
    log.warning("%s: %s; terminated %d database session(s)", t.name(), silent, ended)
    until = time.monotonic() + settle_s
    while not _take_lock(conn, t.job_id):
        status = _status(conn, t.execution_id)
        if status != "running":  # it woke up and recorded itself
            return _ended(t, str(status))
        if time.monotonic() >= until:
            return _still(t, f"{silent}; its job lock is still held after ending "
                             f"{ended} session(s)")  # fmt: skip
        time.sleep(_POLL_S)
    try:
        error = (
            f"{asked.describe()}; the run gave {silent}, so its {ended} database session(s) "
            "were terminated"
        )
        changed = cancel_sql.finalize_cancelled(
            conn.cursor(), execution_id=t.execution_id, error=error
        )
    finally:
        conn.execute(UNLOCK_SQL, (t.job_id,))
    if not changed:
        return _ended(t, str(_status(conn, t.execution_id)))
    message = f"{t.name()}: cancelled ({silent}: ended its {ended} database session(s))"
    return CancelResult(t.execution_id, t.job_id, "cancelled", True, message)


def _still(t: Target, why: str) -> CancelResult:
    return CancelResult(
        t.execution_id, t.job_id, "running", False, f"{t.name()}: still running: {why}"
    )


def _take_lock(conn: psycopg.Connection[Any], job_id: str) -> bool:
    row = conn.execute(TRY_LOCK_SQL, (job_id,)).fetchone()
    return bool(row and row[0])


def _status(conn: psycopg.Connection[Any], execution_id: int) -> str | None:
    row = conn.execute(
        "SELECT status FROM job_executions WHERE id = %s", (execution_id,)
    ).fetchone()
    return None if row is None else str(row[0])
