"""Helpers for the runner tests: read job_executions rows and wait for a condition."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text


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
