"""What the operator reads: the status overview, job rows, history, one execution, run stats.

Every function is keyword-only and returns dataclasses whose ``to_json()`` is the documented,
stable ``--json`` document; the CLI renders the same objects as tables. "Now" is a parameter so
output is reproducible. They read through one plain psycopg connection (``open_connection`` of
``riotjobs.db``), so that a read command does not load SQLAlchemy.

Overdue rule (documented in the README): an enabled job is *overdue* when its newest execution
(of any status: a skipped run still proves cron fired) started before the second scheduled tick
after it, plus :data:`OVERDUE_GRACE`; in other words, two ticks in a row went by without a start.
An enabled job that has never run is reported as *never run*, not overdue: riotjobs cannot tell
a job installed a minute ago from one whose cron entry never fired (`riotjobs cron status`
answers that). Disabled jobs are never overdue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from riotjobs import durations
from riotjobs.db.vocab import Status
from riotjobs.errors import UsageError
from riotjobs.ops.jobrow import JobRow, Problem, broken_row, problems_of
from riotjobs.runs import baselines
from riotjobs.runs import queries as q
from riotjobs.runs.queries import Execution, WindowStats

if TYPE_CHECKING:
    import psycopg

    from riotjobs.config import JobsConfig

    Connection = psycopg.Connection[Any]

__all__ = [
    "OVERDUE_GRACE",
    "Execution",
    "JobRow",
    "Problem",
    "StatusReport",
    "WindowStats",
    "build_status",
    "execution_detail",
    "history",
    "job_rows",
    "parse_since",
    "run_stats",
]

OVERDUE_GRACE = timedelta(minutes=5)
DAY = timedelta(hours=24)
# Ten years: longer windows overflowed datetime arithmetic (a traceback, not a usage error).
MAX_SINCE = timedelta(days=3650)


def utcnow() -> datetime:
    # Not riotjobs.db.models.utcnow: importing the models costs a third of a second, and
    # `status` is typed by people (and polled by monitors).
    return datetime.now(UTC)


def parse_since(text: str) -> timedelta:
    """``90s``, ``30m``, ``24h``, ``7d``, ``2w`` → a timedelta; anything else is a usage error."""
    try:
        return durations.parse(text, maximum=MAX_SINCE)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def next_run(schedule: str, now: datetime) -> datetime:
    from croniter import croniter

    return croniter(schedule, now).get_next(datetime)


def overdue_after(schedule: str, last_start: datetime) -> datetime:
    """The moment a job whose newest start is ``last_start`` becomes overdue."""
    from croniter import croniter

    ticks = croniter(schedule, last_start)
    ticks.get_next(datetime)
    second: datetime = ticks.get_next(datetime)
    return second + OVERDUE_GRACE


def _states(conn: Connection, jobs: JobsConfig) -> dict[str, Any]:
    from riotjobs.runs.jobstate import read_states

    return dict(read_states(conn=conn, jobs=jobs))


def _day(conn: Connection, now: datetime) -> dict[str, WindowStats]:
    return q.window_stats(conn, since=now - DAY, until=now + timedelta(seconds=1))


def rows_at(
    conn: Connection,
    jobs: JobsConfig,
    now: datetime,
    window: dict[str, WindowStats] | None = None,
) -> list[JobRow]:
    ids = sorted({*jobs.jobs, *jobs.broken})
    states = _states(conn, jobs)
    last = mark_running_slow(conn, jobs, q.latest_per_job(conn, ids), now)
    outcome = q.latest_per_job(conn, ids, outcome_only=True)
    window = _day(conn, now) if window is None else window
    rows = []
    for job_id in ids:
        if job_id in jobs.broken:
            rows.append(broken_row(jobs.broken[job_id], states, last, outcome, window))
            continue
        job = jobs.jobs[job_id]
        state = states.get(job_id)
        enabled = bool(state.enabled) if state is not None else job.spec.enabled
        overridden = state is not None and state.enabled_override is not None
        run = last.get(job_id)
        overdue = None
        if enabled and run is not None:
            after = overdue_after(job.spec.schedule, run.started_at)
            overdue = after if now > after else None
        rows.append(
            JobRow(
                job=job_id,
                name=job.name,
                schedule=job.spec.schedule,
                enabled=enabled,
                enabled_overridden=overridden,
                timeout_s=job.timeout,
                last_run=run,
                last_outcome=outcome.get(job_id),
                next_run=next_run(job.spec.schedule, now) if enabled else None,
                overdue_since=overdue,
                stats_24h=window.get(job_id, WindowStats(job=job_id)),
            )
        )
    return rows


def mark_running_slow(
    conn: Connection, jobs: JobsConfig, runs: dict[str, Execution], now: datetime
) -> dict[str, Execution]:
    """``runs`` with the slow mark on runs still going past their job's slow point."""
    factors = {k: j.slow_factor for k, j in jobs.jobs.items()}
    return baselines.mark_running_slow(conn, runs, now=now, factors=factors)


def job_rows(*, conn: Connection, jobs: JobsConfig, now: datetime | None = None) -> list[JobRow]:
    """Every job of jobs.yaml with its effective enabled state, last run and next run."""
    return rows_at(conn, jobs, now or utcnow())


