"""`riotjobs check`: validate settings, jobs.yaml and the database before deploying."""

from __future__ import annotations

import typer

from riotjobs.cli import _common
from riotjobs.cli._app import app


@app.command("check")
def check(
    skip_database: bool = typer.Option(
        False, "--skip-database", help="Validate the files only; do not connect."
    ),
) -> None:
    """Validate settings, jobs.yaml and the database schema; exit 78 on a configuration error.

    Every problem in jobs.yaml is reported with its file, line and key.

    Example:  RIOTJOBS_CONFIG=/etc/riotjobs/jobs.yaml riotjobs check
    """
    cfg = _common.settings()
    jobs = _common.jobs(cfg)
    enabled = sum(1 for job in jobs.jobs.values() if job.spec.enabled)
    typer.echo(f"{jobs.path}: {len(jobs.jobs)} jobs ({enabled} enabled) are valid")
    if not skip_database:
        from riotjobs.db.engine import masked

        with _common.connection(cfg) as (_, url):
            pass
        typer.echo(f"database {masked(url)}: reachable, schema current")
