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
from riotjobs.cli._cells import enabled_text, executions_table, note_text, run_status

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
            run_status(last),
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
        ("duration", output.duration(e.duration_ms) + _against_baseline(e)),
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
    if e.usage:
        console.print(usage_table(e))
        console.print()
    console.print("[bold]log[/bold]")
    console.print(e.log.rstrip("\n") if e.log else "(no log captured)", markup=False)


def _against_baseline(e: Execution) -> str:
    if e.baseline_ms is None:
        return ""
    mark = ", [yellow]slow[/yellow]" if e.slow else ""
    return f" (baseline {output.duration(e.baseline_ms)}{mark})"


def usage_table(e: Execution) -> Any:
    """Requests and 429s by endpoint and routing value, with a total row."""
    from riotjobs.counters import RATE_LIMIT_TYPES

    t = output.table("Endpoint", "Routing", "Requests>", *(f"429 {k}>" for k in RATE_LIMIT_TYPES))
    rows = e.usage or []
    for u in rows:
        t.add_row(
            u.endpoint,
            u.routing,
            str(u.requests),
            *(str(u.rate_limited[k]) for k in RATE_LIMIT_TYPES),
        )
    if len(rows) > 1:
        t.add_row(
            "total",
            "",
            str(sum(u.requests for u in rows)),
            *(str(sum(u.rate_limited[k] for u in rows)) for k in RATE_LIMIT_TYPES),
        )
    return t


def render_stats(report: StatsReport, console: Console) -> None:
    console.print(
        f"[bold]runs started {output.utc(report.since)} to {output.utc(report.until)} UTC[/bold]"
    )
    t = output.table(
        "Job^", "Runs>", "Success>", "Partial>?", "Failed>", "Skipped>?", "Cancel>?",
        "Avg dur>?", "p50>?", "p95>?", "Max dur>?", "Avg API>?", "Max API>?", "429 rate>?",
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
            output.duration(s.p50_duration_ms),
            output.duration(s.p95_duration_ms),
            output.duration(s.max_duration_ms),
            "-" if s.avg_api_requests is None else f"{s.avg_api_requests:.1f}",
            "-" if s.max_api_requests is None else str(s.max_api_requests),
            _percent(s.rate_limited_rate),
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
    follow: bool = typer.Option(
        False, "--follow", "-f", help="Stream the run's log until it ends; exit with its code."
    ),
) -> None:
    """Every field of one execution: counters, API usage by endpoint, error and its log.

    A successful run longer than its job's slow_factor times its baseline is marked slow.

    With --follow, print the run's log and stream new lines as they are written until the run
    ends, then its final status line; exits with the run's exit code (1 for an abandoned run),
    so a script can wait on a run. Ctrl-C stops following (exit 130), not the run.

    Example:  riotjobs show 4711
    """
    from riotjobs.ops.status import execution_detail

    if follow:
        if as_json:
            from riotjobs.errors import UsageError

            raise UsageError("--follow and --json cannot be combined")
        from riotjobs.cli._follow import follow_execution

        follow_execution(execution_id)
        return

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
    """Per job: runs, successes, failures, durations (average, p50, p95, max), API requests per
    run and the share of requests that got a 429.

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
