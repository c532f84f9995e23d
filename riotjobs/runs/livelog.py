"""The live log of a running run: its tail written to the row while it runs, announced on a
Postgres channel so that followers (`show --follow`, `logs --follow`) wake without polling.

The payload is the execution id only: a notification is a hint to re-read the row, never data,
so a follower that missed one loses nothing but a little latency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

CHANNEL = "riotjobs_log"

_FLUSH = (
    "WITH written AS (UPDATE job_executions SET log = %s"
    " WHERE id = %s AND status = 'running' RETURNING id)"
    f" SELECT pg_notify('{CHANNEL}', id::text) FROM written"
)


def flush(cur: psycopg.Cursor[Any], *, execution_id: int, log: str) -> None:
    """Store the log tail of a ``running`` row and announce it. A row that is already final
    (recorded, or marked abandoned by someone else) is left as it is."""
    cur.execute(_FLUSH, (log, execution_id))


def announce(cur: psycopg.Cursor[Any], *, execution_id: int) -> None:
    """Tell followers that the row changed (e.g. it was just finalized)."""
    cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(execution_id)))


@dataclass(frozen=True)
class LiveRow:
    """What a follower reads of a run's row each time it wakes."""

    id: int
    job_id: str
    status: str
    exit_code: int | None
    error: str | None
    duration_ms: int | None
    log: str


_COLUMNS = "id, job_id, status, exit_code, error, duration_ms, coalesce(log, '')"


def _row(found: Any) -> LiveRow | None:
    if found is None:
        return None
    return LiveRow(
        id=int(found[0]),
        job_id=str(found[1]),
        status=str(found[2]),
        exit_code=found[3],
        error=found[4],
        duration_ms=found[5],
        log=str(found[6]),
    )


def read(conn: psycopg.Connection[Any], *, execution_id: int) -> LiveRow | None:
    return _row(
        conn.execute(
            f"SELECT {_COLUMNS} FROM job_executions WHERE id = %s", (execution_id,)
        ).fetchone()
    )


def latest(conn: psycopg.Connection[Any], *, job_id: str, running: bool) -> LiveRow | None:
    """The job's newest run that started (not a skip), or its newest ``running`` one."""
    where = "status = 'running'" if running else "status <> 'skipped'"
    return _row(
        conn.execute(
            f"SELECT {_COLUMNS} FROM job_executions WHERE job_id = %s AND {where}"
            " ORDER BY started_at DESC, id DESC LIMIT 1",
            (job_id,),
        ).fetchone()
    )
