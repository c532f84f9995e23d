"""`riotjobs check`: validate settings, jobs.yaml and the database before deploying."""

from __future__ import annotations

import typer

from riotjobs.cli import _common, output
from riotjobs.cli._app import app


@app.command("check")
def check(
    skip_database: bool = typer.Option(
        False, "--skip-database", help="Validate the files only; do not connect."
    ),
    for_cron: bool = typer.Option(
        False,
        "--cron",
        help="Check what cron would see even with no riotjobs entry in your crontab "
        "(e.g. for /etc/cron.d).",
    ),
    as_json: bool = _common.JSON_OPTION,
) -> None:
    """Validate everything a run needs; list every problem at once (one `riotjobs:` line each)
    and exit 78 if there is any, an unreachable database included; exit 0 when all is well.

    \b
    Checked:
      - settings and the env file (RIOTJOBS_ENV_FILE must exist when set)
      - RIOT_API_KEY is set; RIOTJOBS_ALERT_WEBHOOK_URL, when set, is an http(s) URL
      - jobs.yaml: every problem with its file, line and key (unknown keys or tasks,
        timeouts outside 1..86400 s, schedules that never fire, ...)
      - the database answers and its schema is what this riotjobs needs
      - settings this shell exports that cron would not see (not in the env file), and an
        env file readable by others; when your crontab has riotjobs entries, or with --cron

    Example:  RIOTJOBS_CONFIG=/etc/riotjobs/jobs.yaml riotjobs check
    """
    from riotjobs.ops.check import run_checks
    from riotjobs.tasks.registry import REGISTRY

    report = run_checks(registry=REGISTRY, database=not skip_database, cron=for_cron)
    if as_json:
        output.print_json(report.to_json())
    else:
        for problem in report.problems:
            output.error(problem)
        if report.ok:
            typer.echo(
                f"{report.jobs_file}: {report.jobs} jobs ({report.enabled} enabled) are valid"
            )
            if report.database:
                typer.echo(f"database {report.database}: reachable, schema current")
    if not report.ok:
        raise typer.Exit(report.exit_code)
