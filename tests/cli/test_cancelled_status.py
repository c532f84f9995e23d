"""The ``cancelled`` status through every read command, human and ``--json``, and metrics: it is
shown, it neither fails a job nor counts against its success rate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.helpers import run_riotjobs
from tests.ops.test_status import JOBS_YAML, add_runs

CANCELLED_ERROR = "cancelled by alice on ops-1 (pid 77) at 2026-01-10 11:58:00 UTC: rehearsal"


@pytest.fixture
def env(cli_env: dict[str, str], jobs_file: Any, engine: Any) -> dict[str, str]:
    cli_env["RIOTJOBS_CONFIG"] = str(jobs_file(JOBS_YAML))
    now = datetime.now(UTC)
    add_runs(
        engine,
        [
            {"job": "beta", "status": "success", "ago": timedelta(minutes=30), "at": now},
            {
                "job": "beta",
                "status": "cancelled",
                "ago": timedelta(minutes=2),
                "at": now,
                "exit_code": 130,
                "error": CANCELLED_ERROR,
            },
        ],
    )
    return cli_env


def _run(*args: str, env: dict[str, str]) -> str:
    result = run_riotjobs(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _json(*args: str, env: dict[str, str]) -> Any:
    return json.loads(_run(*args, "--json", env=env))


def test_cancelled_runs_in_every_json_document(env: dict[str, str]) -> None:
    status = _json("status", env=env)
    assert status["summary"]["cancelled_24h"] == 1
    assert status["summary"]["failures_24h"] == 0
    assert status["summary"]["success_rate_24h"] == 1.0  # the cancelled run is left out
    assert status["problems"] == []
    beta = next(j for j in status["jobs"] if j["job"] == "beta")
    assert beta["last_run"]["status"] == "cancelled" and beta["state"] == "ok"
    assert status["recent"][0]["status"] == "cancelled"

    jobs = _json("jobs", env=env)
    assert next(j for j in jobs["jobs"] if j["job"] == "beta")["last_run"]["status"] == "cancelled"

    history = _json("history", "beta", "--status", "cancelled", env=env)
    [run] = history["executions"]
    assert (run["status"], run["exit_code"], run["error"]) == ("cancelled", 130, CANCELLED_ERROR)
    assert _json("show", str(run["id"]), env=env)["status"] == "cancelled"

    stats = _json("stats", env=env)
    beta_stats = next(s for s in stats["jobs"] if s["job"] == "beta")
    assert beta_stats["by_status"] == {"cancelled": 1, "success": 1}
    assert (beta_stats["cancelled"], beta_stats["failures"]) == (1, 0)
    assert beta_stats["success_rate"] == 1.0


def test_cancelled_runs_in_the_tables_and_metrics(env: dict[str, str]) -> None:
    assert "0 failed/timeout/abandoned, 0 skipped, 1 cancelled" in _run("status", env=env)
    assert "cancelled" in _run("history", "beta", env=env)
    assert "Cancel" in _run("stats", env=env)
    run_id = _json("history", "beta", "--status", "cancelled", env=env)["executions"][0]["id"]
    assert CANCELLED_ERROR in _run("show", str(run_id), env=env)
    metrics = _run("metrics", env=env)
    assert 'riotjobs_job_last_status{job="beta",status="cancelled"} 1' in metrics
    assert 'riotjobs_job_runs_24h{job="beta",status="cancelled"} 1' in metrics
    check = run_riotjobs("status", "--check", env=env)
    assert (check.returncode, check.stderr) == (0, "")
