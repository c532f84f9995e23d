"""Cron runs with the settings the operator tested with, or install-cron refuses.

The installed line is run the way cron runs it: the crontab's variable lines, then the command
through ``sh -c`` under ``env -i`` with cron's ``PATH=/usr/bin:/bin``, ``HOME``, ``LOGNAME`` and
``SHELL``. Before the fix the shell's RIOTJOBS_DATABASE_URL never reached that run.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from riotjobs.schedule import cron, cronenv, crontz
from tests.helpers import run_riotjobs

JOBS = """
jobs:
  hello:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 0}
"""


def _cron_run(tab: str, job: str) -> subprocess.CompletedProcess[str]:
    """Run ``job``'s line of a system crontab as cron would."""
    user = cron.current_user()
    home = pwd.getpwnam(user).pw_dir
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LOGNAME": user, "SHELL": "/bin/sh"}
    command = None
    for line in tab.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = stripped.split(None, 6)
        if "=" in fields[0] and not fields[0][0].isdigit() and fields[0][0] != "*":
            name, _, value = stripped.partition("=")
            env[name.strip()] = value.strip()
        elif stripped.endswith(f"# riotjobs:{job}"):
            width = 1 if stripped.startswith("@") else 5  # `@reboot` or five time fields
            fields = stripped.split(None, width + 1)
            assert fields[width] == user, "a system crontab line needs the user column"
            command = fields[width + 1].rsplit(" # riotjobs:", 1)[0].replace("\\%", "%")
    assert command is not None, tab
    return subprocess.run(
        ["env", "-i", *(f"{k}={v}" for k, v in env.items()), "/bin/sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=home,
    )


def test_installed_line_under_cron_environment_reaches_the_same_database(
    cli_env: dict[str, str], jobs_file: Any, tmp_path: Path, engine: Any
) -> None:
    env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(JOBS)), "RIOT_API_KEY": "RGAPI-test-key"}
    env_file = Path(env["RIOTJOBS_ENV_FILE"])
    path = tmp_path / "riotjobs.cron"

    refused = run_riotjobs("install-cron", "--file", str(path), env=env)
    assert refused.returncode == 78, refused.stderr
    assert "RIOTJOBS_DATABASE_URL" in refused.stderr and "--write-env-file" in refused.stderr
    assert "RGAPI-test-key" not in refused.stderr
    assert not path.exists()

    done = run_riotjobs("install-cron", "--file", str(path), "--write-env-file", env=env)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    tab = path.read_text()
    assert "RGAPI-test-key" not in tab and env["RIOTJOBS_DATABASE_URL"] not in tab

    ran = _cron_run(tab, "hello")
    assert ran.returncode == 0, ran.stderr
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT job_id, trigger, status FROM job_executions")).all()
    assert [tuple(r) for r in rows] == [("hello", "cron", "success")]

    status = run_riotjobs("cron", "status", "--file", str(path), "--json", env=env)
    assert status.returncode == 0, status.stderr
    assert '"environment_differences": []' in status.stdout


def test_the_reboot_line_catches_up_under_cron_environment(
    cli_env: dict[str, str], jobs_file: Any, tmp_path: Path, engine: Any
) -> None:
    # The job last ran ten minutes ago, so it missed its newest */2 tick: the @reboot line
    # catches it up.
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO job_executions (job_id, trigger, status, host, pid, timeout_s,"
                " started_at, finished_at, exit_code) VALUES ('hello', 'cron', 'success', 'h', 1,"
                " 60, now() - interval '10 minutes', now() - interval '10 minutes', 0)"
            )
        )
    jobs = JOBS + "    catch_up: {within: 6h}\n"
    env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(jobs))}
    path = tmp_path / "riotjobs.cron"
    done = run_riotjobs("install-cron", "--file", str(path), "--write-env-file", env=env)
    assert done.returncode == 0, done.stderr
    tab = path.read_text()
    reboot = [line for line in tab.splitlines() if line.startswith("@reboot ")]
    assert len(reboot) == 1 and reboot[0].endswith(" catch-up # riotjobs:@reboot"), tab
    ran = _cron_run(tab, "@reboot")
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "", "")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT job_id, trigger, status FROM job_executions WHERE host <> 'h'")
        ).all()
    assert [tuple(r) for r in rows] == [("hello", "catchup", "success")]
    # cron status takes the line for no job's entry: in sync, nothing stray.
    status = run_riotjobs("cron", "status", "--file", str(path), "--json", env=env)
    assert status.returncode == 0, status.stderr
    assert '"in_sync": true' in status.stdout and "stray" not in status.stdout


