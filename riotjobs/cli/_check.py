"""`riotjobs check`: validate settings, jobs.yaml and the database before deploying."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from riotjobs.cli import _common, output
from riotjobs.cli._app import app
from riotjobs.errors import ExitCode


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
) -> None:
    """Validate settings, jobs.yaml and the database schema; exit 78 on a configuration error.

    Every problem in jobs.yaml is reported with its file, line and key. Settings that this
    shell exports but cron would not see (they are not in the env file) are problems too.

    Example:  RIOTJOBS_CONFIG=/etc/riotjobs/jobs.yaml riotjobs check --cron
    """
    cfg = _common.settings()
    jobs = _common.jobs(cfg)
    enabled = sum(1 for job in jobs.jobs.values() if job.spec.enabled)
    typer.echo(f"{jobs.path}: {len(jobs.jobs)} jobs ({enabled} enabled) are valid")
    problems = cron_problems(always=for_cron)
    if not skip_database:
        from riotjobs.db.engine import masked

        with _common.connection(cfg) as (_, url):
            pass
        typer.echo(f"database {masked(url)}: reachable, schema current")
    for problem in problems:
        output.error(problem)
    if problems:
        raise typer.Exit(ExitCode.CONFIG)


def cron_problems(*, always: bool) -> list[str]:
    """Settings that cron would not see: exported in this shell but missing from (or different
    in) the env file that crontab entries read; secrets are named, never shown. Checked when
    ``always`` or when the user's crontab holds riotjobs entries (not, say, under Kubernetes,
    where the environment is the configuration)."""
    from riotjobs.schedule import cron, cronenv, crontext

    if not always:
        try:
            installed = crontext.BEGIN in cron.Target().read()
        except Exception:  # no crontab program, no crontab: nothing cron would run
            installed = False
        if not installed:
            return []
    env_file = Path(cron.default_env_file(None))
    problems = []
    for difference in cronenv.differences(
        environ=os.environ,
        shell_env_file=env_file,
        cron_env_file=env_file,
        cron_home=cron.home_of(cron.current_user()),
        cron_data_home=cronenv.embedded_data_home(
            environ=os.environ, env_file=env_file, cron_home=cron.home_of(cron.current_user())
        ),
    ):
        problems.append(f"cron would not see this shell's setting: {difference}")
    if problems:
        problems.append(
            f"fix: `riotjobs install-cron --write-env-file` copies them into {env_file} (0600)"
        )
    if cronenv.loose_mode(env_file):
        problems.append(f"env file {env_file} is readable by others: run `chmod 600 {env_file}`")
    return problems
