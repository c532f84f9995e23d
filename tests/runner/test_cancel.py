"""`riotjobs cancel` against real `riotjobs run` processes: a willing run, a frozen one, --all."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, run_riotjobs, spawn_riotjobs
from tests.runner.helpers import executions, running_row, wait_for

pytestmark = pytest.mark.slow

THREE = """
defaults: {timeout: 60}
jobs:
  one: {schedule: "*/2 * * * *", tasks: [sleep], config: {seconds: 50}}
  two: {schedule: "*/2 * * * *", tasks: [sleep], config: {seconds: 50, in_database: true}}
  three: {schedule: "*/2 * * * *", tasks: [sleep], config: {seconds: 50}}
"""
FROZEN_JOBS = 'jobs:\n  frozen: {schedule: "*/2 * * * *", timeout: 60, tasks: [frozen]}\n'


FROZEN = (
    "import sys; from riotjobs.tasks.registry import TASKS; "
    "TASKS['frozen'] = 'tests.runner.frozen'; "
    "from riotjobs.cli import main; sys.argv = ['riotjobs', 'run', 'frozen']; main()"
)


@pytest.fixture
def three(cli_env: dict[str, str], jobs_file: Any) -> dict[str, str]:
    return {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(THREE, name="three.yaml"))}


def _stop(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=15)


def test_cancel_job_stops_the_run_records_cancelled_and_exits_130(
    env: dict[str, str], engine: Any
) -> None:
    proc = spawn_riotjobs("run", "long_nap", env=env)
    try:
        row = wait_for(lambda: running_row(engine, "long_nap"), what="the run's row")
        result = run_riotjobs("cancel", "long_nap", "--reason", "rehearsal", env=env, timeout=30)
        assert result.returncode == 0, result.stderr
        _, stderr = proc.communicate(timeout=10)
    finally:
        _stop(proc)
    assert proc.returncode == 130, stderr
    assert result.stdout.splitlines() == [
        f"execution {row['id']} of long_nap (pid {proc.pid} on {socket.gethostname()}): cancelled"
    ]
    [done] = executions(engine, "long_nap")
    assert (done["status"], done["exit_code"]) == ("cancelled", 130)
    assert done["error"].startswith(
        f"cancelled by {getpass.getuser()} on {socket.gethostname()} (pid "
    )
    assert done["error"].endswith(" UTC: rehearsal")
    assert "stopping the run: cancelled by" in done["log"]
    assert f"job long_nap cancelled (execution {row['id']}, exit 130)" in stderr


def test_a_frozen_run_has_its_sessions_ended_and_its_row_finalized(
    three: dict[str, str], engine: Any, tmp_path: Path, jobs_file: Any
) -> None:
    mark = tmp_path / "frozen"
    env = {**three, "PYTHONPATH": str(ROOT), "RIOTJOBS_TEST_FROZEN": str(mark)}
    env["RIOTJOBS_CONFIG"] = str(jobs_file(FROZEN_JOBS, name="frozen.yaml"))
    proc = subprocess.Popen(
        [sys.executable, "-c", FROZEN], env=env, cwd=os.fspath(ROOT),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    canceller = None
    try:
        row = wait_for(lambda: running_row(engine, "frozen"), what="the run's row")
        wait_for(mark.exists, what="the task to freeze")
        canceller = spawn_riotjobs("cancel", str(row["id"]), env=three)
        wait_for(lambda: _requested(engine, row["id"]), timeout=60, what="the cancel request")
        # The acceptance bound: 10 s without an answer, then 5 s to end it.
        done = wait_for(
            lambda: _ended(engine, "frozen"), timeout=10 + 5, what="the row to be finalized"
        )
        out, err = canceller.communicate(timeout=30)
        assert canceller.returncode == 0, err
        assert proc.poll() is None  # still frozen: only its sessions were ended
    finally:
        _stop(proc, *([canceller] if canceller else []))
    assert (done["status"], done["exit_code"]) == ("cancelled", 130)
    assert done["error"].endswith(
        "no reason given; the run gave no answer within 10 s, so its 2 database session(s)"
        " were terminated"
    )
    assert out.endswith(": cancelled (no answer within 10 s: ended its 2 database session(s))\n")
    with engine.connect() as conn:
        from sqlalchemy import text

        free = conn.execute(
            text("SELECT pg_try_advisory_lock(hashtext('riotjobs'), hashtext('frozen'))")
        ).scalar()
        stored = conn.execute(text("SELECT count(*) FROM players")).scalar()
    assert free is True  # the lock is free
    assert stored == 0  # the open transaction was rolled back


def _requested(engine: Any, execution_id: int) -> bool:
    from sqlalchemy import text

    with engine.connect() as conn:
        return bool(
            conn.execute(
                text("SELECT count(*) FROM job_cancel_requests WHERE execution_id = :i"),
                {"i": execution_id},
            ).scalar()
        )


def _ended(engine: Any, job_id: str) -> dict[str, Any] | None:
    rows = [r for r in executions(engine, job_id) if r["status"] != "running"]
    return rows[-1] if rows else None


def test_cancel_all_ends_every_running_run(three: dict[str, str], engine: Any) -> None:
    procs = [spawn_riotjobs("run", job, env=three) for job in ("one", "two", "three")]
    try:
        for job in ("one", "two", "three"):
            wait_for(lambda job=job: running_row(engine, job), what=f"{job}'s row")
        result = run_riotjobs("cancel", "--all", env=three, timeout=30)
        assert result.returncode == 0, result.stderr
        assert [p.wait(timeout=10) for p in procs] == [130, 130, 130]
    finally:
        _stop(*procs)
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all(line.endswith(": cancelled") for line in lines), lines
    statuses = {r["job_id"]: r["status"] for r in executions(engine)}
    assert statuses == {"one": "cancelled", "two": "cancelled", "three": "cancelled"}


def test_cancel_of_a_finished_run_says_so_and_exits_0(env: dict[str, str], engine: Any) -> None:
    assert run_riotjobs("run", "nap", env=env).returncode == 0
    [row] = executions(engine, "nap")
    by_id = run_riotjobs("cancel", str(row["id"]), env=env)
    assert (by_id.returncode, by_id.stdout) == (
        0,
        f"execution {row['id']} of nap already ended: success\n",
    )
    by_job = run_riotjobs("cancel", "nap", env=env)
    assert (by_job.returncode, by_job.stdout) == (0, "job nap: no run is running\n")
    nothing = run_riotjobs("cancel", "--all", env=env)
    assert (nothing.returncode, nothing.stdout) == (0, "no run is running\n")
    [still] = executions(engine, "nap")
    assert still["status"] == "success"


def test_cancel_usage_errors_exit_2(env: dict[str, str], engine: Any) -> None:
    for args in (("cancel",), ("cancel", "nap", "--all"), ("cancel", "999"), ("cancel", "nope")):
        result = run_riotjobs(*args, env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("riotjobs: "), result.stderr


def test_no_wait_returns_at_once_and_the_run_still_stops(env: dict[str, str], engine: Any) -> None:
    proc = spawn_riotjobs("run", "db_nap", env=env)
    try:
        row = wait_for(lambda: running_row(engine, "db_nap"), what="the run's row")
        result = run_riotjobs("cancel", "db_nap", "--no-wait", env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.endswith(": cancel requested\n")
        assert proc.wait(timeout=10) == 130
    finally:
        _stop(proc)
    [done] = executions(engine, "db_nap")
    assert done["id"] == row["id"] and done["status"] == "cancelled"