def test_cron_status_names_a_different_key_by_fingerprint_only(
    cli_env: dict[str, str], jobs_file: Any, tmp_path: Path
) -> None:
    env_file = Path(cli_env["RIOTJOBS_ENV_FILE"])
    env_file.write_text(
        f"RIOTJOBS_DATABASE_URL={cli_env['RIOTJOBS_DATABASE_URL']}\nRIOT_API_KEY=RGAPI-old\n"
    )
    env_file.chmod(0o600)
    env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(JOBS)), "RIOT_API_KEY": "RGAPI-new"}
    status = run_riotjobs("cron", "status", "--file", str(tmp_path / "tab"), env=env)
    assert status.returncode == 0, status.stderr
    assert "RIOT_API_KEY: this shell sha256:" in status.stdout
    assert "RGAPI-new" not in status.stdout and "RGAPI-old" not in status.stdout
    refused = run_riotjobs("install-cron", "--file", str(tmp_path / "tab"), env=env)
    assert refused.returncode == 78 and "RIOT_API_KEY (differs there)" in refused.stderr


def test_a_world_readable_env_file_is_refused(
    cli_env: dict[str, str], jobs_file: Any, tmp_path: Path
) -> None:
    env_file = Path(cli_env["RIOTJOBS_ENV_FILE"])
    env_file.write_text(f"RIOTJOBS_DATABASE_URL={cli_env['RIOTJOBS_DATABASE_URL']}\n")
    env_file.chmod(0o644)
    env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(JOBS))}
    result = run_riotjobs("install-cron", "--file", str(tmp_path / "tab"), env=env)
    assert result.returncode == 78 and f"chmod 600 {env_file}" in result.stderr


def test_write_env_file_keeps_other_lines_and_round_trips_quotes(tmp_path: Path) -> None:
    env_file = tmp_path / "env"
    env_file.write_text("# mine\nRIOTJOBS_PLATFORM=euw1\nOTHER=1\n")
    environ = {"RIOTJOBS_PLATFORM": "kr", "RIOT_API_KEY": "a'b\\c\"d $e"}
    assert cronenv.write_env_file(environ=environ, env_file=env_file) == [
        "RIOT_API_KEY",
        "RIOTJOBS_PLATFORM",
    ]
    stored = cronenv.read_env_file(env_file)
    assert stored["RIOT_API_KEY"] == environ["RIOT_API_KEY"] and stored["OTHER"] == "1"
    assert stored["RIOTJOBS_PLATFORM"] == "kr" and "# mine" in env_file.read_text()
    assert cronenv.gaps(environ=environ, env_file=env_file) == []


def test_embedded_database_elsewhere_puts_xdg_data_home_in_the_line(tmp_path: Path) -> None:
    env_file = tmp_path / "env"
    environ = {"HOME": "/home/x", "XDG_DATA_HOME": str(tmp_path / "data")}
    home = cronenv.embedded_data_home(environ=environ, env_file=env_file, cron_home="/home/x")
    assert home == str(tmp_path / "data")
    assert cronenv.embedded_data_home(environ={"HOME": "/home/x"}, env_file=env_file,
                                      cron_home="/home/x") is None  # fmt: skip
    with_url = {**environ, "RIOTJOBS_DATABASE_URL": "postgresql://h/db"}
    assert cronenv.embedded_data_home(environ=with_url, env_file=env_file, cron_home="/x") is None
    command = cron.Wanted(
        jobs={"hello": "* * * * *"}, riotjobs_bin="/bin/riotjobs", env_file=str(env_file),
        config="/etc/jobs.yaml", mailto="root", data_home=home, system_user="root",
    ).entries()[0].line  # fmt: skip
    assert f"* * * * * root RIOTJOBS_ENV_FILE={env_file} " in command
    assert f"XDG_DATA_HOME={home} /bin/riotjobs run hello" in command


def test_time_zone_note_when_the_daemon_ignores_cron_tz(monkeypatch: Any) -> None:
    monkeypatch.setattr(crontz, "host_zone", lambda: "Europe/Paris")
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    note = crontz.zone_note(schedules={"nightly": "0 3 * * *"}, daemon_names=["cron"], now=now)
    if note.honoured is None or note.honoured:
        assert not os.path.exists("/etc/debian_version")
        return
    assert note.applies and "ignores CRON_TZ" in note.describe()
    assert note.next_fire == {"nightly": "2026-12-03 02:00 UTC"}  # 03:00 Paris time
    utc = crontz.ZoneNote("Etc/UTC", False, {})
    assert not utc.applies


def test_check_reports_settings_cron_would_not_see(cli_env: dict[str, str], jobs_file: Any) -> None:
    env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(JOBS)), "RIOT_API_KEY": "RGAPI-shell"}
    result = run_riotjobs("check", "--cron", env=env)
    assert result.returncode == 78, result.stderr
    assert "cron would not see this shell's setting: RIOT_API_KEY" in result.stderr
    assert "RIOTJOBS_DATABASE_URL" in result.stderr and "RGAPI-shell" not in result.stderr
    assert run_riotjobs("install-cron", "--write-env-file", "--dry-run", "--file",
                        "/dev/null", env=env).returncode == 0  # fmt: skip
    Path(env["RIOTJOBS_ENV_FILE"]).write_text(
        f"RIOTJOBS_DATABASE_URL={env['RIOTJOBS_DATABASE_URL']}\nRIOT_API_KEY=RGAPI-shell\n"
    )
    Path(env["RIOTJOBS_ENV_FILE"]).chmod(0o600)
    fine = run_riotjobs("check", "--cron", env=env)
    assert fine.returncode == 0, fine.stderr
