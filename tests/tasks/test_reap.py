"""The `reap` task: orphans of every job become `abandoned`; a job whose lock is held is spared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from riotjobs.runs.lock import JobLock
from tests.helpers import run_riotjobs

JOBS = """
jobs:
  reaper:
    schedule: "*/10 * * * *"
    tasks: [reap]
"""


def _running(engine: Any, job_id: str, pid: int) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                text(
                    "INSERT INTO job_executions (job_id, trigger, status, host, pid, timeout_s)"
                    " VALUES (:job, 'cron', 'running', 'gone-host', :pid, 60) RETURNING id"
                ),
                {"job": job_id, "pid": pid},
            ).scalar_one()
        )


def test_reap_task_abandons_orphans_of_all_jobs_but_not_live_runs(
    cli_env: dict[str, str], jobs_file: Callable[..., Path], engine: Any, db_url: str
) -> None:
    orphan_a = _running(engine, "job_a", 111)
    orphan_b = _running(engine, "job_b", 222)
    live = _running(engine, "job_live", 333)
    holder = JobLock(db_url, "job_live")  # stands in for a live run on another host
    try:
        assert holder.try_acquire()
        env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(JOBS))}
        result = run_riotjobs("run", "reaper", env=env)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    finally:
        holder.close()
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(text("SELECT id, status, error FROM job_executions"))}
        reaper = conn.execute(
            text("SELECT id, records_updated FROM job_executions WHERE job_id = 'reaper'")
        ).one()
    assert rows[orphan_a].status == rows[orphan_b].status == "abandoned"
    assert rows[orphan_a].error == (
        "process 111 on gone-host died without finishing the run (lock released); found by the"
        f" reap task of `riotjobs run reaper` (execution {reaper.id})"
    )
    assert rows[live].status == "running"
    assert rows[reaper.id].status == "success"
    assert reaper.records_updated == 2
