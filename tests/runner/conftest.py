"""Fixtures for the runner tests: a jobs.yaml of test jobs (helpers are in ``helpers.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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
def jobs_env(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], dict[str, str]]:
    """cli_env plus RIOTJOBS_CONFIG pointing at a jobs.yaml of the given text (also set in this
    process)."""

    def make(jobs: str) -> dict[str, str]:
        path = jobs_file(jobs)
        monkeypatch.setenv("RIOTJOBS_CONFIG", str(path))
        return {**cli_env, "RIOTJOBS_CONFIG": str(path)}

    return make


@pytest.fixture
def env(jobs_env: Callable[[str], dict[str, str]]) -> dict[str, str]:
    """The environment of the runner tests' jobs (``JOBS``)."""
    return jobs_env(JOBS)
