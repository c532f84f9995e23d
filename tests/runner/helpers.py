"""Helpers for the runner tests: read job_executions rows, wait for a condition, start a run in
the background and read its one `riotjobs:` line (the deadline and lost-database tests share
them; their environments come from the ``jobs_env`` fixture)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from tests.helpers import spawn_riotjobs


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


def one_line(stderr: str) -> str:
    """The single `riotjobs:` line a failed run prints (no traceback, nothing else)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("riotjobs: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@dataclass
class Spawned:
    """A `riotjobs run` started in the background by :func:`spawned_run`."""

    proc: subprocess.Popen[str]
    bound: float  # the job's timeout + 5 s: a run never outlives it

    def finish(self, during: str) -> str:
        """Wait for the run's end within ``bound`` (else the test fails: it outlived its
        timeout + 5 s ``during`` the fault); its stderr."""
        try:
            _, stderr = self.proc.communicate(timeout=self.bound)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the run outlived its timeout + 5 s {during}")
        return stderr

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode


@contextmanager
def spawned_run(job: str, env: dict[str, str], *, timeout: float) -> Iterator[Spawned]:
    """Start `riotjobs run JOB` (a job whose timeout is ``timeout``); killed if still alive when
    the block ends, so a failing test leaves no process behind."""
    proc = spawn_riotjobs("run", job, env=env)
    try:
        yield Spawned(proc, timeout + 5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
