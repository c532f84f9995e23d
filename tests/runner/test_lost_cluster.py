"""Database faults on a real throwaway cluster: the test stops the server mid-run.

The run must end within timeout + 5 s with one `riotjobs:` line and exit 69, and nothing is
lost: its row is still there once the server is back, and the next command marks it abandoned.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from riotjobs.db import migrate
from riotjobs.db.engine import create_engine, to_sqlalchemy
from tests.helpers import run_riotjobs, spawn_riotjobs
from tests.runner.helpers import executions, running_row, wait_for
from tests.runner.throwaway import cluster

pytestmark = pytest.mark.slow

TIMEOUT = 20
JOBS = f"""
jobs:
  long:
    schedule: "*/2 * * * *"
    timeout: {TIMEOUT}
    tasks: [sleep]
    config: {{seconds: 60}}
  short:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {{seconds: 0}}
"""


def test_stopping_the_server_mid_run_ends_it_in_time_and_loses_nothing(
    cli_env: dict[str, str], jobs_file: Any, tmp_path: Path
) -> None:
    with cluster() as db:
        url = to_sqlalchemy(db.url)
        engine = create_engine(url)
        try:
            migrate.upgrade(engine)
            env = {**cli_env, "RIOTJOBS_DATABASE_URL": url,
                   "RIOTJOBS_CONFIG": str(jobs_file(JOBS, name="lost.yaml"))}  # fmt: skip
            proc = spawn_riotjobs("run", "long", env=env)
            try:
                row = wait_for(lambda: running_row(engine, "long"), what="the run's row")
                engine.dispose()
                db.stop("fast")
                try:
                    _, stderr = proc.communicate(timeout=TIMEOUT + 5)
                except subprocess.TimeoutExpired:
                    pytest.fail("the run outlived its timeout + 5 s with the database gone")
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            assert proc.returncode == 69, stderr
            lines = stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("riotjobs: "), stderr
            assert "Traceback" not in stderr
            db.start()
            [still] = executions(engine, "long")
            assert (still["id"], still["status"]) == (row["id"], "running")
            nxt = run_riotjobs("run", "long", env={**env, "RIOTJOBS_JOB_TIMEOUT": "5"},
                               timeout=60)  # fmt: skip
            assert nxt.returncode in (0, 124), nxt.stderr
            rows = {r["id"]: r for r in executions(engine, "long")}
            assert rows[row["id"]]["status"] == "abandoned"
        finally:
            engine.dispose()


def test_losing_the_server_while_waiting_for_rate_limit_slots_says_so(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Before the fix the run exited 69 with nothing on stderr."""
    from riotjobs.sandbox import SandboxConfig
    from tests.pipeline.sandboxed import sandbox_env

    config = SandboxConfig(seed=5, players=20, clock_speed=0, app_limit="1:60")
    with (
        cluster() as db,
        sandbox_env(cli_env, tmp_path, config, tracked_timeout=TIMEOUT) as (
            sb,
            env,
        ),
    ):
        url = to_sqlalchemy(db.url)
        engine = create_engine(url)
        try:
            migrate.upgrade(engine)
            env = {**env, "RIOTJOBS_DATABASE_URL": url, "RIOTJOBS_RIOT_APP_LIMITS": "1:60"}
            # Tracking takes the window's only slot: the run then waits for the next one.
            [player] = sb.players(1)
            tracked = run_riotjobs("players", "track", player["puuid"], env=env)
            assert tracked.returncode == 0, tracked.stderr
            proc = spawn_riotjobs("run", "tracked_player_updater", env=env)
            try:
                wait_for(lambda: running_row(engine, "tracked_player_updater"), what="the row")
                time.sleep(1)  # let it reach the limiter's wait
                engine.dispose()
                db.stop("fast")
                try:
                    _, stderr = proc.communicate(timeout=TIMEOUT + 5)
                except subprocess.TimeoutExpired:
                    pytest.fail("the run outlived its timeout + 5 s with the database gone")
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        finally:
            engine.dispose()
    assert proc.returncode == 69, stderr
    ours = [line for line in stderr.splitlines() if line.startswith("riotjobs: ")]
    assert len(ours) == 1, stderr
    assert "Traceback" not in stderr
