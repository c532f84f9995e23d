"""`riotjobs cancel ID|JOB|--all`: stop running runs on any host that shares the database."""

from __future__ import annotations

import typer

from riotjobs.cli import _common, output
from riotjobs.cli._app import app

CANCEL_HELP = """Stop running runs cleanly, on whichever host they run.

Name an execution id (see `riotjobs status`) or a job id; --all stops every running run.
Each run is asked through the database: it stops its task, rolls back the open transaction,
keeps everything already committed and records itself as cancelled (exit 130), naming who
cancelled it, from where, when and why. A run that does not answer within 10 s has its
database sessions terminated, which frees its job lock, and is recorded as cancelled here.

A cancelled run raises no failure alert and does not count against the success rate.
One line per run is printed. The emergency stop is `riotjobs jobs disable --all` (no new
runs) followed by `riotjobs cancel --all`.

\b
Exit codes:
    0    every targeted run has ended (or none was running), or with
         --no-wait, the requests are recorded
    1    some runs are still running (listed on stderr)
    2    usage error: unknown job or execution id, both a target and --all

Example:  riotjobs cancel player_analyzer --reason "bad deploy, rolling back"
"""


@app.command("cancel", help=CANCEL_HELP)
def cancel(
    target: str | None = typer.Argument(
        None, metavar="[ID|JOB]", help="An execution id or a job id.", show_default=False
    ),
    all_runs: bool = typer.Option(False, "--all", help="Every running run of every job."),
    reason: str | None = typer.Option(
        None, "--reason", help="Why: recorded in the run's error with who cancelled it."
    ),
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Record the requests and return at once."
    ),
) -> None:
    from riotjobs.ops.cancel import cancel as cancel_runs

    cfg = _common.settings()
    jobs = _common.jobs(cfg)
    with _common.engine(cfg, application_name="riotjobs cancel") as (engine, url):
        results = cancel_runs(
            engine=engine,
            database_url=url,
            jobs=jobs,
            target=target,
            all_runs=all_runs,
            reason=reason,
            wait=not no_wait,
            on_result=lambda result: typer.echo(result.message),
        )
    if no_wait:
        return
    still = [r for r in results if not r.ended]
    if still:
        listed = ", ".join(f"execution {r.execution_id} of {r.job_id}" for r in still)
        output.error(f"{len(still)} run(s) did not end: {listed}")
        raise typer.Exit(1)
