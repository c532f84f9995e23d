"""`cleanup` on 10,000 generated executions: exactly what the retention rules keep survives."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.helpers import run_riotjobs

JOBS = """
jobs:
  housekeeping:
    schedule: "17 3 * * *"
    tasks: [cleanup]
    config: {retention_days: 30, keep_per_job: 50, batch_size: 1000}
"""

# (job, rows, first age, status of the oldest `running` rows). Ages are whole hours plus 30
# minutes, so no row sits near the 30-day cutoff whenever the task computes it.
_GENERATE = """
INSERT INTO job_executions (job_id, trigger, status, host, pid, timeout_s, started_at)
SELECT :job, 'cron', CASE WHEN i > :n - :running THEN 'running' ELSE 'success' END,
       'h', 1, 60, now() - make_interval(hours => :start_h + i, mins => 30)
FROM generate_series(1, :n) AS i
"""


def _generate(engine: Any) -> None:
    with engine.begin() as conn:
        for job, n, start_h, running in [
            ("hourly", 6000, 0, 0),  # spans 250 days: the last 30 days survive
            ("old_job", 3000, 24 * 40, 0),  # all older than 30 days: only the newest 50 stay
            ("rare", 30, 24 * 60, 0),  # fewer than keep_per_job: all stay
            ("stuck", 970, 24 * 35, 5),  # the 5 oldest are `running`: never deleted
        ]:
            conn.execute(
                text(_GENERATE), {"job": job, "n": n, "start_h": start_h, "running": running}
            )
        old, new = "now() - interval '40 days'", "now() - interval '1 day'"
        conn.execute(
            text(
                "INSERT INTO notifications (kind, payload, created_at, delivered_at) VALUES"
                f" ('alert', '{{}}', {old}, {old}), ('alert', '{{}}', {new}, {new}),"
                f" ('alert', '{{}}', {old}, NULL)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO job_incidents (job_id, consecutive_failures, opened_at, closed_at)"
                f" VALUES ('a', 1, {old}, {old}), ('b', 1, {old}, {new}), ('c', 1, {old}, NULL)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO rate_limit_scopes (scope, limits, updated_at) VALUES"
                " ('app:idle:na1', '20:1', now() - interval '2 days'),"
                " ('app:live:na1', '20:1', now() - interval '1 hour')"
            )
        )


def _expected(rows: list[Any], keep: int, cutoff: datetime) -> set[int]:
    by_job: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_job[row.job_id].append(row)
    kept: set[int] = set()
    for job_rows in by_job.values():
        job_rows.sort(key=lambda r: (r.started_at, r.id), reverse=True)
        for rank, row in enumerate(job_rows):
            if rank < keep or row.started_at >= cutoff or row.status == "running":
                kept.add(row.id)
    return kept


@pytest.mark.slow
def test_cleanup_keeps_exactly_what_the_rules_say(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], engine: Any
) -> None:
    _generate(engine)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT id, job_id, started_at, status FROM job_executions"))
        rows = list(before)
    assert len(rows) == 10_000
    expected = _expected(rows, keep=50, cutoff=datetime.now(UTC) - timedelta(days=30))
    assert 700 < len(expected) < 1000  # the rules really delete most rows

    env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(JOBS))}
    result = run_riotjobs("run", "housekeeping", env=env, timeout=120)
    assert result.returncode == 0, result.stderr

    with engine.connect() as conn:
        after = conn.execute(
            text("SELECT id FROM job_executions WHERE job_id <> 'housekeeping'")
        ).scalars()
        kept = set(after)
        run = conn.execute(
            text("SELECT records_updated, log FROM job_executions WHERE job_id = 'housekeeping'")
        ).one()
        notifications = conn.execute(
            text("SELECT delivered_at IS NULL, created_at > now() - interval '2 days'"
                 " FROM notifications ORDER BY id")
        ).all()  # fmt: skip
        incidents = conn.execute(text("SELECT job_id FROM job_incidents ORDER BY id")).scalars()
        incident_jobs = list(incidents)
        scopes = list(conn.execute(text("SELECT scope FROM rate_limit_scopes")).scalars())
    assert kept == expected
    assert notifications == [(False, True), (True, False)]
    assert incident_jobs == ["b", "c"]
    assert scopes == ["app:live:na1"]
    deleted = 10_000 - len(expected)
    assert run.records_updated == deleted + 1 + 1 + 1
    assert f"deleted {deleted} execution(s), 1 delivered notification(s), 1 closed incident(s)" in (
        run.log
    )
    assert "1 idle limiter scope(s)" in run.log
