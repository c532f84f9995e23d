"""Duration baselines: the slow mark written at finish, its alert and recovery through the
webhook, and a run still going that `status` shows as slow (README: Duration baselines)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from riotjobs.config import load_jobs
from riotjobs.db.models import JobExecution, JobIncident
from riotjobs.ops import alerting
from riotjobs.ops.status import build_status
from riotjobs.runner import run_job
from riotjobs.settings import load_settings
from riotjobs.tasks.registry import REGISTRY
from tests.helpers import run_riotjobs
from tests.ops.helpers import Receiver, Runs

# slow_factor 2 (not the default 3) also proves the key is read; a quick run sleeps 0.2 s and a
# slow one 2.5 s, so the slow one is over twice the median whatever the runner's own overhead.
JOBS = """
defaults: {{alert_format: generic, slow_factor: 2}}
jobs:
  nap: {{schedule: "*/5 * * * *", timeout: 60, tasks: [sleep], config: {{seconds: {seconds}}}}}
"""


def _runner(cli_env: dict[str, str], jobs_file: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    quick = jobs_file(JOBS.format(seconds=0.2), "quick.yaml")
    slow = jobs_file(JOBS.format(seconds=2.5), "slow.yaml")
    monkeypatch.setenv("RIOTJOBS_CONFIG", str(quick))
    settings = load_settings()
    hooks = alerting.hooks(settings)

    def run(path: Path) -> int:
        job = load_jobs(path, registry=REGISTRY).get("nap")
        result = run_job(settings=settings, job=job, hooks=hooks)
        assert result.status == "success", result.error
        assert result.execution_id is not None
        return result.execution_id

    return lambda kind: run(quick if kind == "quick" else slow)


@pytest.mark.slow
def test_slow_run_is_marked_alerts_once_and_a_normal_run_recovers(
    cli_env: dict[str, str],
    jobs_file: Any,
    receiver: Receiver,
    session: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RIOTJOBS_ALERT_WEBHOOK_URL", receiver.url)
    run = _runner(cli_env, jobs_file, monkeypatch)
    baseline = [run("quick") for _ in range(5)]
    slow = [run("slow"), run("slow")]  # the second is suppressed: the incident is alerted
    normal = run("quick")

    rows = {r.id: r for r in session.exec(select(JobExecution)).all()}
    # No baseline before 5 successful runs: not judged.
    assert [rows[i].slow for i in baseline] == [None] * 5
    assert [rows[i].baseline_ms is None for i in baseline] == [True] * 5
    assert [rows[i].slow for i in slow] == [True, True]
    assert rows[normal].slow is False
    assert rows[slow[0]].baseline_ms is not None
    assert rows[slow[0]].duration_ms is not None
    assert rows[slow[0]].duration_ms > 2 * rows[slow[0]].baseline_ms

    assert receiver.events() == ["slow", "recovery"]
    alert, recovery = receiver.bodies
    assert alert["execution_id"] == slow[0] and alert["slow_factor"] == 2
    assert alert["incident"]["kind"] == "slow"
    assert "SLOW" in alert["text"] and "T0KEN" not in alert["text"]
    assert recovery["execution_id"] == normal and "usual time" in recovery["text"]
    (incident,) = session.exec(select(JobIncident)).all()
    assert incident.kind == "slow" and incident.closed_at is not None
    assert incident.consecutive_failures == 2

    # history and show say so.
    env = {**cli_env, "RIOTJOBS_CONFIG": str(jobs_file(JOBS.format(seconds=0.2), "q.yaml"))}
    history = run_riotjobs("history", "nap", env=env)
    assert history.returncode == 0, history.stderr
    marked = [line for line in history.stdout.splitlines() if "slow" in line]
    assert sorted(int(line.split()[0]) for line in marked) == sorted(slow)
    shown = run_riotjobs("show", str(slow[0]), env=env)
    assert shown.returncode == 0 and "slow" in shown.stdout and "baseline" in shown.stdout


def test_a_failed_run_neither_opens_nor_closes_the_slow_incident(
    cli_env: dict[str, str],
    jobs_file: Any,
    receiver: Receiver,
    runs: Runs,
    engine: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from riotjobs.ops.alerts import after_run

    monkeypatch.setenv("RIOTJOBS_ALERT_WEBHOOK_URL", receiver.url)
    settings = load_settings()
    job = load_jobs(jobs_file(JOBS.format(seconds=0)), registry=REGISTRY).get("nap")
    rows = [
        ("success", {"slow": True, "baseline_ms": 1000, "duration_ms": 5000}),
        ("failed", {"error": "boom"}),
        ("success", {"slow": False, "baseline_ms": 1000}),
    ]
    queued = []
    for status, fields in rows:  # each run is alerted on before the next one starts
        run = runs.add("nap", status, **fields)
        report = after_run(engine=engine, settings=settings, job=job, execution=run.id)
        queued.append(None if report is None else report.queued)
    assert queued == [
        ("slow",),
        ("alert",),
        ("recovery", "recovery"),  # the failure incident, then the slow one
    ]


def test_a_run_still_going_past_its_slow_point_shows_as_slow(
    cli_env: dict[str, str], jobs_file: Any, runs: Runs, conn: Any
) -> None:
    jobs = load_jobs(jobs_file(JOBS.format(seconds=0)), registry=REGISTRY)
    for _ in range(5):
        runs.add("nap", "success", duration_ms=1000)
    started = datetime.now(UTC) - timedelta(hours=1)
    going = runs.add("nap", "running", started_at=started)

    def status_at(seconds: float) -> Any:
        now = started + timedelta(seconds=seconds)
        return build_status(conn=conn, jobs=jobs, database="db", now=now, reap=False)

    early, late = status_at(1.5), status_at(2.5)  # the slow point: 2 x 1000 ms
    (row,) = early.jobs
    assert row.last_run is not None and row.last_run.id == going.id
    assert row.last_run.slow is False
    (row,) = late.jobs
    assert row.last_run is not None and row.last_run.slow is True
    assert late.to_json()["jobs"][0]["last_run"]["slow"] is True
    assert [e.slow for e in late.recent if e.id == going.id] == [True]


def test_too_few_successful_runs_leave_a_running_run_unjudged(
    cli_env: dict[str, str], jobs_file: Any, runs: Runs, conn: Any
) -> None:
    jobs = load_jobs(jobs_file(JOBS.format(seconds=0)), registry=REGISTRY)
    for _ in range(4):
        runs.add("nap", "success", duration_ms=1000)
    runs.add("nap", "failed", duration_ms=1)  # failures do not count toward the baseline
    started = datetime.now(UTC) - timedelta(hours=1)
    runs.add("nap", "running", started_at=started)
    later = started + timedelta(minutes=30)
    (row,) = build_status(conn=conn, jobs=jobs, database="db", now=later, reap=False).jobs
    assert row.last_run is not None and row.last_run.slow is None
