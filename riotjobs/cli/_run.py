"""`riotjobs run JOB`: execute one job to completion and record it (what cron calls).

Output is cron-shaped: a successful, partial or skipped run prints nothing (so cron mails only
failures), a failed, timed-out, interrupted or cancelled run prints a short summary on stderr,
``-v`` streams the run's log to stderr, and at a terminal long tasks show a progress bar.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

import typer

from riotjobs.cli import _common
from riotjobs.cli._app import app
from riotjobs.db.vocab import Trigger
from riotjobs.tasks.progress import Progress

if TYPE_CHECKING:
    from riotjobs.runner import RunResult

RUN_HELP = """Run JOB once: execute its tasks in order and record the run in job_executions.

Cron calls `riotjobs run JOB --trigger cron`; a person runs it by hand (trigger manual).
Nothing is printed unless the run failed, timed out, was interrupted or cancelled (then one
`riotjobs:` line on stderr says what happened and which `riotjobs show ID` has the details)
or -v is given, so cron mails only failures.

\b
Exit codes:
    0    success (or the job is disabled: nothing runs, nothing is recorded)
    1    failed: a task raised, e.g. a database error or a rejected API key
    2    usage error: unknown job, bad option or value
    3    partial: some items failed, or a task ran out of rate-limit budget
    69   the database or the Riot API is unreachable (or was lost mid-run)
    75   skipped: another run holds the job's lock (recorded with its holder)
    78   configuration error: bad settings, jobs.yaml or stored overrides
    124  timeout: the run outlived its timeout and was stopped
    130  cancelled by `riotjobs cancel` (recorded as cancelled), or
         interrupted by SIGINT (Ctrl-C): recorded as failed
    143  interrupted by SIGTERM: recorded as failed

`riotjobs catch-up` passes --trigger catchup: such a run goes ahead only while the job's
newest fire time is missed and its lock is free (else nothing runs, nothing is recorded, no
ping is sent, exit 0).

With a ping URL (RIOTJOBS_PING_URL or RIOTJOBS_PING_URL_<JOB> in the env file) the run
pings it healthchecks.io-style: /start, then /<exit code> with the log tail; a skipped run
sends /log, a disabled job nothing. Pings time out after 2 s and never change the run.

At most one run of a job runs at a time, across hosts sharing the database: the lock is a
Postgres session advisory lock, released when its holder dies (even by kill -9). It needs a
real server session: behind PgBouncer use session pooling or connect to Postgres directly
(transaction pooling breaks session advisory locks).

Example:  riotjobs run tracked_player_updater -v
"""


class _RichProgress(Progress):
    """A transient rich progress bar on stderr (only used at a terminal without -v)."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._task: Any = None

    def start(self, description: str, total: int | None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as Bar

        from riotjobs.cli.output import err_console

        self.finish()
        self._bar = Bar(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console(),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, amount)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _summary(result: RunResult) -> None:
    """One line on stderr for a run that needs a person's attention, ending with where its
    log is (cron mails it; one line is the contract of every failure)."""
    what = {"failed": "failed", "timeout": "timed out"}.get(result.status, result.status)
    which = f"execution {result.execution_id}, " if result.execution_id else "not recorded, "
    error = (result.error or "").strip().splitlines()
    text = (
        f"riotjobs: job {result.job_id} {what} ({which}exit {result.exit_code}): "
        f"{error[0] if error else 'no error recorded'}"
    )
    if result.execution_id and result.recorded:
        text += f" (details: riotjobs show {result.execution_id})"
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


@app.command("run", help=RUN_HELP)
def run(
    job: str = typer.Argument(..., metavar="JOB", help="The job id, as in jobs.yaml."),
    trigger: Trigger = typer.Option(
        Trigger.MANUAL, "--trigger", help="Who started the run (cron passes --trigger cron)."
    ),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Stream the run's log to stderr."),
) -> None:
    from riotjobs.ops import alerting, pings
    from riotjobs.runner import run_job
    from riotjobs.runner.logcapture import formatter
    from riotjobs.runner.start import process_started

    cfg = _common.settings()
    spec = _common.jobs(cfg).get(job)
    handlers: list[logging.Handler] = []
    if verbose:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(formatter())
        handlers.append(stream)
    progress = _RichProgress if not verbose and sys.stderr.isatty() else None
    result = run_job(
        settings=cfg,
        job=spec,
        trigger=trigger.value,
        progress_factory=progress,
        on_forced_exit=_summary,
        log_handlers=handlers,
        hooks=pings.with_pings(alerting.hooks(cfg), cfg.ping_url_for(spec.id)),
        started=process_started(),
    )
    if result.status in {"failed", "timeout", "cancelled"}:
        _summary(result)
    raise typer.Exit(result.exit_code)
