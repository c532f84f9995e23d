"""The SQL behind `riotjobs status`, `jobs`, `history`, `show` and `stats`.

Every query is shaped for the indexes on ``job_executions`` so that it stays fast with millions
of rows: the last run of each job is a LATERAL ``LIMIT 1`` per job on ``(job_id, started_at)``,
window aggregates are a range scan of ``started_at``, running runs use the partial index on
``status = 'running'``, and the big ``log`` column is read only by ``show``. "Now" is always a
parameter (never SQL ``now()``) so that output is reproducible.

The queries run on a plain psycopg connection: the read commands that use them do not load
SQLAlchemy, whose import alone would cost them more than every query here on a million rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from riotjobs.counters import COUNTER_NAMES, UsageRow
from riotjobs.db.vocab import FAILURES, NO_OUTCOME, Status

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[Any]


_BASE_COLUMNS = (
    "id",
    "job_id",
    "status",
    "trigger",
    "started_at",
    "finished_at",
    "duration_ms",
    "exit_code",
    "error",
    "host",
    "pid",
    "timeout_s",
    "slow",
    "baseline_ms",
)
_COLUMNS = ", ".join(f"e.{c}" for c in (*_BASE_COLUMNS, *COUNTER_NAMES))


@dataclass(frozen=True)
class Execution:
    """One row of job_executions; ``log`` is only filled in by :func:`execution`."""

    id: int
    job: str
    status: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    exit_code: int | None
    error: str | None
    host: str
    pid: int
    timeout_s: int
    counters: dict[str, int] = field(default_factory=dict)
    log: str | None = None
    # The duration baseline (README: Duration baselines): stored at finish; for a run still
    # going, `status` sets ``slow`` once it has run past its job's slow point.
    slow: bool | None = None
    baseline_ms: int | None = None
    usage: list[UsageRow] | None = None  # only filled in for `show` (runs.baselines.api_usage)

    def to_json(self, *, with_log: bool = False) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "id": self.id,
            "job": self.job,
            "status": self.status,
            "trigger": self.trigger,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_ms": self.duration_ms,
            "exit_code": self.exit_code,
            "error": self.error,
            "host": self.host,
            "pid": self.pid,
            "counters": dict(self.counters),
            "slow": self.slow,
            "baseline_ms": self.baseline_ms,
        }
        if with_log:
            doc["timeout_s"] = self.timeout_s
            doc["api_usage"] = [
                {
                    "endpoint": u.endpoint,
                    "routing": u.routing,
                    "requests": u.requests,
                    "rate_limited": dict(u.rate_limited),
                }
                for u in self.usage or []
            ]
            doc["log"] = self.log
        return doc


def _execution(m: dict[str, Any]) -> Execution:
    return Execution(
        id=m["id"],
        job=m["job_id"],
        status=m["status"],
        trigger=m["trigger"],
        started_at=m["started_at"],
        finished_at=m["finished_at"],
        duration_ms=m["duration_ms"],
        exit_code=m["exit_code"],
        error=m["error"],
        host=m["host"],
        pid=m["pid"],
        timeout_s=m["timeout_s"],
        counters={name: int(m[name] or 0) for name in COUNTER_NAMES},
        log=m.get("log"),
        slow=m["slow"],
        baseline_ms=m["baseline_ms"],
    )


def _run(conn: Connection, sql: str, **params: Any) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params).fetchall()


def latest_per_job(
    conn: Connection, job_ids: Sequence[str], *, outcome_only: bool = False
) -> dict[str, Execution]:
    """The newest execution of each job (with ``outcome_only``, the newest that has ended in a
    real outcome: neither running, skipped nor cancelled)."""
    if not job_ids:
        return {}
    no_outcome = ", ".join(f"'{s.value}'" for s in sorted(NO_OUTCOME))
    where = f"AND e.status NOT IN ({no_outcome})" if outcome_only else ""
    rows = _run(
        conn,
        f"""
        SELECT {_COLUMNS}
        FROM unnest(%(ids)s::text[]) AS j(job_id)
        CROSS JOIN LATERAL (
            SELECT * FROM job_executions e
            -- BETWEEN, not =, on purpose: with "=" the planner treats job_id as a constant and
            -- may walk ix_job_executions_started backwards filtering by job, which reads every
            -- row for a job that ran long ago or never (a full scan at a million rows). The
            -- range keeps job_id in the sort key, which only (job_id, started_at) provides:
            -- one index probe per job.
            WHERE e.job_id BETWEEN j.job_id AND j.job_id {where}
            ORDER BY e.job_id DESC, e.started_at DESC
            LIMIT 1
        ) e
        """,
        ids=list(job_ids),
    )
    return {row["job_id"]: _execution(row) for row in rows}


def recent(conn: Connection, *, limit: int) -> list[Execution]:
    rows = _run(
        conn,
        f"SELECT {_COLUMNS} FROM job_executions e"
        " ORDER BY e.started_at DESC, e.id DESC LIMIT %(n)s",
        n=limit,
    )
    return [_execution(row) for row in rows]


def history(
    conn: Connection,
    *,
    job_id: str,
    limit: int,
    status: str | None = None,
    since: datetime | None = None,
) -> list[Execution]:
    filters = ["e.job_id = %(job)s"]
    if status is not None:
        filters.append("e.status = %(status)s")
    if since is not None:
        filters.append("e.started_at >= %(since)s")
    rows = _run(
        conn,
        f"SELECT {_COLUMNS} FROM job_executions e WHERE {' AND '.join(filters)} "
        "ORDER BY e.started_at DESC, e.id DESC LIMIT %(n)s",
        job=job_id,
        status=status,
        since=since,
        n=limit,
    )
    return [_execution(row) for row in rows]


def has_runs(conn: Connection, *, job_id: str) -> bool:
    return bool(_run(conn, "SELECT 1 FROM job_executions WHERE job_id = %(j)s LIMIT 1", j=job_id))


def execution(conn: Connection, *, execution_id: int) -> Execution | None:
    rows = _run(
        conn, f"SELECT {_COLUMNS}, e.log FROM job_executions e WHERE e.id = %(id)s", id=execution_id
    )
    return _execution(rows[0]) if rows else None


def running_count(conn: Connection) -> int:
    (row,) = _run(conn, "SELECT count(*) AS n FROM job_executions WHERE status = 'running'")
    return int(row["n"])


@dataclass(frozen=True)
class WindowStats:
    """Aggregates of one job's executions started inside a time window.

    ``failures`` counts failed, timeout and abandoned runs. Durations and API requests are
    averaged over runs that ended in an outcome: a skipped run did no work, a running one has
    not finished, a cancelled one was stopped by a person. The success rate leaves those out too.
    """

    job: str
    runs: int = 0
    successes: int = 0
    partial: int = 0
    failures: int = 0
    skipped: int = 0
    running: int = 0
    cancelled: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    avg_duration_ms: float | None = None
    max_duration_ms: int | None = None
    avg_api_requests: float | None = None
    max_api_requests: int | None = None
    api_requests: int = 0
    rate_limited: int = 0  # 429s among ``api_requests``
    p50_duration_ms: float | None = None
    p95_duration_ms: float | None = None

    @property
    def rate_limited_rate(self) -> float | None:
        """The share of the window's API requests that got a 429."""
        return None if self.api_requests == 0 else self.rate_limited / self.api_requests

    @classmethod
    def of_counts(cls, job: str, by: dict[str, int], **rest: Any) -> WindowStats:
        """Stats whose status counts come from ``by`` (runs per status word)."""
        return cls(
            job=job,
            runs=sum(by.values()),
            successes=by.get(Status.SUCCESS, 0),
            partial=by.get(Status.PARTIAL, 0),
            failures=sum(by.get(s, 0) for s in FAILURES),
            skipped=by.get(Status.SKIPPED, 0),
            running=by.get(Status.RUNNING, 0),
            cancelled=by.get(Status.CANCELLED, 0),
            by_status=dict(sorted(by.items())),
            **rest,
        )

    @property
    def success_rate(self) -> float | None:
        finished = self.runs - self.skipped - self.running - self.cancelled
        return None if finished <= 0 else self.successes / finished

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "runs": self.runs,
            "successes": self.successes,
            "partial": self.partial,
            "failures": self.failures,
            "skipped": self.skipped,
            "running": self.running,
            "cancelled": self.cancelled,
            "by_status": dict(self.by_status),
            "success_rate": _round(self.success_rate, 4),
            "avg_duration_ms": _round(self.avg_duration_ms, 1),
            "max_duration_ms": self.max_duration_ms,
            "avg_api_requests": _round(self.avg_api_requests, 2),
            "max_api_requests": self.max_api_requests,
            "api_requests": self.api_requests,
            "p50_duration_ms": _round(self.p50_duration_ms, 1),
            "p95_duration_ms": _round(self.p95_duration_ms, 1),
            "rate_limited": self.rate_limited,
            "rate_limited_rate": _round(self.rate_limited_rate, 4),
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def window_stats(conn: Connection, *, since: datetime, until: datetime) -> dict[str, WindowStats]:
    """Per-job aggregates over ``since <= started_at < until`` (a range scan of the index).
    The duration percentiles are left out (``runs.baselines.percentiles`` adds them)."""
    rows = _run(
        conn,
        """
        SELECT job_id, status, count(*) AS n,
               sum(duration_ms) AS sum_ms, max(duration_ms) AS max_ms,
               count(duration_ms) AS n_ms,
               sum(api_requests_made) AS sum_api, max(api_requests_made) AS max_api,
               sum(rate_limited_responses) AS sum_429
        FROM job_executions
        WHERE started_at >= %(since)s AND started_at < %(until)s
        GROUP BY job_id, status
        """,
        since=since,
        until=until,
    )
    acc: dict[str, dict[str, Any]] = {}
    for row in rows:
        a = acc.setdefault(
            row["job_id"],
            {"by": {}, "sum_ms": 0, "n_ms": 0, "max_ms": None, "sum_api": 0, "n_api": 0,
             "max_api": None, "api": 0, "429": 0},
        )  # fmt: skip
        a["by"][row["status"]] = int(row["n"])
        a["api"] += int(row["sum_api"] or 0)
        a["429"] += int(row["sum_429"] or 0)
        if row["status"] in NO_OUTCOME:
            continue
        a["sum_ms"] += int(row["sum_ms"] or 0)
        a["n_ms"] += int(row["n_ms"])
        a["max_ms"] = _max(a["max_ms"], row["max_ms"])
        a["sum_api"] += int(row["sum_api"] or 0)
        a["n_api"] += int(row["n"])
        a["max_api"] = _max(a["max_api"], row["max_api"])
    result = {}
    for job_id, a in acc.items():
        result[job_id] = WindowStats.of_counts(
            job_id,
            a["by"],
            avg_duration_ms=a["sum_ms"] / a["n_ms"] if a["n_ms"] else None,
            max_duration_ms=a["max_ms"],
            avg_api_requests=a["sum_api"] / a["n_api"] if a["n_api"] else None,
            max_api_requests=a["max_api"],
            api_requests=a["api"],
            rate_limited=a["429"],
        )
    return result


def _max(current: int | None, value: int | None) -> int | None:
    if value is None:
        return current
    return int(value) if current is None else max(current, int(value))
