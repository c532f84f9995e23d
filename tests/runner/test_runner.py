"""The runner in-process: the failure rules of a run, counters, job state and orphan reaping."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from riotjobs.config import load_jobs_for
from riotjobs.errors import ConfigError
from riotjobs.runner import run_job
from riotjobs.runs.orphans import reap_orphans
from riotjobs.settings import load_settings
from riotjobs.tasks import registry
from riotjobs.tasks.registry import REGISTRY
from tests.runner.helpers import executions

JOBS = """
jobs:
  pipeline:
    schedule: "*/2 * * * *"
    tasks: [fake, sleep]
    config: {seconds: 0}
"""


@pytest.fixture
def pipeline(
    cli_env: dict[str, str],
    jobs_file: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    monkeypatch.setitem(registry.TASKS, "fake", "tests.runner.fake_tasks")
    monkeypatch.setenv("RIOTJOBS_CONFIG", str(jobs_file(JOBS)))
    settings = load_settings()
    return settings, load_jobs_for(settings, registry=REGISTRY).get("pipeline")


def _set_mode(engine: Any, mode: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO job_configurations (job_id, overrides)"
                " VALUES ('pipeline', CAST(:o AS jsonb))"
            ),
            {"o": f'{{"mode": "{mode}"}}'},
        )


def test_counters_of_all_tasks_are_recorded(pipeline: Any, engine: Any) -> None:
    settings, job = pipeline
    result = run_job(settings=settings, job=job, trigger="cron")
    assert (result.status, result.exit_code) == ("success", 0)
    [row] = executions(engine)
    assert row["id"] == result.execution_id
    assert (row["players_processed"], row["records_created"]) == (3, 2)
    assert "task fake finished" in row["log"] and "task sleep finished" in row["log"]


def test_rate_limit_budget_ends_the_task_as_partial_and_the_job_goes_on(
    pipeline: Any, engine: Any
) -> None:
    settings, job = pipeline
    _set_mode(engine, "budget")
    result = run_job(settings=settings, job=job)
    assert (result.status, result.exit_code) == ("partial", 3)
    [row] = executions(engine)
    assert row["status"] == "partial"
    assert "task fake stopped early: no request slot" in row["error"]
    assert "task sleep finished: success" in row["log"]  # the next task ran


def test_invalid_key_fails_the_job_with_its_message(pipeline: Any, engine: Any) -> None:
    settings, job = pipeline
    _set_mode(engine, "invalid_key")
    result = run_job(settings=settings, job=job)
    assert (result.status, result.exit_code) == ("failed", 1)
    [row] = executions(engine)
    assert row["error"].startswith("task fake: Riot API rejected the key (401)")
    assert "task sleep started" not in row["log"]  # the job stopped


def test_unreachable_api_fails_with_69(pipeline: Any, engine: Any) -> None:
    settings, job = pipeline
    _set_mode(engine, "unreachable")
    result = run_job(settings=settings, job=job)
    assert (result.status, result.exit_code) == ("failed", 69)


def test_database_error_rolls_back_and_fails_with_one_line(pipeline: Any, engine: Any) -> None:
    settings, job = pipeline
    _set_mode(engine, "db_error")
    result = run_job(settings=settings, job=job)
    assert (result.status, result.exit_code) == ("failed", 1)
    [row] = executions(engine)
    assert row["error"].startswith("task fake: ProgrammingError: ")
    assert "no_such_table" in row["error"] and "\n" not in row["error"]
    assert "Traceback (most recent call last)" in row["log"]
    assert row["players_processed"] == 3  # counters so far are kept
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM players")).scalar() == 0


def test_stored_overrides_that_no_longer_validate_are_a_config_error(
    pipeline: Any, engine: Any
) -> None:
    settings, job = pipeline
    _set_mode(engine, "not-a-mode")
    with pytest.raises(ConfigError, match="riotjobs jobs set pipeline --unset"):
        run_job(settings=settings, job=job)
    assert executions(engine) == []


def _insert_running(engine: Any, job_id: str, pid: int = 4242) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                text(
                    "INSERT INTO job_executions (job_id, trigger, status, host, pid, timeout_s)"
                    " VALUES (:job, 'cron', 'running', 'ghost-host', :pid, 60) RETURNING id"
                ),
                {"job": job_id, "pid": pid},
            ).scalar_one()
        )


def test_reap_orphans_marks_unlocked_running_rows_and_spares_locked_ones(
    engine: Any, db_url: str
) -> None:
    from riotjobs.runs.lock import JobLock

    dead = _insert_running(engine, "dead_job")
    alive = _insert_running(engine, "live_job", pid=os.getpid())
    other = _insert_running(engine, "other_job")
    holder = JobLock(db_url, "live_job")
    try:
        assert holder.try_acquire()
        assert reap_orphans(engine, ["dead_job", "live_job"], found_by="`riotjobs status`") == 1
    finally:
        holder.close()
    rows = {r["id"]: r for r in executions(engine)}
    assert rows[dead]["status"] == "abandoned"
    assert rows[dead]["error"] == (
        "process 4242 on ghost-host died without finishing the run (lock released);"
        " found by `riotjobs status`"
    )
    assert rows[dead]["finished_at"] is not None
    assert rows[alive]["status"] == "running"
    assert rows[other]["status"] == "running"  # not asked for
    assert reap_orphans(engine) == 2  # now the live job's lock is free too
    assert reap_orphans(engine) == 0
