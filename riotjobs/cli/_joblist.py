"""`riotjobs jobs` (the list, when no subcommand is given) and `riotjobs jobs show JOB`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from riotjobs.cli import _common, output
from riotjobs.cli._app import jobs_app
from riotjobs.cli._cells import enabled_text, executions_table, note_text
from riotjobs.cli._status import opened

if TYPE_CHECKING:
    from datetime import datetime

    from rich.console import Console

    from riotjobs.ops.jobdetail import JobDetail
    from riotjobs.ops.status import JobRow


def render_jobs(rows: list[JobRow], now: datetime, console: Console) -> None:
    t = output.table(
        "Job^", "Name~?", "Schedule?", "On", "Last run?", "Status", "Next (UTC)?", "Note~",
    )  # fmt: skip
    for r in rows:
        last = r.last_run
        t.add_row(
            output.escape(r.job),
            output.escape(r.name),
            r.schedule,
            enabled_text(r),
            output.ago(last.started_at if last else None, now),
            output.status_text(last.status if last else None),
            output.utc(r.next_run, short=True),
            note_text(r),
        )
    console.print(output.fit(t, console))
    if any(r.enabled_overridden for r in rows):
        console.print(
            "[dim]* enabled state set in the database (riotjobs jobs enable/disable)[/dim]"
        )


def _value(value: Any) -> str:
    return output.escape(json.dumps(value))


def render_job(detail: JobDetail, now: datetime, console: Console) -> None:
    r = detail.row
    source = "database override" if r.enabled_overridden else "jobs.yaml"
    fields = [
        ("job", r.job),
        ("name", output.escape(r.name)),
        ("description", output.escape(detail.description or "-")),
        ("tasks", ", ".join(detail.tasks)),
        ("schedule", f"{r.schedule}  (UTC)"),
        ("enabled", f"{'yes' if r.enabled else 'no'}  ({source})"),
        ("timeout", f"{r.timeout_s} s"),
        ("next run", f"{output.utc(r.next_run)} UTC  {output.until(r.next_run, now)}"),
        ("state", r.state),
    ]
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        console.print(f"[bold]{key:<{width}}[/bold]  {value}")
    console.print()
    config = output.table("Config key", "Value", "Source", title="Configuration")
    for c in detail.config:
        src = c.source
        if src == "database":
            src = f"[yellow]database override[/yellow] (jobs.yaml: {_value(c.yaml_value)})"
        config.add_row(c.key, _value(c.value), src)
    console.print(config)
    if detail.config_error:
        console.print(f"[red]stored overrides no longer validate: {detail.config_error}[/red]")
    console.print()
    s = r.stats_24h
    rate = "-" if s.success_rate is None else f"{s.success_rate * 100:.1f}%"
    console.print(
        f"[bold]last 24 h[/bold]: {s.runs} runs, {rate} success, {s.failures} failed, "
        f"{s.skipped} skipped, avg {output.duration(s.avg_duration_ms)}, "
        f"max {output.duration(s.max_duration_ms)}, {s.api_requests} API requests"
    )
    console.print()
    if detail.recent:
        console.print(
            output.fit(executions_table(detail.recent, now, title="Recent runs"), console)
        )
    else:
        console.print("no runs recorded yet")


@jobs_app.callback(invoke_without_command=True)
def jobs_list(
    ctx: typer.Context,
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """List the jobs: schedule, enabled state (jobs.yaml or database), last run, next run.

    Example:  riotjobs jobs --json | jq '.jobs[] | select(.enabled) | .job'
    """
    if ctx.invoked_subcommand is not None:
        return
    from riotjobs.ops.status import job_rows, utcnow

    now = utcnow()
    with opened() as (conn, jobs, _):
        rows = job_rows(conn=conn, jobs=jobs, now=now)
    if as_json:
        output.print_json({"generated_at": now, "jobs": [r.to_json() for r in rows]})
    else:
        render_jobs(rows, now, output.console())


@jobs_app.command("show")
def jobs_show(
    job: str = typer.Argument(..., metavar="JOB", help="Job id from jobs.yaml."),
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """One job: merged config (jobs.yaml and database overrides), 24 h figures, recent runs.

    Each config value names its source: the task default, jobs.yaml or a database override.

    Example:  riotjobs jobs show tracked_player_updater
    """
    from riotjobs.ops.jobdetail import job_detail
    from riotjobs.ops.status import utcnow

    now = utcnow()
    with opened() as (conn, jobs, _):
        detail = job_detail(conn=conn, jobs=jobs, job_id=job, now=now)
    if as_json:
        output.print_json(detail.to_json())
    else:
        render_job(detail, now, output.console())
