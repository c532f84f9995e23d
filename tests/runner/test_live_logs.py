"""Live logs (issue 16, acceptance 1): a real run in a subprocess, followed by `show --follow`
and `logs --follow` in another; every line arrives within about 3 s, the follower exits with
the run's code, and a run killed with kill -9 is reported abandoned once its lock is gone."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from calendar import timegm
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_riotjobs, spawn_riotjobs
from tests.runner.helpers import executions, running_row, wait_for

pytestmark = pytest.mark.slow

JOBS = """
defaults: {timeout: 60}
jobs:
  steps:
    schedule: "*/2 * * * *"
    tasks: [sleep, sleep, sleep, sleep]
    config: {seconds: 2.0}
  failing_steps:
    schedule: "*/2 * * * *"
    tasks: [sleep, sleep]
    config: {seconds: 1.0, result: error}
  long_nap:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 60}
"""
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) ")


@pytest.fixture
def env(jobs_env: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return jobs_env(JOBS)


class Reader:
    """Collects a process's stdout lines with the wall-clock time each arrived."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[tuple[float, str]] = []
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append((time.time(), line.rstrip("\n")))

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def join(self) -> None:
        self._thread.join(timeout=10)


def _lag(arrived: float, line: str) -> float | None:
    found = _STAMP.match(line)
    if found is None:
        return None
    return arrived - timegm(time.strptime(found[1], "%Y-%m-%dT%H:%M:%SZ"))


def _follow(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], Reader]:
    proc = spawn_riotjobs(*args, env=env)
    return proc, Reader(proc)


def test_show_follow_streams_every_line_within_3s_and_exits_with_the_runs_code(
    env: dict[str, str], engine: Any
) -> None:
    run = spawn_riotjobs("run", "steps", env=env)
    row = wait_for(lambda: running_row(engine, "steps"), what="the run's row")
    follower, reader = _follow(env, "show", str(row["id"]), "--follow")
    assert run.wait(timeout=60) == 0
    assert follower.wait(timeout=30) == 0
    reader.join()
    lines = [line for _, line in reader.lines]
    logged = [line for line in lines if _STAMP.match(line)]
    # Every line of the stored log was printed, once and in order.
    [stored] = executions(engine, "steps")
    assert logged == stored["log"].splitlines()
    assert sum("task sleep finished" in line for line in logged) == 4
    # Lines logged once the follower was printing arrived within 3 s of being logged; the
    # stamps have whole seconds, hence the extra second of the bound.
    first = reader.lines[0][0]
    lags = [
        lag
        for arrived, line in reader.lines
        if (lag := _lag(arrived, line)) is not None and arrived - lag >= first
    ]
    assert len(lags) >= 3 and max(lags) < 4.0, lags
    assert lines[-1].startswith(f"riotjobs: execution {row['id']} of steps ended: success")
    assert lines[-1].endswith("(exit 0)")


def test_logs_follow_waits_for_the_next_run_and_exits_with_its_failure_code(
    env: dict[str, str], engine: Any
) -> None:
    follower, reader = _follow(env, "logs", "failing_steps", "--follow")
    assert follower.stderr is not None
    waiting = follower.stderr.readline()
    assert "not running; waiting for its next run" in waiting
    run = run_riotjobs("run", "failing_steps", env=env)
    assert run.returncode == 1
    assert follower.wait(timeout=30) == 1
    reader.join()
    text = reader.text()
    assert "task sleep failed" in text
    assert "ended: failed" in reader.lines[-1][1] and "(exit 1)" in reader.lines[-1][1]


def test_kill_9_leaves_the_flushed_lines_and_the_follower_reports_abandoned(
    env: dict[str, str], engine: Any
) -> None:
    victim = spawn_riotjobs("run", "long_nap", env=env)
    row = wait_for(lambda: running_row(engine, "long_nap"), what="the run's row")
    follower, reader = _follow(env, "show", str(row["id"]), "--follow")
    wait_for(lambda: "sleeping 60.0 s" in reader.text(), what="the follower's first lines")
    victim.kill()
    victim.wait(timeout=10)
    # The follower notices within its quiet-poll (3 s); generous bound against a hang.
    assert follower.wait(timeout=20) == 1
    reader.join()
    assert f"execution {row['id']} of long_nap ended: abandoned" in reader.lines[-1][1]
    [stored] = executions(engine, "long_nap")
    assert stored["status"] == "abandoned"
    assert "sleeping 60.0 s" in stored["log"]  # flushed before the kill


def test_ctrl_c_stops_following_and_leaves_the_run_alone(env: dict[str, str], engine: Any) -> None:
    run = spawn_riotjobs("run", "long_nap", env=env)
    try:
        row = wait_for(lambda: running_row(engine, "long_nap"), what="the run's row")
        follower, reader = _follow(env, "logs", "long_nap", "-f")  # SIGINT: see conftest
        wait_for(lambda: "sleeping 60.0 s" in reader.text(), what="the follower's first lines")
        follower.send_signal(signal.SIGINT)
        try:
            code = follower.wait(timeout=30)  # a bound against a hang, not a timing
        except subprocess.TimeoutExpired:
            # Say where it stands (signals blocked, ignored or caught; its state) before failing.
            status = Path(f"/proc/{follower.pid}/status")
            facts = [
                line
                for line in (status.read_text().splitlines() if status.exists() else [])
                if line.startswith(("State", "Sig", "Shd"))
            ]
            follower.kill()
            pytest.fail(f"`logs -f` still running 30 s after SIGINT: {facts}")
        assert code == 130
        assert follower.stderr is not None
        assert "stopped following; the run goes on" in follower.stderr.read()
        assert run.poll() is None
        assert running_row(engine, "long_nap")["id"] == row["id"]
    finally:
        run.send_signal(signal.SIGTERM)
        run.communicate(timeout=15)


def test_logs_without_follow_prints_the_latest_run_once(env: dict[str, str], engine: Any) -> None:
    import json

    assert run_riotjobs("logs", "steps", env=env).stderr == "riotjobs: job steps has no runs yet\n"
    assert run_riotjobs("run", "failing_steps", env=env).returncode == 1
    shown = run_riotjobs("logs", "failing_steps", env=env)
    [row] = executions(engine, "failing_steps")
    assert shown.returncode == 0
    assert shown.stdout.startswith(row["log"])
    last = shown.stdout.splitlines()[-1]
    assert last.startswith(f"riotjobs: execution {row['id']} of failing_steps ended: failed")
    assert "(exit 1)" in last
    document = json.loads(run_riotjobs("logs", "failing_steps", "--json", env=env).stdout)
    assert (document["id"], document["log"]) == (row["id"], row["log"])
    both = run_riotjobs("logs", "failing_steps", "--follow", "--json", env=env)
    assert both.returncode == 2 and "cannot be combined" in both.stderr
