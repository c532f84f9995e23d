"""Fixtures for the runner tests: a jobs.yaml of test jobs and readers of job_executions."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

JOBS = """
defaults: {timeout: 30}
jobs:
  nap:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 0.2}
  long_nap:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 60}
  stuck_sleep:
    schedule: "*/2 * * * *"
    timeout: 3
    tasks: [sleep]
    config: {seconds: 60}
  stuck_sql:
    schedule: "*/2 * * * *"
    timeout: 3
    tasks: [sleep]
    config: {seconds: 60, in_database: true}
  db_nap:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 60, in_database: true}
  chatty:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 0, log_bytes: 400000}
  broken:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 0, result: error}
  some_failed:
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 0, result: partial}
  paused:
    schedule: "*/2 * * * *"
    enabled: false
    tasks: [sleep]
    config: {seconds: 0}
  housekeeping:
    schedule: "*/2 * * * *"
    tasks: [reap, cleanup]
"""


@pytest.fixture
def env(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """cli_env plus RIOTJOBS_CONFIG pointing at the test jobs (also set in this process)."""
    path = jobs_file(JOBS)
    monkeypatch.setenv("RIOTJOBS_CONFIG", str(path))
    return {**cli_env, "RIOTJOBS_CONFIG": str(path)}


def executions(engine: Any, job_id: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM job_executions"
    if job_id is not None:
        sql += " WHERE job_id = :job"
    with engine.connect() as conn:
        result = conn.execute(text(sql + " ORDER BY id"), {"job": job_id})
        return [dict(row._mapping) for row in result]


def wait_for(predicate: Callable[[], Any], timeout: float = 15, what: str = "condition") -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def running_row(engine: Any, job_id: str) -> dict[str, Any] | None:
    rows = [r for r in executions(engine, job_id) if r["status"] == "running"]
    return rows[-1] if rows else None
