"""`riotjobs status`, `history`, `show` and `stats`: the operator's read commands.

Each command loads settings, jobs.yaml and the database, calls one function of
``riotjobs.ops.status`` and prints either tables (``render_*``, also used by the snapshot tests) or
the object's ``to_json()`` document with ``--json``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from riotjobs.cli import _common, output
from riotjobs.cli._app import app

if TYPE_CHECKING:
    from datetime import datetime

    import psycopg
    from rich.console import Console

    from riotjobs.config import JobsConfig
    from riotjobs.ops.status import Execution, JobRow, StatsReport, StatusReport


@contextmanager
def opened() -> Iterator[tuple[psycopg.Connection[Any], JobsConfig, str]]:
    """Settings, jobs.yaml (exit 78 when invalid) and a plain connection, closed afterwards."""
    cfg = _common.settings()
    jobs = _common.jobs(cfg)
    with _common.connection(cfg) as (conn, url):
        yield conn, jobs, url


# --- rendering -----------------------------------------------------------------------------------


def executions_table(runs: list[Execution], now: datetime, title: str | None = None) -> Any:
    t = output.table(
        "ID>", "Job^", "Status", "Trigger?", "Started (UTC)?", "Took>?", "API>?", "Error~",
        title=title,
    )  # fmt: skip
    for e in runs:
        t.add_row(
            str(e.id),
            e.job,
            output.status_text(e.status),
            e.trigger,
            output.utc(e.started_at, short=True),
            output.duration(e.duration_ms),
            str(e.counters.get("api_requests_made", 0)),
            output.escape(output.first_line(e.error, 50)),
        )
    return t


def enabled_text(row: JobRow) -> str:
    return ("yes" if row.enabled else "no") + ("*" if row.enabled_overridden else "")


def note_text(row: JobRow) -> str:
    state = row.state
    if state == "misconfigured":
        return "[bold red]MISCONFIGURED[/bold red] (riotjobs check)"
    if state == "overdue":
        return "[bold red]OVERDUE[/bold red]"
    if state == "failing":
        return "[red]failing[/red]"
    return "" if state in ("ok", "disabled") else state


def jobs_table(rows: list[JobRow], now: datetime) -> Any:
    t = output.table(
        "Job^", "On", "Schedule?", "Last", "Ago?", "Took>?", "Next (UTC)?", "API>?", "Note~",
    )  # fmt: skip
    for r in rows:
        last = r.last_run
        t.add_row(
            output.escape(r.job),
            enabled_text(r),
            r.schedule,
            output.status_text(last.status if last else None),
            output.ago(last.started_at if last else None, now),
            output.duration(last.duration_ms if last else None),
            output.utc(r.next_run, short=True),
            str(last.counters.get("api_requests_made", 0)) if last else "-",
            note_text(r),
        )
    return t


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def render_status(report: StatusReport, console: Console) -> None:
    now = report.generated_at
    t = report.totals_24h
    enabled = sum(1 for r in report.jobs if r.enabled)
    console.print(
        f"[bold]riotjobs status[/bold] at {output.utc(now)} UTC, "
        f"database {output.escape(report.database)}"
    )
    console.print(
        f"jobs: {len(report.jobs)} total, {enabled} enabled, {report.running} running now"
    )
    console.print(
        f"last 24 h: {t.runs} runs, {_percent(t.success_rate)} success "
        f"({t.successes} success, {t.partial} partial, {t.failures} failed/timeout/abandoned, "
        f"{t.skipped} skipped, {t.cancelled} cancelled)"
    )
    overdue = ", ".join(report.overdue) or "none"
    style = "bold red" if report.overdue else "green"
    console.print(f"overdue: [{style}]{overdue}[/{style}]")
    if report.misconfigured:
        names = output.escape(", ".join(report.misconfigured))
        console.print(
            f"misconfigured: [bold red]{names}[/bold red] (not run; `riotjobs check` says why)"
        )
    if report.never_run:
        console.print(f"never run: {', '.join(report.never_run)}")
    if report.reaped:
        console.print(f"marked {report.reaped} orphaned run(s) as abandoned")
    console.print()
    console.print(output.fit(jobs_table(report.jobs, now), console))
    if any(r.enabled_overridden for r in report.jobs):
        console.print(
            "[dim]* enabled state set in the database (riotjobs jobs enable/disable)[/dim]"
        )
    console.print()
    if report.recent:
        console.print(
            output.fit(executions_table(report.recent, now, title="Recent runs"), console)
        )
    else:
        console.print("no runs recorded yet")


def render_execution(e: Execution, console: Console) -> None:
    fields = [
        ("id", e.id),
        ("job", e.job),
        ("status", output.status_text(e.status)),
        ("trigger", e.trigger),
        ("host", output.escape(e.host)),
        ("pid", e.pid),
        ("started", f"{e.started_at.isoformat()}"),
        ("finished", e.finished_at.isoformat() if e.finished_at else "-"),
        ("duration", output.duration(e.duration_ms)),
        ("timeout", f"{e.timeout_s} s"),
        ("exit code", "-" if e.exit_code is None else e.exit_code),
        ("error", output.escape(e.error or "-")),
    ]
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        # Continuation lines of a multi-line error line up under its first line.
        shown = str(value).replace("\n", "\n" + " " * (width + 2))
        console.print(f"[bold]{key:<{width}}[/bold]  {shown}")
    console.print()
    counters = output.table("Counter", "Value>")
    for name, value in e.counters.items():
        counters.add_row(name, str(value))
    console.print(counters)
    console.print()
    console.print("[bold]log[/bold]")
    console.print(e.log.rstrip("\n") if e.log else "(no log captured)", markup=False)


def render_stats(report: StatsReport, console: Console) -> None:
    console.print(
        f"[bold]runs started {output.utc(report.since)} to {output.utc(report.until)} UTC[/bold]"
    )
    t = output.table(
        "Job^", "Runs>", "Success>", "Partial>?", "Failed>", "Skipped>?", "Cancel>?",
        "Avg dur>?", "Max dur>?", "Avg API>?", "Max API>?",
    )  # fmt: skip
    for s in report.jobs:
        t.add_row(
            s.job,
            str(s.runs),
            str(s.successes),
            str(s.partial),
            str(s.failures),
            str(s.skipped),
            str(s.cancelled),
            output.duration(s.avg_duration_ms),
            output.duration(s.max_duration_ms),
            "-" if s.avg_api_requests is None else f"{s.avg_api_requests:.1f}",
            "-" if s.max_api_requests is None else str(s.max_api_requests),
        )
    console.print(output.fit(t, console))


# --- commands ------------------------------------------------------------------------------------


def _open_incidents(url: str, execution_ids: list[int]) -> None:
    # Imported only when a run was found dead: the alerts layer is not light.
    from riotjobs.ops.alerting import abandoned_hook

    abandoned_hook(url)(execution_ids)


@app.command("status")
def status(
    as_json: bool = _common.JSON_OPTION,
    check: bool = typer.Option(
        False,
        "--check",
        help="For monitoring: print nothing when healthy; otherwise one line per problem on "
        "stderr and exit 1. A problem is an enabled job that is overdue or whose last run "
        "failed, timed out or was abandoned.",
    ),
    recent: int = typer.Option(
        20, "--recent", max=100_000, min=0, help="How many recent runs to list."
    ),
) -> None:
    """The overview: jobs, what runs now, the last 24 h, overdue jobs and the latest runs.

    Runs whose process died are marked abandoned first. A job is overdue when two scheduled
    ticks in a row (plus 5 min grace) passed without a start; a job that never ran is listed as
    "never run" instead.

    Example:  riotjobs status --check || echo "riotjobs needs attention"
    """
    from riotjobs.db.engine import masked
    from riotjobs.ops.status import build_status

    with opened() as (conn, jobs, url):
        report = build_status(
            conn=conn,
            jobs=jobs,
            database=masked(url),
            recent=recent,
            on_abandoned=lambda ids: _open_incidents(url, ids),
        )
    if as_json:
        output.print_json(report.to_json())
    elif not check:
        render_status(report, output.console())
    if check:
        for problem in report.problems:
            output.error(problem.message)
        if report.problems:
            raise typer.Exit(1)


@app.command("history")
def history(
    job: str = typer.Argument(..., metavar="JOB", help="Job id from jobs.yaml."),
    limit: int = typer.Option(
        20, "--limit", "-n", max=100_000, min=1, help="At most this many runs."
    ),
    status: str | None = typer.Option(
        None, "--status", "-s", help="Only runs with this status (success, failed, …)."
    ),
    since: str | None = typer.Option(None, "--since", help="Only runs started within, e.g. 24h."),
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """A job's runs, newest first.

    Example:  riotjobs history player_analyzer --status failed --since 7d
    """
    from riotjobs.ops.status import history as load_history
    from riotjobs.ops.status import parse_since, utcnow

    window = parse_since(since) if since else None
    now = utcnow()
    with opened() as (conn, jobs, _):
        runs = load_history(
            conn=conn, jobs=jobs, job_id=job, limit=limit, status=status, since=window, now=now
        )
    broken = jobs.broken.get(job)
    if as_json:
        output.print_json(
            {
                "job": job,
                "filters": {"limit": limit, "status": status, "since": since},
                "config_problems": list(broken.problems) if broken else [],
                "executions": [e.to_json() for e in runs],
            }
        )
        return
    if broken is not None:
        # Its history is still shown: what ran before jobs.yaml broke is what an operator needs.
        output.console().print(
            f"[bold red]misconfigured[/bold red]: {output.escape('; '.join(broken.problems))}"
        )
    if runs:
        output.console().print(output.fit(executions_table(runs, now)))
    else:
        output.console().print("no runs match")


@app.command("show")
def show(
    execution_id: int = typer.Argument(
        ...,
        metavar="EXECUTION_ID",
        min=1,
        max=2**63 - 1,
        help="Execution id (see `status` or `history`).",
    ),
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """Every field of one execution: counters, error and its captured log.

    Example:  riotjobs show 4711
    """
    from riotjobs.ops.status import execution_detail

    with opened() as (conn, _, _):
        found = execution_detail(conn=conn, execution_id=execution_id)
    if as_json:
        output.print_json(found.to_json(with_log=True))
    else:
        render_execution(found, output.console())


@app.command("stats")
def stats(
    since: str = typer.Option("24h", "--since", help="Window, e.g. 30m, 24h, 7d."),
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """Per job: runs, successes, failures, average and max duration and API requests.

    Failures count failed, timeout and abandoned runs. Durations, API figures and the success
    rate leave out skipped, still-running and cancelled runs.

    Example:  riotjobs stats --since 7d
    """
    from riotjobs.ops.status import parse_since, run_stats

    window = parse_since(since)
    with opened() as (conn, jobs, _):
        report = run_stats(conn=conn, jobs=jobs, since=window)
    if as_json:
        output.print_json(report.to_json())
    else:
        render_stats(report, output.console())
