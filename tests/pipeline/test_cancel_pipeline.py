"""Acceptance of `riotjobs cancel`: a tracked-player update in flight against the sandbox stops
within 3 s, records ``cancelled`` (exit 130), and every match it committed is whole."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from riotjobs.sandbox import SandboxConfig
from tests.helpers import run_riotjobs, spawn_riotjobs
from tests.pipeline.sandboxed import assert_consistent, executions, rows, sandbox_env, scalar

pytestmark = pytest.mark.slow

JOB = "tracked_player_updater"


def _wait(predicate: Any, timeout: float, what: str) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _requested(engine: Engine, canceller: Any) -> bool:
    if canceller.poll() is not None:
        raise AssertionError(f"cancel exited {canceller.returncode}: {canceller.communicate()}")
    return bool(scalar(engine, "SELECT count(*) FROM job_cancel_requests"))


def test_cancel_stops_an_update_in_flight_and_keeps_what_it_committed(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    # Slow answers (2.5 s each, 16 at a time: about 30 s for the 200 matches) keep the update
    # busy with requests in flight while the cancel command starts.
    config = SandboxConfig(seed=13, players=100, clock_speed=0, latency_ms=2500, app_limit="2000:1")
    with sandbox_env(cli_env, tmp_path, config, max_new=100) as (sb, env):
        for player in sb.players(2):
            assert run_riotjobs("players", "track", player["riot_id"], env=env).returncode == 0
        proc = spawn_riotjobs("run", JOB, env=env)
        canceller = None
        try:
            _wait(
                lambda: scalar(engine, "SELECT count(*) FROM matches") >= 3,
                timeout=90,
                what="the update to store matches",
            )
            [running] = executions(engine, JOB)
            assert running.status == "running"
            canceller = spawn_riotjobs("cancel", JOB, "--reason", "acceptance", env=env)
            _wait(lambda: _requested(engine, canceller), timeout=60, what="the cancel request")
            stored = scalar(engine, "SELECT count(*) FROM matches")
            # The acceptance bound: the run has ended within 3 s of the request.
            _wait(
                lambda: executions(engine, JOB)[0].status != "running",
                timeout=3,
                what="the run to end",
            )
            assert proc.wait(timeout=30) == 130
            out, err = canceller.communicate(timeout=60)
            assert canceller.returncode == 0, err
        finally:
            for p in (proc, canceller):
                if p is not None and p.poll() is None:
                    p.kill()
                    p.communicate(timeout=15)
    [run] = executions(engine, JOB)
    assert (run.status, run.exit_code) == ("cancelled", 130)
    assert run.error.endswith(" UTC: acceptance")
    assert out == f"execution {run.id} of {JOB} (pid {proc.pid} on {run.host}): cancelled\n"
    kept = scalar(engine, "SELECT count(*) FROM matches")
    assert stored <= kept < 200  # it stopped early and lost nothing it had committed
    assert_consistent(engine)  # every stored match has all its participants, and players
    leftovers = rows(
        engine,
        "SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = :app",
        app=f"riotjobs exec {run.id}",
    )
    assert leftovers == []
