"""`riotjobs catch-up`: run once every job whose newest scheduled run was missed.

Cron calls it at boot (the ``@reboot`` line of `riotjobs install-cron`); the ``reap`` job does
the same every ten minutes. The rule is ``riotjobs.runs.catchup``'s.
"""

from __future__ import annotations

import typer

from riotjobs.cli import _common
from riotjobs.cli._app import app

HELP = """Run once each job whose newest scheduled run was missed (jobs.yaml catch_up).

A job with `catch_up: {within: 6h}` is caught up when its newest fire time, at most that old,
has no run recorded at or after it (any status: a skipped or cancelled run counts). The job
runs once, however many ticks were missed, as `riotjobs run JOB --trigger catchup`, and a miss
older than the window is left for the next tick. Disabled jobs never catch up, nor jobs that
never ran. Each run
decides again under the job's lock, so two hosts catching up at once give one run; the other
records nothing.

Cron calls this at boot (`install-cron` adds an @reboot line), and the reap job checks too.
It waits for the runs it starts; their outcomes are in `riotjobs status`. Nothing is printed
unless --dry-run or -v is given.

\b
Exit codes:
    0    done (including: nothing to catch up)
    69   the database is unreachable
    78   configuration error: bad settings or jobs.yaml

Example:  riotjobs catch-up --dry-run
"""


@app.command("catch-up", help=HELP)
def catch_up(
    dry_run: bool = typer.Option(False, "--dry-run", help="List the jobs due; run nothing."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Say what is started."),
) -> None:
    from riotjobs.runs import catchup

    cfg = _common.settings()
    jobs = _common.jobs(cfg)
    with _common.connection(cfg) as (conn, _):
        due = catchup.due_jobs(conn=conn, jobs=jobs.jobs.values())
    for item in due:
        if dry_run or verbose:
            when = item.missed.strftime("%Y-%m-%d %H:%M UTC")
            typer.echo(f"{item.job_id}: missed its run at {when}")
    if dry_run:
        if not due:
            typer.echo("nothing to catch up")
        return
    for proc in catchup.spawn([item.job_id for item in due]):
        proc.wait()
