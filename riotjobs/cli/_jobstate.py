"""`riotjobs jobs enable|disable|set`: steer jobs from the database, with no crontab edit.

The state is read by every `riotjobs run`, so a change takes effect at the next cron tick.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from riotjobs.cli import _common
from riotjobs.cli._app import jobs_app
from riotjobs.errors import UsageError

if TYPE_CHECKING:
    from sqlmodel import Session

    from riotjobs.config import JobsConfig


@contextmanager
def _session() -> Iterator[tuple[Session, JobsConfig]]:
    """A session that commits when the command succeeds."""
    cfg = _common.settings()
    jobs = _common.jobs(cfg)
    with _common.session(cfg, commit=True) as session:
        yield session, jobs


def _targets(jobs: JobsConfig, job_ids: list[str] | None, all_jobs: bool) -> list[str]:
    if all_jobs and job_ids:
        raise UsageError("give job ids or --all, not both")
    if all_jobs:
        return sorted(jobs.jobs)
    if not job_ids:
        raise UsageError("name at least one job, or pass --all")
    return job_ids


def _toggle(job_ids: list[str] | None, all_jobs: bool, enabled: bool) -> None:
    from riotjobs.runs.jobstate import set_enabled

    with _session() as (session, jobs):
        states = set_enabled(
            session=session,
            jobs=jobs,
            job_ids=_targets(jobs, job_ids, all_jobs),
            enabled=enabled,
        )
    for job_id, state in states.items():
        typer.echo(f"{job_id}: {'enabled' if state.enabled else 'disabled'}")


_IDS = typer.Argument(None, metavar="JOB", help="Job ids from jobs.yaml.", show_default=False)
_ALL = typer.Option(False, "--all", help="Every job in jobs.yaml.")


@jobs_app.command("enable")
def enable(job_ids: list[str] | None = _IDS, all_jobs: bool = _ALL) -> None:
    """Enable jobs: their next cron tick runs them (overrides `enabled:` in jobs.yaml).

    Example:  riotjobs jobs enable player_analyzer
    """
    _toggle(job_ids, all_jobs, True)


@jobs_app.command("disable")
def disable(job_ids: list[str] | None = _IDS, all_jobs: bool = _ALL) -> None:
    """Disable jobs: `riotjobs run` then exits 0 at once and records nothing.

    The crontab is left alone; `--all` is the emergency stop.

    Example:  riotjobs jobs disable --all
    """
    _toggle(job_ids, all_jobs, False)


def _render(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value)


@jobs_app.command("set")
def set_config(
    job: str = typer.Argument(..., metavar="JOB", help="The job id."),
    assignments: list[str] | None = typer.Argument(
        None,
        metavar="KEY=VALUE",
        help="KEY=VALUE pairs; values are YAML (30, true, text, {kda: 2}).",
        show_default=False,
    ),
    unset: list[str] | None = typer.Option(
        None,
        "--unset",
        help="Drop an override, back to jobs.yaml (repeatable).",
        show_default=False,
    ),
) -> None:
    """Override config values of a job in the database, typed and validated.

    Values are checked against the config keys of the job's tasks; an unknown key or a bad value
    exits 2 and lists the allowed keys. The next run uses them; jobs.yaml is unchanged.

    Example:  riotjobs jobs set player_analyzer unanalyzed_players_per_run=200 --unset min_matches
    """
    from riotjobs.runs.jobstate import parse_assignments, set_overrides

    pairs = parse_assignments(assignments or [])
    if not pairs and not unset:
        raise UsageError("give KEY=VALUE pairs and/or --unset KEY")
    with _session() as (session, jobs):
        spec = jobs.get(job)
        stored = set_overrides(session=session, job=spec, assignments=pairs, unset=unset or [])
    shown = ", ".join(f"{key}={_render(stored[key])}" for key in sorted(stored))
    typer.echo(f"{job}: {shown or 'no overrides'}")
