"""A job as the read commands show it (``JobRow``), and the problems `status --check` reports
(``Problem``): misconfigured jobs, overdue jobs, and jobs whose last run failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from riotjobs.db.vocab import FAILURES
from riotjobs.runs.queries import Execution, WindowStats

if TYPE_CHECKING:
    from riotjobs.config import BrokenJob


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


def broken_row(
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
