"""Duration baselines and API usage: the queries behind `stats`' percentiles, `status`' slow
mark on a run still going, and `show`'s API usage table (README: Duration baselines, API usage).

Like ``runs.queries``, they take a plain psycopg connection and are shaped for the indexes: the
baseline walks ``(job_id, started_at)`` backwards per job, the percentiles are a range scan of
``started_at``, and a run's usage is a prefix of its usage table's primary key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from riotjobs.counters import RATE_LIMIT_TYPES, UsageRow
from riotjobs.db.vocab import NO_OUTCOME, Status

if TYPE_CHECKING:
    import psycopg

    from riotjobs.runs.queries import Execution, WindowStats

    Connection = psycopg.Connection[Any]


def _run(conn: Connection, sql: str, **params: Any) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params).fetchall()


_LIMITED = ", ".join(f"rate_limited_{t}" for t in RATE_LIMIT_TYPES)


def api_usage(conn: Connection, *, execution_id: int) -> list[UsageRow]:
    """A run's requests and 429s by endpoint and routing value (its primary key's prefix)."""
    rows = _run(
        conn,
        f"SELECT endpoint, routing, requests, {_LIMITED} FROM job_execution_api_usage"
        " WHERE execution_id = %(id)s ORDER BY endpoint, routing",
        id=execution_id,
    )
    return [
        UsageRow(
            r["endpoint"],
            r["routing"],
            int(r["requests"]),
            {t: int(r[f"rate_limited_{t}"]) for t in RATE_LIMIT_TYPES},
        )
        for r in rows
    ]


def baselines(conn: Connection, job_ids: Sequence[str]) -> dict[str, float]:
    """The median duration (ms) of each job's newest 20 successful runs, for jobs with at least
    5 (``runs.executions``'s rule at finish); `status` asks only for jobs running now. One
    backward walk of ``(job_id, started_at)`` per job."""
    from riotjobs.runs.executions import BASELINE_MIN, BASELINE_RUNS

    if not job_ids:
        return {}
    rows = _run(
        conn,
        f"""
        SELECT j.job_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY b.d) AS ms, count(*) AS n
        FROM unnest(%(ids)s::text[]) AS j(job_id)
        CROSS JOIN LATERAL (
            SELECT e.duration_ms AS d FROM job_executions e
            WHERE e.job_id BETWEEN j.job_id AND j.job_id AND e.status = 'success'
              AND e.duration_ms IS NOT NULL
            ORDER BY e.job_id DESC, e.started_at DESC LIMIT {BASELINE_RUNS}
        ) b
        GROUP BY j.job_id
        """,
        ids=list(job_ids),
    )
    return {r["job_id"]: float(r["ms"]) for r in rows if int(r["n"]) >= BASELINE_MIN}


def percentiles(
    conn: Connection, *, since: datetime, until: datetime
) -> dict[str, tuple[float, float]]:
    """Per job, the 50th and 95th percentile of the durations of runs that ended in an outcome
    inside the window (the same range scan as ``window_stats``, plus a sort per job)."""
    no_outcome = ", ".join(f"'{s.value}'" for s in sorted(NO_OUTCOME))
    rows = _run(
        conn,
        f"""
        SELECT job_id,
               percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY duration_ms) AS p
        FROM job_executions
        WHERE started_at >= %(since)s AND started_at < %(until)s
          AND duration_ms IS NOT NULL AND status NOT IN ({no_outcome})
        GROUP BY job_id
        """,
        since=since,
        until=until,
    )
    return {r["job_id"]: (float(r["p"][0]), float(r["p"][1])) for r in rows}


def mark_running_slow(
    conn: Connection, runs: Mapping[str, Execution], *, now: datetime, factors: Mapping[str, float]
) -> dict[str, Execution]:
    """``runs`` with ``slow`` set on each run still going, judged as it would be if it ended
    now: longer than its job's factor (``factors``, by job id) times the job's baseline. Reads
    baselines only for the jobs running now, so a quiet `status` costs nothing more."""
    going = {k: e for k, e in runs.items() if e.status == Status.RUNNING and e.job in factors}
    if not going:
        return dict(runs)
    base = baselines(conn, sorted({e.job for e in going.values()}))
    marked = dict(runs)
    for key, run in going.items():
        if run.job in base:
            elapsed_ms = (now - run.started_at).total_seconds() * 1000
            slow = elapsed_ms > factors[run.job] * base[run.job]
            marked[key] = replace(run, slow=slow, baseline_ms=round(base[run.job]))
    return marked


def with_percentiles(
    conn: Connection, *, since: datetime, until: datetime
) -> dict[str, WindowStats]:
    """``runs.queries.window_stats`` with each job's p50 and p95 duration (`stats`)."""
    from riotjobs.runs.queries import window_stats

    pct = percentiles(conn, since=since, until=until)
    return {
        job: replace(s, p50_duration_ms=pct[job][0], p95_duration_ms=pct[job][1])
        if job in pct
        else s
        for job, s in window_stats(conn, since=since, until=until).items()
    }
