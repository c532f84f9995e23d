"""`riotjobs install-cron`, `uninstall-cron`, `cron status`, `export k8s` and
`export healthchecks`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from riotjobs.cli import _common, output
from riotjobs.cli._app import app
from riotjobs.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from riotjobs.config import JobsConfig
    from riotjobs.schedule.cron import CronStatus, Target, Wanted
    from riotjobs.settings import Settings

cron_app = typer.Typer(
    no_args_is_help=True,
    help="Inspect the crontab riotjobs installed.\n\nExample:  riotjobs cron status",
)
app.add_typer(cron_app, name="cron")
export_app = typer.Typer(
    no_args_is_help=True,
    help=(
        "Export the schedule for other runners or monitors.\n\n"
        "Example:  riotjobs export k8s > cronjobs.yaml"
    ),
)
app.add_typer(export_app, name="export")

USER_HELP = "Whose crontab (default: yours). Needs root for another user."
TABFILE_HELP = "Edit this crontab file instead of a user's crontab (e.g. for /etc/cron.d)."


def _enabled(cfg: Settings, jobs: JobsConfig) -> dict[str, bool]:
    """Effective enabled state per job: the database's override, else jobs.yaml."""
    from riotjobs.runs.jobstate import read_states

    with _common.connection(cfg) as (conn, _):
        states = read_states(conn=conn, jobs=jobs)
    return {
        job_id: bool(states[job_id].enabled) if job_id in states else job.spec.enabled
        for job_id, job in jobs.jobs.items()
    }


def _plan(
    user: str | None, tabfile: Path | None, mailto: str | None
) -> tuple[Target, Wanted, dict[str, bool], JobsConfig]:
    from riotjobs.schedule import cron, cronenv

    cfg = _common.settings()
    jobs = _common.jobs(cfg)
    enabled = _enabled(cfg, jobs)
    target = cron.Target(user=user, tabfile=tabfile)
    env_file = cron.default_env_file(user)
    owner = user or cron.current_user()
    wanted = cron.Wanted(
        jobs={i: jobs.jobs[i].spec.schedule for i, on in enabled.items() if on},
        riotjobs_bin=cron.riotjobs_executable(),
        env_file=env_file,
        config=str(jobs.path.expanduser().absolute()),
        mailto=mailto if mailto is not None else owner,
        data_home=cronenv.embedded_data_home(
            environ=os.environ, env_file=Path(env_file), cron_home=cron.home_of(owner)
        ),
        # A crontab file is written for /etc/cron.d: system crontabs name the user.
        system_user=owner if tabfile is not None else None,
        catch_up=any(jobs.jobs[i].spec.catch_up is not None for i, on in enabled.items() if on),
    )
    return target, wanted, enabled, jobs


def _env_file_ready(wanted: Wanted, *, write: bool, dry_run: bool) -> None:
    """Make sure cron will see the settings this shell has: copy them into the env file
    (``--write-env-file``) or refuse, naming what is missing and how to fix it."""
    from riotjobs.schedule import cronenv

    env_file = Path(wanted.env_file)
    missing = cronenv.gaps(environ=os.environ, env_file=env_file)
    if write:
        if dry_run:
            names = ", ".join(gap.name for gap in missing) or "nothing new"
            typer.echo(f"{env_file}: would write {names} (mode 0600)")
        else:
            names = ", ".join(cronenv.write_env_file(environ=os.environ, env_file=env_file))
            typer.echo(f"{env_file}: wrote {names or 'no settings'} (mode 0600)")
        return
    if missing:
        what = ", ".join(gap.describe() for gap in missing)
        raise ConfigError(
            f"cron would not see settings of this shell: {what} in {env_file}; run "
            "`riotjobs install-cron --write-env-file` to copy them there (mode 0600), or put "
            "them in that file yourself, or unset them in this shell"
        )
    if cronenv.loose_mode(env_file):
        raise ConfigError(f"env file {env_file} is readable by others; run `chmod 600 {env_file}`")


