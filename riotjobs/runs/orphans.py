"""Orphaned runs: ``running`` rows whose process is gone, found through the job lock.

A row is an orphan exactly when nobody holds its job's advisory lock: a live run holds it for its
whole life, and Postgres releases it when the run's session ends, however the process died.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from riotjobs.runs import executions
from riotjobs.runs.lock import TRY_LOCK_SQL, UNLOCK_SQL, hostname

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.engine import Engine

log = logging.getLogger("riotjobs.runner")


def _command() -> str:
    args = [a for a in sys.argv[1:] if not a.startswith("-")][:2]
    return "riotjobs " + " ".join(args) if args else "riotjobs"


def reap_orphans(
    engine: Engine,
    job_ids: Iterable[str] | None = None,
    *,
    found_by: str | None = None,
    on_abandoned: Callable[[Engine, list[int]], None] | None = None,
) -> int:
    """Mark ``running`` rows whose job lock nobody holds as ``abandoned``; return how many.

    A job whose lock is held by a live run is left alone. ``found_by`` names the command in the
    error text (default: this process's command line). ``on_abandoned`` hears of the rows marked
    (the alerts layer opens incidents for them); it must not raise.
    """
    raw = engine.raw_connection()
    try:
        conn: Any = raw.driver_connection
        abandoned = reap(conn, job_ids, found_by=found_by)
    finally:
        raw.close()
    if abandoned and on_abandoned is not None:
        on_abandoned(engine, abandoned)
    return len(abandoned)


def reap(
    conn: psycopg.Connection[Any],
    job_ids: Iterable[str] | None = None,
    *,
    found_by: str | None = None,
) -> list[int]:
    """``reap_orphans`` on a plain psycopg connection: the ids of the rows marked abandoned.

    The connection may be in autocommit mode or not; each job is handled in a transaction of
    its own, and the connection is left without a transaction or a lock.
    """
    finder = found_by or f"`{_command()}` (pid {os.getpid()} on {hostname()})"
    wanted = list(job_ids) if job_ids is not None else None
    with conn.cursor() as cur:
        candidates = executions.running_job_ids(cur, wanted)
    conn.commit()
    abandoned: list[int] = []
    for job_id in candidates:
        with conn.cursor() as cur:
            got = cur.execute(TRY_LOCK_SQL, (job_id,)).fetchone()
            if not (got and got[0]):
                conn.commit()
                continue
            try:
                reaped = executions.abandon_running(cur, job_id=job_id, found_by=finder)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                # A pooled connection must not keep the lock: that would block the job.
                cur.execute(UNLOCK_SQL, (job_id,))
                conn.commit()
        for old in reaped:  # info: `status` reaps too, and must stay quiet on stderr
            log.info("execution %d of %s was orphaned; marked abandoned", old, job_id)
        abandoned.extend(reaped)
    return abandoned
