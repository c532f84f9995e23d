"""`riotjobs run` as real processes against real Postgres: the run contract end to end."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from typing import Any

import pytest
from sqlalchemy import text

from tests.helpers import ROOT, run_riotjobs, spawn_riotjobs
from tests.runner.helpers import executions, running_row, wait_for

pytestmark = pytest.mark.slow


def test_successful_run_records_one_success_row_and_prints_nothing(
    env: dict[str, str], engine: Any
) -> None:
    result = run_riotjobs("run", "nap", "--trigger", "cron", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    [row] = executions(engine, "nap")
    assert row["status"] == "success"
    assert row["exit_code"] == 0
    assert row["trigger"] == "cron"
    assert row["duration_ms"] is not None and row["duration_ms"] >= 200
    assert row["finished_at"] >= row["started_at"]
    assert row["host"] == socket.gethostname()
    assert row["pid"] > 0 and row["timeout_s"] == 30
    assert row["error"] is None
    assert "task sleep finished: success" in row["log"]


def test_concurrent_run_is_skipped_within_2s_naming_the_holder(
    env: dict[str, str], engine: Any
) -> None:
    first = spawn_riotjobs("run", "long_nap", env=env)
    try:
        holder = wait_for(lambda: running_row(engine, "long_nap"), what="first run's row")
        started = time.monotonic()
        second = run_riotjobs("run", "long_nap", env=env, timeout=30)
        elapsed = time.monotonic() - started
        assert second.returncode == 75, second.stderr
        assert elapsed < 2.0
        assert (second.stdout, second.stderr) == ("", "")
        skipped = [r for r in executions(engine, "long_nap") if r["status"] == "skipped"]
        assert len(skipped) == 1
        assert skipped[0]["exit_code"] == 75
        error = skipped[0]["error"]
        assert f"pid {first.pid}" in error and socket.gethostname() in error
        assert f"execution {holder['id']}" in error
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=15)


def test_concurrent_short_runs_one_succeeds_one_skips(env: dict[str, str], engine: Any) -> None:
    env = {**env}
    run_riotjobs("jobs", "set", "long_nap", "seconds=3", env=env)
    first = spawn_riotjobs("run", "long_nap", env=env)
    wait_for(lambda: running_row(engine, "long_nap"), what="first run's row")
    second = run_riotjobs("run", "long_nap", env=env)
    assert first.wait(timeout=30) == 0
    assert second.returncode == 75
    statuses = sorted(r["status"] for r in executions(engine, "long_nap"))
    assert statuses == ["skipped", "success"]


def test_kill_9_frees_the_lock_and_the_next_run_abandons_the_row(
    env: dict[str, str], engine: Any
) -> None:
    victim = spawn_riotjobs("run", "long_nap", env=env)
    old = wait_for(lambda: running_row(engine, "long_nap"), what="victim's row")
    victim.kill()
    victim.wait(timeout=10)
    started = time.monotonic()
    follower = spawn_riotjobs("run", "long_nap", env=env)
    try:
        new = wait_for(
            lambda: next((r for r in executions(engine, "long_nap") if r["id"] != old["id"]), None),
            what="the next run's row",
        )
        assert time.monotonic() - started < 5
        assert new["status"] == "running"  # it was not skipped: the lock died with the victim
        [reaped] = [r for r in executions(engine, "long_nap") if r["id"] == old["id"]]
        assert reaped["status"] == "abandoned"
        assert f"process {victim.pid} on {socket.gethostname()} died" in reaped["error"]
        assert "riotjobs run long_nap" in reaped["error"]
    finally:
        follower.send_signal(signal.SIGTERM)
        follower.communicate(timeout=15)


@pytest.mark.parametrize("job", ["stuck_sleep", "stuck_sql"])
def test_timeout_ends_the_run_with_124_and_rolls_back(
    env: dict[str, str], engine: Any, job: str
) -> None:
    started = time.monotonic()
    result = run_riotjobs("run", job, env=env, timeout=30)
    elapsed = time.monotonic() - started
    assert result.returncode == 124, result.stderr
    assert elapsed < 8
    [row] = executions(engine, job)
    assert row["status"] == "timeout" and row["exit_code"] == 124
    assert row["error"] == "timed out after 3 s"
    assert f"job {job} timed out (execution {row['id']}" in result.stderr
    # One line, the details command folded in: what cron mails.
    assert result.stderr.splitlines() == [
        f"riotjobs: job {job} timed out (execution {row['id']}, exit 124): timed out after 3 s "
        f"(details: riotjobs show {row['id']})"
    ]
    with engine.connect() as conn:
        left = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = :app AND datname = current_database()"
            ),
            {"app": f"riotjobs exec {row['id']}"},
        ).scalar()
    assert left == 0
    if job == "stuck_sql":
        assert "terminated 1 backend(s)" in row["log"]


def test_sigterm_records_failed_with_the_signal_and_exits_143(
    env: dict[str, str], engine: Any
) -> None:
    proc = spawn_riotjobs("run", "long_nap", env=env)
    wait_for(lambda: running_row(engine, "long_nap"), what="the run's row")
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 143
    [row] = executions(engine, "long_nap")
    assert row["status"] == "failed" and row["exit_code"] == 143
    assert row["error"] == "interrupted by SIGTERM"
    assert "interrupted by SIGTERM" in stderr


def test_sigint_exits_130(env: dict[str, str], engine: Any) -> None:
    proc = spawn_riotjobs("run", "db_nap", env=env)
    wait_for(lambda: running_row(engine, "db_nap"), what="the run's row")
    time.sleep(0.3)  # let it enter pg_sleep
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=10)
    assert proc.returncode == 130
    [row] = executions(engine, "db_nap")
    assert (row["status"], row["error"]) == ("failed", "interrupted by SIGINT")


def _terminate_riotjobs_backends(engine: Any) -> int:
    """Cut every connection of the spawned riotjobs (lock, run engine): the database is 'lost'."""
    with engine.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND application_name LIKE 'riotjobs %' AND application_name <> 'riotjobs tests'"
            )
        ).scalar()
    return int(killed or 0)


@pytest.mark.parametrize("job", ["db_nap", "long_nap"])
def test_losing_the_database_exits_69_and_the_next_command_reaps(
    env: dict[str, str], engine: Any, job: str
) -> None:
    proc = spawn_riotjobs("run", job, env=env)
    row = wait_for(lambda: running_row(engine, job), what="the run's row")
    time.sleep(0.3)
    assert _terminate_riotjobs_backends(engine) >= 1
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 69, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "lost the database connection" in lines[0], stderr
    assert "Traceback" not in stderr
    [still] = executions(engine, job)
    assert still["status"] == "running"  # nobody could write it
    run_riotjobs("jobs", "set", job, "seconds=0", env=env)
    nxt = run_riotjobs("run", job, env=env)
    assert nxt.returncode == 0, nxt.stderr
    rows = {r["id"]: r for r in executions(engine, job)}
    assert rows[row["id"]]["status"] == "abandoned"
    assert not [r for r in rows.values() if r["status"] == "running"]


def test_log_larger_than_256k_is_stored_as_its_tail_with_a_marker(
    env: dict[str, str], engine: Any
) -> None:
    result = run_riotjobs("run", "chatty", env=env)
    assert result.returncode == 0, result.stderr
    [row] = executions(engine, "chatty")
    log = row["log"]
    assert len(log.encode()) <= 256 * 1024
    assert len(log.encode()) > 250 * 1024
    first = log.splitlines()[0]
    assert first.startswith("[... ") and first.endswith(" bytes cut ...]")
    assert int(first.split()[1]) > 100_000
    assert log.rstrip("\n").endswith(f"run {row['id']} of chatty ended: success")
    assert "run 1 of chatty started" not in log  # the head was cut


def test_disabled_job_exits_0_and_records_nothing(env: dict[str, str], engine: Any) -> None:
    result = run_riotjobs("run", "paused", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert executions(engine) == []


def test_verbose_streams_the_log_to_stderr(env: dict[str, str], engine: Any) -> None:
    result = run_riotjobs("run", "nap", "-v", env=env)
    assert result.returncode == 0
    assert result.stdout == ""
    assert "INFO riotjobs.runner: task sleep started" in result.stderr
    assert "INFO riotjobs.task.sleep: sleeping 0.2 s" in result.stderr
    assert "ended: success" in result.stderr


def test_failed_run_prints_a_summary_and_keeps_the_traceback_in_the_log(
    env: dict[str, str], engine: Any
) -> None:
    result = run_riotjobs("run", "broken", env=env)
    assert result.returncode == 1
    [row] = executions(engine, "broken")
    assert row["status"] == "failed" and row["exit_code"] == 1
    assert row["error"] == "task sleep: RehearsedFailure: rehearsed failure (sleep result: error)"
    assert result.stdout == ""
    assert f"job broken failed (execution {row['id']}, exit 1)" in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("riotjobs: ") and line.endswith(f"(details: riotjobs show {row['id']})")
    assert "Traceback" not in result.stderr
    assert "Traceback (most recent call last)" in row["log"]


def test_partial_run_exits_3_silently(env: dict[str, str], engine: Any) -> None:
    result = run_riotjobs("run", "some_failed", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (3, "", "")
    [row] = executions(engine, "some_failed")
    assert row["status"] == "partial" and row["exit_code"] == 3
    assert "1 item(s) failed" in row["error"]


STUBBORN = (
    "import sys; from riotjobs.tasks.registry import TASKS; "
    "TASKS['stubborn'] = 'tests.runner.stubborn'; "
    "from riotjobs.cli import main; sys.argv = ['riotjobs', 'run', 'stuck']; main()"
)


def test_watchdog_records_and_exits_when_the_task_will_not_unwind(
    env: dict[str, str], engine: Any, jobs_file: Any
) -> None:
    path = jobs_file(
        "jobs:\n  stuck:\n    schedule: '* * * * *'\n    timeout: 6\n    tasks: [stubborn]\n",
        name="stubborn.yaml",
    )
    env = {**env, "RIOTJOBS_CONFIG": str(path), "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    proc = spawn_python(STUBBORN, env)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 124, stderr
    # The timeout counts from process start (6 s leaves a loaded machine time to reach the
    # task); the run may take 5 s more.
    assert time.monotonic() - started < 6 + 5
    [row] = executions(engine, "stuck")
    assert row["status"] == "timeout" and row["exit_code"] == 124
    assert "did not stop within" in row["log"]
    assert "job stuck timed out" in stderr


def spawn_python(code: str, env: dict[str, str]) -> Any:
    import subprocess

    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        cwd=os.fspath(ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