@app.command("install-cron")
def install_cron(
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the diff; change nothing."),
    user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    tabfile: Path | None = typer.Option(None, "--file", help=TABFILE_HELP),
    mailto: str | None = typer.Option(
        None, "--mailto", help="MAILTO for cron mail (default: the crontab's owner)."
    ),
    write_env_file: bool = typer.Option(
        False,
        "--write-env-file",
        help="Copy this shell's RIOTJOBS_* and RIOT_API_KEY settings into the env file (0600).",
    ),
) -> None:
    """Write one crontab entry per enabled job (jobs.yaml plus `jobs enable/disable` state).

    Entries run `riotjobs run JOB --trigger cron` by absolute path with RIOTJOBS_ENV_FILE and
    RIOTJOBS_CONFIG, inside a marked block with SHELL, PATH, MAILTO and CRON_TZ=UTC. Running it
    again changes nothing; entries of removed jobs go away; other lines stay untouched.

    Cron does not see what this shell exports: settings set here but missing from (or different
    in) the env file make it refuse, unless --write-env-file copies them there. Secrets never go
    into the crontab. With --file the lines carry a user column (system crontab, /etc/cron.d).

    Example:  riotjobs install-cron --write-env-file --dry-run
    """
    from riotjobs.schedule import cron

    target, wanted, _, jobs = _plan(user, tabfile, mailto)
    if jobs.broken:
        # Installing the others would drop the bad job's entry behind the operator's back.
        first = min(jobs.broken.values(), key=lambda b: b.id)
        raise ConfigError(
            f"not installing: {len(jobs.broken)} job(s) misconfigured; {first.message} "
            "(`riotjobs check` lists every problem)"
        )
    wanted.block()  # refuse malformed entries before touching the env file
    _env_file_ready(wanted, write=write_env_file, dry_run=dry_run)
    change = cron.install(target=target, wanted=wanted, dry_run=dry_run)
    if dry_run:
        typer.echo(change.diff() or f"{change.target}: already up to date", nl=not change.diff())
        return
    if change.changed:
        typer.echo(f"{change.target}: installed {len(wanted.jobs)} riotjobs entries")
    else:
        typer.echo(f"{change.target}: already up to date ({len(wanted.jobs)} entries)")
    if not Path(wanted.env_file).is_file():
        output.error(f"warning: env file {wanted.env_file} does not exist; cron runs will lack it")


@app.command("uninstall-cron")
def uninstall_cron(
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the diff; change nothing."),
    user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    tabfile: Path | None = typer.Option(None, "--file", help=TABFILE_HELP),
) -> None:
    """Remove riotjobs' entries and the environment block it added; nothing else.

    Example:  riotjobs uninstall-cron --user riot
    """
    from riotjobs.schedule import cron

    change = cron.uninstall(target=cron.Target(user=user, tabfile=tabfile), dry_run=dry_run)
    if dry_run:
        typer.echo(change.diff() or f"{change.target}: no riotjobs entries", nl=not change.diff())
    elif change.changed:
        typer.echo(f"{change.target}: riotjobs entries removed")
    else:
        typer.echo(f"{change.target}: no riotjobs entries")


_STATE_STYLE = {
    "in-sync": "green",
    "drifted": "yellow",
    "missing": "red",
    "stray": "magenta",
    "misconfigured": "bold red",
}


def _render_status(report: CronStatus) -> None:
    console = output.console()
    if report.daemons:
        daemon = ", ".join(f"{name} (pid {pid})" for pid, name in report.daemons)
        console.print(f"cron daemon: [green]running[/green]: {daemon}")
    else:
        console.print("cron daemon: [red]not seen[/red] (no cron or crond process)")
    console.print(f"crontab: {output.escape(report.target)}")
    exists = "" if report.env_file_exists else "  [yellow](missing)[/yellow]"
    console.print(f"env file: {output.escape(report.env_file)}{exists}")
    table = output.table("Job", "Enabled", "State", "Details")
    for j in report.jobs:
        style = _STATE_STYLE.get(j.state)
        state = f"[{style}]{j.state}[/{style}]" if style else j.state
        details = ", ".join(j.differences) + " differs" if j.differences else ""
        if j.state == "stray":
            details = "riotjobs entry for a job that is disabled or gone"
        if j.state == "misconfigured":
            details = "its jobs.yaml entry does not validate (riotjobs check)"
        table.add_row(output.escape(j.job), "yes" if j.enabled else "no", state, details)
    console.print(table)
    if report.reboot is not None:
        style = _STATE_STYLE.get(report.reboot.state, "")
        why = {
            "missing": ": a job declares catch_up, but nothing runs `riotjobs catch-up` at boot",
            "stray": ": no enabled job declares catch_up",
            "drifted": ": it differs from what install-cron would write",
        }.get(report.reboot.state, "")
        console.print(f"@reboot catch-up line: [{style}]{report.reboot.state}[/{style}]{why}")
    if not report.in_sync:
        console.print("run `riotjobs install-cron` to bring the crontab in line")
    for difference in report.environment:
        console.print(f"[yellow]cron would see another value:[/yellow] {output.escape(difference)}")
    if report.environment:
        console.print("run `riotjobs install-cron --write-env-file` to give cron these settings")
    if report.zone is not None and report.zone.applies:
        console.print(f"[yellow]time zone:[/yellow] {output.escape(report.zone.describe())}")
        for job, when in report.zone.next_fire.items():
            console.print(f"  {job} next fires at {when}")