@dataclass(frozen=True)
class StatusReport:
    """The `riotjobs status` document."""

    generated_at: datetime
    database: str
    reaped: int
    running: int
    totals_24h: WindowStats
    jobs: list[JobRow]
    recent: list[Execution]
    problems: list[Problem] = field(default_factory=list)

    @property
    def overdue(self) -> list[str]:
        return [r.job for r in self.jobs if r.overdue_since is not None]

    @property
    def misconfigured(self) -> list[str]:
        return [r.job for r in self.jobs if r.config_problems]

    @property
    def never_run(self) -> list[str]:
        return [
            r.job for r in self.jobs if r.enabled and r.last_run is None and not r.config_problems
        ]

    def to_json(self) -> dict[str, Any]:
        t = self.totals_24h
        return {
            "generated_at": self.generated_at,
            "database": self.database,
            "summary": {
                "jobs": len(self.jobs),
                "enabled": sum(1 for r in self.jobs if r.enabled),
                "running": self.running,
                "runs_24h": t.runs,
                "successes_24h": t.successes,
                "failures_24h": t.failures,
                "cancelled_24h": t.cancelled,
                "success_rate_24h": _round(t.success_rate),
                "overdue": self.overdue,
                "never_run": self.never_run,
                "misconfigured": self.misconfigured,
                "reaped": self.reaped,
            },
            "jobs": [r.to_json() for r in self.jobs],
            "recent": [e.to_json() for e in self.recent],
            "problems": [p.to_json() for p in self.problems],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _total(stats: dict[str, WindowStats]) -> WindowStats:
    by: dict[str, int] = {}
    for s in stats.values():
        for status, n in s.by_status.items():
            by[status] = by.get(status, 0) + n
    return WindowStats.of_counts("*", by, api_requests=sum(s.api_requests for s in stats.values()))


def build_status(
    *,
    conn: Connection,
    jobs: JobsConfig,
    database: str,
    now: datetime | None = None,
    recent: int = 20,
    reap: bool = True,
    on_abandoned: Callable[[list[int]], None] | None = None,
) -> StatusReport:
    """Reap orphaned runs first (so a dead process shows as abandoned), then gather it all.

    ``on_abandoned`` hears of the runs reaped (the CLI passes the alerts layer's hook).
    """
    reaped = 0
    if reap:
        from riotjobs.runs.orphans import reap as reap_orphans

        abandoned = reap_orphans(conn)
        if abandoned and on_abandoned is not None:
            on_abandoned(abandoned)
        reaped = len(abandoned)
    now = now or utcnow()
    day = _day(conn, now)
    rows = rows_at(conn, jobs, now, day)
    return StatusReport(
        generated_at=now,
        database=database,
        reaped=reaped,
        running=q.running_count(conn),
        totals_24h=_total(day),
        jobs=rows,
        recent=_recent(conn, jobs, recent, now),
        problems=problems_of(rows),
    )


def _recent(conn: Connection, jobs: JobsConfig, limit: int, now: datetime) -> list[Execution]:
    runs = {str(i): e for i, e in enumerate(q.recent(conn, limit=limit))}
    return list(mark_running_slow(conn, jobs, runs, now).values())


def history(
    *,
    conn: Connection,
    jobs: JobsConfig,
    job_id: str,
    limit: int = 20,
    status: str | None = None,
    since: timedelta | None = None,
    now: datetime | None = None,
) -> list[Execution]:
    """A job's executions, newest first. A job removed from jobs.yaml keeps its history."""
    if status is not None and status not in set(Status):
        raise UsageError(f"unknown status {status!r}; one of {', '.join(Status)}")
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    start = None if since is None else (now or utcnow()) - since
    if not jobs.knows(job_id) and not q.has_runs(conn, job_id=job_id):
        jobs.get(job_id)  # raises UnknownJobError naming the known jobs
    return q.history(conn, job_id=job_id, limit=limit, status=status, since=start)


def execution_detail(*, conn: Connection, execution_id: int) -> Execution:
    found = q.execution(conn, execution_id=execution_id)
    if found is None:
        raise UsageError(f"no execution with id {execution_id}")
    return replace(found, usage=baselines.api_usage(conn, execution_id=execution_id))


@dataclass(frozen=True)
class StatsReport:
    since: datetime
    until: datetime
    jobs: list[WindowStats]

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "jobs": [s.to_json() for s in self.jobs],
        }


def run_stats(
    *, conn: Connection, jobs: JobsConfig, since: timedelta = DAY, now: datetime | None = None
) -> StatsReport:
    """Per-job run figures over a window: every job of jobs.yaml (zeros when idle) plus any
    job that ran in the window but is no longer defined."""
    now = now or utcnow()
    stats = baselines.with_percentiles(conn, since=now - since, until=now + timedelta(seconds=1))
    ids = sorted(set(jobs.jobs) | set(jobs.broken) | set(stats))
    return StatsReport(
        since=now - since,
        until=now,
        jobs=[stats.get(i, WindowStats(job=i)) for i in ids],
    )
