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

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from riotjobs.db.vocab import FAILURES, Status
from riotjobs.errors import UsageError
from riotjobs.runs import queries as q
from riotjobs.runs.queries import Execution, WindowStats

if TYPE_CHECKING:
    import psycopg

    from riotjobs.config import BrokenJob, JobsConfig

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
_SINCE_RE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def utcnow() -> datetime:
    # Not riotjobs.db.models.utcnow: importing the models costs a third of a second, and
    # `status` is typed by people (and polled by monitors).
    return datetime.now(UTC)


def parse_since(text: str) -> timedelta:
    """``90s``, ``30m``, ``24h``, ``7d``, ``2w`` → a timedelta; anything else is a usage error."""
    match = _SINCE_RE.match(text.lower()[:40])
    if not match or len(text) > 40 or int(match.group(1)) == 0:
        shown = text[:40] + ("…" if len(text) > 40 else "")
        raise UsageError(f"invalid duration {shown!r}: use a number and a unit, e.g. 30m, 24h, 7d")
    window = timedelta(**{_UNITS[match.group(2)]: min(int(match.group(1)), 10**8)})
    if window > MAX_SINCE:
        raise UsageError(f"duration {text!r} is longer than {MAX_SINCE.days} days")
    return window


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


@dataclass(frozen=True)
class JobRow:
    """One job as `riotjobs jobs` and `status` show it."""

    job: str
    name: str
    schedule: str
    enabled: bool
    enabled_overridden: bool
    timeout_s: int | None  # None for a misconfigured job
    last_run: Execution | None
    last_outcome: Execution | None  # newest run that is neither running, skipped nor cancelled
    next_run: datetime | None  # None when disabled
    overdue_since: datetime | None
    stats_24h: WindowStats
    # What is wrong with the job's entry in jobs.yaml (file:line: key: problem); it cannot run.
    config_problems: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        """misconfigured | ok | overdue | failing | never run | disabled."""
        if self.config_problems:
            return "misconfigured"
        if not self.enabled:
            return "disabled"
        if self.overdue_since is not None:
            return "overdue"
        if self.last_outcome is not None and self.last_outcome.status in FAILURES:
            return "failing"
        return "never run" if self.last_run is None else "ok"

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "name": self.name,
            "schedule": self.schedule,
            "enabled": self.enabled,
            "enabled_overridden": self.enabled_overridden,
            "timeout_s": self.timeout_s,
            "state": self.state,
            "last_run": None if self.last_run is None else self.last_run.to_json(),
            "next_run": self.next_run,
            "overdue": self.overdue_since is not None,
            "overdue_since": self.overdue_since,
            "runs_24h": self.stats_24h.runs,
            "api_requests_24h": self.stats_24h.api_requests,
            "config_problems": list(self.config_problems),
        }


@dataclass(frozen=True)
class Problem:
    """One reason for `status --check` to exit 1."""

    job: str
    kind: str  # misconfigured | overdue | failed | timeout | abandoned
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"job": self.job, "kind": self.kind, "message": self.message}


def problems_of(rows: list[JobRow]) -> list[Problem]:
    """Misconfigured jobs (enabled or not: `check` fails and `install-cron` refuses until they
    are fixed), and enabled jobs that are overdue, or whose last outcome was failed, timeout or
    abandoned."""
    found = []
    for row in rows:
        if row.config_problems:
            problems = "; ".join(row.config_problems)
            found.append(Problem(row.job, "misconfigured", f"{row.job}: misconfigured: {problems}"))
            continue
        if not row.enabled:
            continue
        if row.overdue_since is not None and row.last_run is not None:
            found.append(
                Problem(
                    row.job,
                    "overdue",
                    f"{row.job}: overdue since {row.overdue_since:%Y-%m-%d %H:%M} UTC; last "
                    f"start {row.last_run.started_at:%Y-%m-%d %H:%M} UTC, schedule "
                    f"'{row.schedule}'",
                )
            )
        last = row.last_outcome
        if last is not None and last.status in FAILURES:
            error = (last.error or "").strip().splitlines()
            detail = f": {error[0][:200]}" if error else ""
            found.append(
                Problem(
                    row.job,
                    last.status,
                    f"{row.job}: last run #{last.id} {last.status} at "
                    f"{last.started_at:%Y-%m-%d %H:%M} UTC{detail}",
                )
            )
    return found


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
    last = q.latest_per_job(conn, ids)
    outcome = q.latest_per_job(conn, ids, outcome_only=True)
    window = _day(conn, now) if window is None else window
    rows = []
    for job_id in ids:
        if job_id in jobs.broken:
            rows.append(_broken_row(jobs.broken[job_id], states, last, outcome, window))
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


def _broken_row(
    job: BrokenJob,
    states: dict[str, Any],
    last: dict[str, Execution],
    outcome: dict[str, Execution],
    window: dict[str, WindowStats],
) -> JobRow:
    """A misconfigured job: what jobs.yaml says of it, its runs so far, and its problems."""
    state = states.get(job.id)
    return JobRow(
        job=job.id,
        name=job.name,
        schedule=job.schedule or "?",
        enabled=bool(state.enabled) if state is not None else job.enabled,
        enabled_overridden=state is not None and state.enabled_override is not None,
        timeout_s=None,
        last_run=last.get(job.id),
        last_outcome=outcome.get(job.id),
        next_run=None,
        overdue_since=None,
        stats_24h=window.get(job.id, WindowStats(job=job.id)),
        config_problems=job.problems,
    )


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
        recent=q.recent(conn, limit=recent),
        problems=problems_of(rows),
    )


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
    return found


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
    stats = q.window_stats(conn, since=now - since, until=now + timedelta(seconds=1))
    ids = sorted(set(jobs.jobs) | set(jobs.broken) | set(stats))
    return StatsReport(
        since=now - since,
        until=now,
        jobs=[stats.get(i, WindowStats(job=i)) for i in ids],
    )
