"""Catch-up (acceptance 3 of issue 17), real Postgres and real `riotjobs` processes.

Time is steered through the records, not the clock: a schedule is built around the current
minute and the job's last run is inserted in the past, so "the host was down for three ticks"
takes no waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.helpers import run_riotjobs, spawn_riotjobs

JOB = """
jobs:
  nightly:
    schedule: "{schedule}"
    enabled: {enabled}
    timeout: 60
    tasks: [sleep]
    config: {{seconds: {seconds}}}
    catch_up: {{within: {within}}}
  reaper:
    schedule: "*/10 * * * *"
    tasks: [reap]
"""


def _fire(minutes_ago: int = 10) -> datetime:
    """A fire time a few minutes back (well past the grace), on a whole minute."""
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)


def _daily(fire: datetime) -> str:
    return f"{fire.minute} {fire.hour} * * *"


def _env(
    cli_env: dict[str, str],
    jobs_file: Callable[..., Path],
    schedule: str,
    *,
    within: str = "6h",
    seconds: float = 0,
    enabled: bool = True,
) -> dict[str, str]:
    yaml = JOB.format(schedule=schedule, within=within, seconds=seconds, enabled=str(enabled))
    return {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(yaml.lower()))}


def _ran_at(engine: Any, started: datetime, status: str = "success") -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO job_executions (job_id, trigger, status, host, pid, timeout_s,"
                " started_at, finished_at, exit_code)"
                " VALUES ('nightly', 'cron', :status, 'h', 1, 60, :at, :at, 0)"
            ),
            {"at": started, "status": status},
        )


def _runs(engine: Any) -> list[tuple[str, str]]:
    """(trigger, status) of the job's runs after the inserted ones, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT trigger, status FROM job_executions WHERE job_id = 'nightly'"
                " AND host <> 'h' ORDER BY id"
            )
        )
        return [(r.trigger, r.status) for r in rows]


def _catch_up(env: dict[str, str]) -> None:
    result = run_riotjobs("catch-up", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_one_missed_tick_gives_one_catch_up_run(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], engine: Any
) -> None:
    fire = _fire()
    _ran_at(engine, fire - timedelta(days=1) + timedelta(seconds=2))  # yesterday's run
    env = _env(cli_env, jobs_file, _daily(fire))
    dry = run_riotjobs("catch-up", "--dry-run", env=env)
    assert dry.stdout == f"nightly: missed its run at {fire:%Y-%m-%d %H:%M} UTC\n", dry.stderr
    assert _runs(engine) == []  # a dry run runs nothing
    _catch_up(env)
    assert _runs(engine) == [("catchup", "success")]
    _catch_up(env)  # the catch-up run is a run at/after the fire time: nothing more
    assert _runs(engine) == [("catchup", "success")]
    # `status` says the job was caught up, and when; the recent runs name the trigger.
    status = run_riotjobs("status", env=env)
    line = next(x for x in status.stdout.splitlines() if x.startswith("nightly "))
    assert "caught up " in line, status.stdout
    assert any(x.split()[1:4] == ["nightly", "success", "catchup"]
               for x in status.stdout.splitlines() if x.split()), status.stdout  # fmt: skip


def test_three_missed_ticks_give_one_catch_up_run(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], engine: Any
) -> None:
    fire = _fire()
    # Hourly: the runs of fire - 2h, fire - 1h and fire are missing.
    _ran_at(engine, fire - timedelta(hours=3) + timedelta(seconds=2))
    env = _env(cli_env, jobs_file, f"{fire.minute} * * * *")
    _catch_up(env)
    assert _runs(engine) == [("catchup", "success")]


def test_a_miss_older_than_within_gives_none(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], engine: Any
) -> None:
    fire = _fire(minutes_ago=120)
    _ran_at(engine, fire - timedelta(days=1) + timedelta(seconds=2))
    env = _env(cli_env, jobs_file, _daily(fire), within="1h")
    assert run_riotjobs("catch-up", "--dry-run", env=env).stdout == "nothing to catch up\n"
    _catch_up(env)
    # Even a run started by hand with the catchup trigger finds nothing to do.
    assert run_riotjobs("run", "nightly", "--trigger", "catchup", env=env).returncode == 0
    assert _runs(engine) == []


@pytest.mark.parametrize("status", ["skipped", "cancelled", "abandoned", "failed"])
def test_any_run_at_or_after_the_fire_time_counts(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], engine: Any, status: str
) -> None:
    fire = _fire()
    _ran_at(engine, fire + timedelta(seconds=1), status=status)
    _catch_up(_env(cli_env, jobs_file, _daily(fire)))
    assert _runs(engine) == []


def test_a_job_that_never_ran_is_not_caught_up(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], engine: Any
) -> None:
    _catch_up(_env(cli_env, jobs_file, _daily(_fire())))  # a fresh install is no missed run
    assert _runs(engine) == []


def test_a_disabled_job_never_catches_up(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], engine: Any
) -> None:
    fire = _fire()
    _ran_at(engine, fire - timedelta(days=1) + timedelta(seconds=2))
    env = _env(cli_env, jobs_file, _daily(fire), enabled=False)
    _catch_up(env)
    assert run_riotjobs("run", "nightly", "--trigger", "catchup", env=env).returncode == 0
    assert _runs(engine) == []


@pytest.mark.parametrize("command", [("catch-up",), ("run", "nightly", "--trigger", "catchup")])
def test_two_hosts_catching_up_at_once_give_one_run(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], engine: Any, command: tuple[str, ...]
) -> None:
    fire = _fire()
    _ran_at(engine, fire - timedelta(days=1) + timedelta(seconds=2))
    # The run lasts a second, so the second process meets the first one's lock or its row.
    env = _env(cli_env, jobs_file, _daily(fire), seconds=1)
    procs = [spawn_riotjobs(*command, env=env) for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert (proc.returncode, out, err) == (0, "", "")
    # One run, and the loser recorded nothing (no skipped row).
    assert _runs(engine) == [("catchup", "success")]


def test_the_reap_job_starts_the_catch_up(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], engine: Any
) -> None:
    fire = _fire()
    _ran_at(engine, fire - timedelta(days=1) + timedelta(seconds=2))
    env = _env(cli_env, jobs_file, _daily(fire))
    result = run_riotjobs("run", "reaper", "--trigger", "cron", env=env)
    assert result.returncode == 0, result.stderr
    # The reap job does not wait for the run it starts; poll its row (bounded, not timed).
    limit = time.monotonic() + 60
    while _runs(engine) != [("catchup", "success")] and time.monotonic() < limit:
        time.sleep(0.2)
    assert _runs(engine) == [("catchup", "success")]
