"""A run's deadline holds from the moment the process starts, whatever lock it meets.

Another session holds an ACCESS EXCLUSIVE lock on a table the runner touches; `riotjobs run`
with a 3 s timeout must still end within timeout + 5 s (the subprocess timeout is the bound,
so no timed assertion), with one `riotjobs:` line naming what it waited for. Before the fix a
lock on job_executions, job_configurations or alembic_version held the run as long as the lock.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from riotjobs.db.engine import to_libpq
from tests.helpers import run_riotjobs
from tests.runner.helpers import executions, one_line, running_row, spawned_run, wait_for

pytestmark = pytest.mark.slow

TIMEOUT = 6
BOUND = TIMEOUT + 5
SLOW = 12  # its tasks end long before its deadline, whatever the load on the machine
JOBS = f"""
jobs:
  quick:
    schedule: "*/2 * * * *"
    timeout: {TIMEOUT}
    tasks: [sleep]
    config: {{seconds: 0.2}}
  slow:
    schedule: "*/2 * * * *"
    timeout: {SLOW}
    tasks: [sleep]
    config: {{seconds: 2}}
  tidy:
    schedule: "*/2 * * * *"
    timeout: {TIMEOUT}
    tasks: [cleanup]
  patient:
    schedule: "*/2 * * * *"
    timeout: 60
    tasks: [sleep]
    config: {{seconds: 0}}
"""


@pytest.fixture
def denv(jobs_env: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return jobs_env(JOBS)


@contextmanager
def held(db_url: str, table: str) -> Iterator[psycopg.Connection[Any]]:
    """An open transaction holding ACCESS EXCLUSIVE on ``table`` until the block ends."""
    with psycopg.connect(to_libpq(db_url), application_name="lock holder") as conn:
        conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield conn
        conn.rollback()


@pytest.mark.parametrize(
    ("table", "doing"),
    [
        ("alembic_version", "reading the schema version (alembic_version)"),
        ("job_configurations", "reading the job's state (job_configurations)"),
        ("job_executions", "recording the run (job_executions)"),
    ],
)
def test_a_lock_on_a_bookkeeping_table_cannot_stretch_the_run(
    denv: dict[str, str], db_url: str, engine: Any, table: str, doing: str
) -> None:
    with held(db_url, table):
        try:
            result = run_riotjobs("run", "quick", env=denv, timeout=BOUND)
        except subprocess.TimeoutExpired:
            pytest.fail(f"a lock on {table} held the run past its timeout + 5 s")
    assert result.returncode == 124, result.stderr
    message = one_line(result.stderr)
    assert f"timed out after {TIMEOUT} s while {doing}" in message
    assert "not recorded" in message
    assert executions(engine, "quick") == []  # nothing could be written, nothing half-written


def test_a_lock_taken_while_the_tasks_run_cannot_stretch_the_run(
    denv: dict[str, str], db_url: str, engine: Any
) -> None:
    """The row exists; its final write meets the lock: a database error, not a hang."""
    with spawned_run("slow", denv, timeout=SLOW) as run:
        wait_for(lambda: running_row(engine, "slow"), what="the run's row")
        with held(db_url, "job_executions"):
            stderr = run.finish("with job_executions locked")
    assert run.returncode == 1, stderr
    message = one_line(stderr)
    assert "database error recording job slow" in message and "statement timeout" in message
    [row] = executions(engine, "slow")
    assert row["status"] == "running"  # the next command marks it abandoned


@pytest.mark.parametrize("table", ["job_incidents", "notifications", "rate_limit_scopes"])
def test_a_lock_on_a_task_table_ends_in_a_recorded_timeout(
    denv: dict[str, str], db_url: str, engine: Any, table: str
) -> None:
    with held(db_url, table):
        try:
            result = run_riotjobs("run", "tidy", env=denv, timeout=BOUND)
        except subprocess.TimeoutExpired:
            pytest.fail(f"a lock on {table} held the run past its timeout + 5 s")
    assert result.returncode == 124, result.stderr
    [row] = executions(engine, "tidy")
    assert (row["status"], row["exit_code"]) == ("timeout", 124)


def test_sigterm_ends_a_run_waiting_for_a_lock(
    denv: dict[str, str], db_url: str, engine: Any
) -> None:
    watcher = psycopg.connect(to_libpq(db_url), autocommit=True)

    def waiting() -> bool:
        row = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND datname = current_database() AND application_name LIKE 'riotjobs%'"
        ).fetchone()
        return bool(row and row[0])

    # Bound 5 s: SIGTERM must not wait for the lock (the job's own timeout is 60 s).
    with (
        watcher,
        held(db_url, "job_configurations"),
        spawned_run("patient", denv, timeout=0) as run,
    ):
        wait_for(waiting, what="the run to wait for the lock")
        run.proc.send_signal(signal.SIGTERM)
        stderr = run.finish("after SIGTERM, waiting for the lock")
    assert run.returncode == 143, stderr
    message = one_line(stderr)
    assert "interrupted by SIGTERM while reading the job's state (job_configurations)" in message