@cron_app.command("status")
def cron_status(
    user: str | None = typer.Option(None, "--user", "-u", help=USER_HELP),
    tabfile: Path | None = typer.Option(None, "--file", help=TABFILE_HELP),
    as_json: bool = _common.JSON_OPTION,
    check: bool = typer.Option(
        False, "--check", help="Exit 1 when the crontab is not in sync with jobs.yaml."
    ),
) -> None:
    """Installed entries versus jobs.yaml: in-sync, drifted, missing or stray; and whether a
    cron daemon is running.

    Example:  riotjobs cron status --check || riotjobs install-cron
    """
    from riotjobs.schedule import cron

    target, wanted, enabled, jobs = _plan(user, tabfile, None)
    report = cron.cron_status(
        target=target,
        wanted=wanted,
        known=enabled,
        misconfigured={i: b.enabled for i, b in jobs.broken.items()},
    )
    if as_json:
        output.print_json(report.to_json())
    else:
        _render_status(report)
    if check and not report.in_sync:
        raise typer.Exit(ExitCode.FAILED)


@export_app.command("k8s")
def export_k8s(
    image: str = typer.Option("riotjobs:latest", "--image", help="Container image to run."),
    namespace: str = typer.Option("riotjobs", "--namespace", "-n", help="Kubernetes namespace."),
    secret: str = typer.Option(
        "riotjobs",
        "--secret",
        help="Secret holding RIOT_API_KEY and RIOTJOBS_DATABASE_URL (and any ping URLs).",
    ),
    yaml_only: bool = typer.Option(
        False, "--yaml-only", help="Use jobs.yaml's enabled flags; do not read the database."
    ),
) -> None:
    """Print Kubernetes CronJob manifests (multi-document YAML) for the enabled jobs.

    Each CronJob has concurrencyPolicy Forbid, timeZone Etc/UTC, an activeDeadlineSeconds of
    the job's timeout plus 60 s, and takes its secrets from a Secret. A ConfigMap carries the
    jobs.yaml. Forbid covers one CronJob only: the database lock still guarantees that a job
    runs once at a time, across the cluster and any host crontab.

    Example:  riotjobs export k8s --image ghcr.io/acme/riotjobs:1.4 | kubectl apply -f -
    """
    from riotjobs.schedule.k8s import ExportOptions, manifests

    cfg = _common.settings()
    jobs = _common.jobs(cfg)
    enabled = {} if yaml_only else _enabled(cfg, jobs)
    opts = ExportOptions(image=image, namespace=namespace, secret=secret)
    typer.echo(manifests(jobs=jobs, enabled=enabled, opts=opts), nl=False)
    if jobs.broken:
        names = ", ".join(sorted(jobs.broken))
        output.error(
            f"warning: left out misconfigured job(s) {names[:200]}: `riotjobs check` says why"
        )


@export_app.command("healthchecks")
def export_healthchecks(
    tz: str = typer.Option(
        "UTC", "--tz", help="Time zone cron evaluates the schedules in (see `cron status`)."
    ),
    yaml_only: bool = typer.Option(
        False, "--yaml-only", help="Use jobs.yaml's enabled flags; do not read the database."
    ),
) -> None:
    """Print the healthchecks.io checks for the enabled jobs, as a JSON list.

    Each check has the job's name, its id as slug, its cron schedule and time zone, and a
    grace period of the job's timeout plus 60 s (a run pings /start, and one that has not
    ended within the grace is down). Post each to the management API (/api/v3/checks/); with
    "unique": ["slug"] posting again updates nothing twice. No ping URL is printed.

    Example:  riotjobs export healthchecks | jq -c '.[]'
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from riotjobs.errors import UsageError
    from riotjobs.schedule.healthchecks import checks

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {tz[:64]!r} for --tz, e.g. Europe/Berlin") from None
    cfg = _common.settings()
    jobs = _common.jobs(cfg)
    enabled = {} if yaml_only else _enabled(cfg, jobs)
    output.print_json(checks(jobs=jobs, enabled=enabled, tz=tz))
