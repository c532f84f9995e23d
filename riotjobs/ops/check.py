"""What `riotjobs check` verifies before a deployment: every problem that would make a later
run fail, collected in one pass so that an operator fixes them all at once.

Checked: the settings and the env file they come from, the Riot API key, the alert webhook URL,
jobs.yaml (every problem, with file and line: unknown keys and tasks, timeouts out of range,
schedules that never fire) and the database (reachable, schema exactly what this code needs).
Problems never quote a secret: the key, the webhook URL and the database password stay out.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from riotjobs.config import JobsConfig, load_jobs
from riotjobs.errors import ExitCode, RiotJobsError
from riotjobs.jobspec import TaskRegistry
from riotjobs.settings import DEFAULT_JOB_TIMEOUT, Settings, env_file, jobs_file, load_settings


@dataclass
class CheckReport:
    """The outcome of `riotjobs check`: problems (empty when all is well) and what was seen."""

    problems: list[str] = field(default_factory=list)
    env_file: str = ""
    jobs_file: str | None = None
    jobs: int = 0
    enabled: int = 0
    database: str | None = None
    # 78 whenever there is a problem, an unreachable database included: `check` answers "is
    # this deployment ready?", and a database it cannot reach is a setting to fix.
    exit_code: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "env_file": self.env_file,
            "jobs_file": self.jobs_file,
            "jobs": self.jobs,
            "enabled": self.enabled,
            "database": self.database,
            "exit_code": self.exit_code,
        }


def run_checks(*, registry: TaskRegistry, database: bool = True, cron: bool = False) -> CheckReport:
    """Check everything; never raises a riotjobs error, it becomes a problem instead."""
    report = CheckReport(env_file=str(env_file()))
    if os.environ.get("RIOTJOBS_ENV_FILE") and not Path(report.env_file).exists():
        report.problems.append(f"RIOTJOBS_ENV_FILE names {report.env_file}, which does not exist")
    settings = _attempt(report, load_settings)
    if settings is not None:
        _check_secrets(report, settings)
        path = settings.jobs_file()
    else:  # keep going with what the environment says, so jobs.yaml is still checked
        path = jobs_file(
            Path(os.environ["RIOTJOBS_CONFIG"]) if os.environ.get("RIOTJOBS_CONFIG") else None
        )
    timeout = settings.job_timeout if settings is not None else DEFAULT_JOB_TIMEOUT
    jobs = _attempt(report, lambda: load_jobs(path, registry=registry, default_timeout=timeout))
    report.jobs_file = str(path)
    if isinstance(jobs, JobsConfig):
        report.jobs = len(jobs.jobs)
        report.enabled = sum(1 for job in jobs.jobs.values() if job.spec.enabled)
        if settings is not None:
            _check_ping_settings(report, settings, jobs)
    if database and settings is not None:
        cfg = settings
        report.database = _attempt(report, lambda: _database(cfg))
    cron_lines = _attempt(report, lambda: cron_problems(always=cron))
    if cron_lines:
        _problem(report, *cron_lines)
    return report


def _attempt(report: CheckReport, step: Callable[[], Any]) -> Any:
    try:
        return step()
    except RiotJobsError as exc:
        _problem(report, *str(exc).splitlines())
        return None


def _problem(report: CheckReport, *lines: str) -> None:
    report.problems.extend(lines)
    if report.problems:
        report.exit_code = ExitCode.CONFIG


def _check_secrets(report: CheckReport, settings: Settings) -> None:
    key = settings.riot_api_key.get_secret_value().strip() if settings.riot_api_key else ""
    if not key:
        _problem(
            report,
            f"RIOT_API_KEY is not set: put it in {report.env_file} (mode 0600) or the environment",
        )
    hook = (
        settings.alert_webhook_url.get_secret_value().strip() if settings.alert_webhook_url else ""
    )
    if hook and not _parses(hook):
        _problem(
            report,
            "RIOTJOBS_ALERT_WEBHOOK_URL is not an http(s) URL with a host "
            "(not shown: it may hold a token)",
        )


def _check_ping_settings(report: CheckReport, settings: Settings, jobs: JobsConfig) -> None:
    """A RIOTJOBS_PING_URL_<JOB> that names no job is most likely a typo: its job pings the
    default URL, or nothing."""
    from riotjobs.settings import ping_setting

    known = {ping_setting(job_id) for job_id in jobs.jobs}
    for name in settings.job_ping_settings():
        if name not in known:
            _problem(report, f"{name} names no job of {jobs.path} (value not shown: a secret)")


def _parses(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and " " not in url


def _database(settings: Settings) -> str:
    from riotjobs.db.engine import masked, open_database

    engine, url = open_database(**settings.database(), application_name="riotjobs check")
    engine.dispose()
    return masked(url)


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
