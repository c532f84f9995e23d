"""The SQL that writes ``job_executions`` rows, on a plain psycopg cursor.

The runner writes its row on the lock connection, which the watchdog may also have to use from
another thread when the main thread is stuck; plain SQL keeps that path free of ORM state.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from riotjobs.counters import COUNTER_NAMES
from riotjobs.runs.lock import hostname

if TYPE_CHECKING:
    import psycopg

_DURATION = "(extract(epoch FROM (clock_timestamp() - started_at)) * 1000)::bigint"


def insert_running(cur: psycopg.Cursor[Any], *, job_id: str, trigger: str, timeout_s: int) -> int:
    row = cur.execute(
        "INSERT INTO job_executions (job_id, trigger, status, host, pid, timeout_s, started_at)"
        " VALUES (%s, %s, 'running', %s, %s, %s, clock_timestamp()) RETURNING id",
        (job_id, trigger, hostname(), os.getpid(), timeout_s),
    ).fetchone()
    assert row is not None
    return int(row[0])


def insert_skipped(
    cur: psycopg.Cursor[Any], *, job_id: str, trigger: str, timeout_s: int, error: str
) -> int:
    row = cur.execute(
        "INSERT INTO job_executions (job_id, trigger, status, host, pid, timeout_s, started_at,"
        " finished_at, duration_ms, exit_code, error)"
        " VALUES (%s, %s, 'skipped', %s, %s, %s, clock_timestamp(), clock_timestamp(), 0, 75, %s)"
        " RETURNING id",
        (job_id, trigger, hostname(), os.getpid(), timeout_s, error),
    ).fetchone()
    assert row is not None
    return int(row[0])


def finalize(
    cur: psycopg.Cursor[Any],
    *,
    execution_id: int,
    status: str,
    exit_code: int,
    error: str | None,
    counters: Mapping[str, int],
    log: str,
) -> None:
    """Write the end state of a run. Only a row still ``running`` is changed, so a run that lost
    its lock and was already marked ``abandoned`` by someone else keeps that verdict."""
    sets = ", ".join(f"{name} = %({name})s" for name in COUNTER_NAMES)
    params: dict[str, Any] = {name: int(counters.get(name, 0)) for name in COUNTER_NAMES}
    params.update(id=execution_id, status=status, exit_code=exit_code, error=error, log=log)
    cur.execute(
        "UPDATE job_executions SET status = %(status)s, exit_code = %(exit_code)s,"
        f" error = %(error)s, log = %(log)s, finished_at = clock_timestamp(),"
        f" duration_ms = {_DURATION}, {sets}"
        " WHERE id = %(id)s AND status = 'running'",
        params,
    )


def abandon_running(cur: psycopg.Cursor[Any], *, job_id: str, found_by: str) -> list[int]:
    """Mark the job's ``running`` rows ``abandoned``. The caller must hold the job's lock, which
    proves their processes are gone."""
    rows = cur.execute(
        # finished_at is when the orphan was found; how long it really ran is unknown.
        "UPDATE job_executions SET status = 'abandoned', finished_at = clock_timestamp(),"
        " error = format('process %%s on %%s died without finishing the run (lock released);"
        " found by %%s', pid, host, %s::text)"
        " WHERE job_id = %s AND status = 'running' RETURNING id",
        (found_by, job_id),
    ).fetchall()
    return [int(r[0]) for r in rows]


def running_job_ids(cur: psycopg.Cursor[Any], job_ids: list[str] | None) -> list[str]:
    if job_ids is None:
        rows = cur.execute(
            "SELECT DISTINCT job_id FROM job_executions WHERE status = 'running'"
        ).fetchall()
    else:
        rows = cur.execute(
            "SELECT DISTINCT job_id FROM job_executions"
            " WHERE status = 'running' AND job_id = ANY(%s)",
            (job_ids,),
        ).fetchall()
    return sorted(str(r[0]) for r in rows)
