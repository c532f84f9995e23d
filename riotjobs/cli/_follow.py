"""`riotjobs show ID --follow` and `riotjobs logs JOB [--follow]`: a run's log as it is written.

The library (``riotjobs.ops.follow``) does the LISTEN/NOTIFY work; this module prints the lines
on stdout, the final status line after them, and exits with the run's exit code so that a script
can wait on a run. Ctrl-C stops following (exit 130); the run itself is left alone.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from riotjobs.cli import _common, output
from riotjobs.cli._app import app
from riotjobs.errors import ExitCode

if TYPE_CHECKING:
    from collections.abc import Callable

    import psycopg

    from riotjobs.runs.livelog import LiveRow

LOGS_HELP = """Print the log of JOB's current run (else its latest run).

With --follow, stream the log of the job's current run as it is written; when none is running,
wait for the next one. The command ends when the run ends, with its final status line, and
exits with the run's exit code (1 for a run whose process died: abandoned). Ctrl-C stops
following (exit 130) and does not touch the run. --json prints the run as `show --json`
does (null when the job has no runs).

Example:  riotjobs logs tracked_player_updater --follow
"""


def _write(text: str) -> None:
    sys.stdout.write(output.clean(text))
    sys.stdout.flush()


def final_line(row: LiveRow) -> str:
    """The line printed after a followed run's log."""
    took = f" in {output.duration(row.duration_ms)}" if row.duration_ms is not None else ""
    code = "-" if row.exit_code is None else row.exit_code
    line = f"riotjobs: execution {row.id} of {row.job_id} ended: {row.status}{took} (exit {code})"
    if row.error:
        line += f": {row.error.splitlines()[0] if row.error.strip() else ''}"
    return output.clean(line)


def followed(run: Callable[[psycopg.Connection[object], str], LiveRow]) -> None:
    """Open the database, follow, print the final line and exit with the run's code."""
    from riotjobs.ops.follow import exit_code

    cfg = _common.settings()
    _common.jobs(cfg)  # a broken jobs.yaml is reported as such (exit 78), as by every command
    try:
        with _common.connection(cfg) as (conn, url):
            row = run(conn, url)
    except KeyboardInterrupt:
        sys.stdout.flush()
        output.error("stopped following; the run goes on")
        raise typer.Exit(ExitCode.SIGINT) from None
    _write(final_line(row) + "\n")
    raise typer.Exit(exit_code(row))


def _abandoned_hook(url: str) -> Callable[[list[int]], None]:
    from riotjobs.ops.alerting import abandoned_hook

    return abandoned_hook(url)


def follow_execution(execution_id: int) -> None:
    """`show ID --follow`."""
    from riotjobs.ops.follow import follow_run

    def run(conn: psycopg.Connection[object], url: str) -> LiveRow:
        return follow_run(
            conn=conn, execution_id=execution_id, write=_write, on_abandoned=_abandoned_hook(url)
        )

    followed(run)


@app.command("logs", help=LOGS_HELP)
def logs(
    job: str = typer.Argument(..., metavar="JOB", help="The job id, as in jobs.yaml."),
    follow: bool = typer.Option(
        False, "--follow", "-f", help="Stream the current (or next) run's log until it ends."
    ),
    as_json: bool = _common.JSON_OPTION,
) -> None:
    from riotjobs.errors import UsageError
    from riotjobs.ops.follow import follow_job
    from riotjobs.runs import livelog

    cfg = _common.settings()
    job_id = _common.jobs(cfg).get(job).id
    if follow and as_json:
        raise UsageError("--follow and --json cannot be combined")
    if follow:

        def run(conn: psycopg.Connection[object], url: str) -> LiveRow:
            def waiting() -> None:
                output.error(f"job {job_id} is not running; waiting for its next run")

            return follow_job(
                conn=conn,
                job_id=job_id,
                write=_write,
                on_waiting=waiting,
                on_abandoned=_abandoned_hook(url),
            )

        followed(run)
        return
    with _common.connection(cfg) as (conn, _):
        row = livelog.latest(conn, job_id=job_id, running=True) or livelog.latest(
            conn, job_id=job_id, running=False
        )
        if as_json:
            from riotjobs.ops.status import execution_detail

            found = execution_detail(conn=conn, execution_id=row.id) if row else None
            output.print_json(found.to_json(with_log=True) if found else None)
            return
    if row is None:
        output.error(f"job {job_id} has no runs yet")
        return
    _write(row.log if row.log else "(no log captured)\n")
    _write(final_line(row) + "\n" if row.status != "running" else "")
