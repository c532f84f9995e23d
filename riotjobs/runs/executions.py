"""The SQL that writes ``job_executions`` rows, on a plain psycopg cursor.

The runner writes its row on the lock connection, which the watchdog may also have to use from
another thread when the main thread is stuck; plain SQL keeps that path free of ORM state.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from riotjobs.counters import COUNTER_NAMES, RATE_LIMIT_TYPES, UsageRow
from riotjobs.runs.lock import hostname

if TYPE_CHECKING:
    import psycopg


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


# Duration baselines (README: Duration baselines): how many previous successful runs the
# median is taken over, and how many it needs before a run is judged at all.
BASELINE_RUNS = 20
BASELINE_MIN = 5
_LIMITED_COLUMNS = [f"rate_limited_{t}" for t in RATE_LIMIT_TYPES]

# One statement, so the row, its usage rows and the job's totals change together or not at all.
# The baseline is read from the runs that started before this one; only a row still ``running``
# is changed, and usage is stored only when it was.
_FINALIZE = f"""
WITH me AS (
  SELECT id, job_id, started_at, clock_timestamp() AS now FROM job_executions
  WHERE id = %(id)s AND status = 'running'
), base AS (
  SELECT CASE WHEN count(*) >= {BASELINE_MIN}
              THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY d) END AS ms
  FROM (SELECT p.duration_ms AS d FROM job_executions p, me
        WHERE p.job_id = me.job_id AND p.status = 'success' AND p.started_at < me.started_at
          AND p.duration_ms IS NOT NULL
        ORDER BY p.started_at DESC LIMIT {BASELINE_RUNS}) recent
), done AS (
  UPDATE job_executions e SET status = %(status)s::text, exit_code = %(exit_code)s,
    error = %(error)s, log = %(log)s, finished_at = me.now,
    duration_ms = (extract(epoch FROM (me.now - e.started_at)) * 1000)::bigint,
    baseline_ms = CASE WHEN %(status)s::text = 'success' THEN round(base.ms)::bigint END,
    slow = CASE WHEN %(status)s::text = 'success' AND base.ms IS NOT NULL
      THEN extract(epoch FROM (me.now - e.started_at)) * 1000 > %(factor)s::float8 * base.ms END,
    {{sets}}
  FROM me, base WHERE e.id = me.id
  RETURNING e.id, e.job_id
), usage AS (
  SELECT * FROM unnest(%(endpoints)s::text[], %(routings)s::text[], %(requests)s::int[],
                       {", ".join(f"%({c})s::int[]" for c in _LIMITED_COLUMNS)})
    AS u(endpoint, routing, requests, {", ".join(_LIMITED_COLUMNS)})
), per_run AS (
  INSERT INTO job_execution_api_usage
    (execution_id, endpoint, routing, requests, {", ".join(_LIMITED_COLUMNS)})
  SELECT done.id, usage.* FROM done, usage
)
INSERT INTO api_usage_totals (job_id, endpoint, requests, {", ".join(_LIMITED_COLUMNS)})
SELECT done.job_id, usage.endpoint, sum(usage.requests),
       {", ".join(f"sum(usage.{c})" for c in _LIMITED_COLUMNS)}
FROM done, usage GROUP BY done.job_id, usage.endpoint
ON CONFLICT (job_id, endpoint) DO UPDATE SET
  requests = api_usage_totals.requests + excluded.requests,
  {", ".join(f"{c} = api_usage_totals.{c} + excluded.{c}" for c in _LIMITED_COLUMNS)},
  updated_at = clock_timestamp()
"""


def finalize(
    cur: psycopg.Cursor[Any],
    *,
    execution_id: int,
    status: str,
    exit_code: int,
    error: str | None,
    counters: Mapping[str, int],
    log: str,
    slow_factor: float = 3.0,
    usage: Sequence[UsageRow] = (),
) -> None:
    """Write the end state of a run: status, counters, log, its duration baseline and slow mark,
    and its API usage. Only a row still ``running`` is changed, so a run that lost its lock and
    was already marked ``abandoned`` by someone else keeps that verdict."""
    sets = ", ".join(f"{name} = %({name})s" for name in COUNTER_NAMES)
    params: dict[str, Any] = {name: int(counters.get(name, 0)) for name in COUNTER_NAMES}
    params.update(id=execution_id, status=status, exit_code=exit_code, error=error, log=log)
    params.update(
        factor=float(slow_factor),
        endpoints=[u.endpoint for u in usage],
        routings=[u.routing for u in usage],
        requests=[u.requests for u in usage],
    )
    for kind, column in zip(RATE_LIMIT_TYPES, _LIMITED_COLUMNS, strict=True):
        params[column] = [u.rate_limited.get(kind, 0) for u in usage]
    cur.execute(_FINALIZE.replace("{sets}", sets), params)


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
