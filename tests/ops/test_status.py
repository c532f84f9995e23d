"""riotjobs.ops.status against real Postgres: figures, overdue rule, problems, history and stats.

Executions are inserted directly, relative to a fixed "now", so every figure is exact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from riotjobs.config import load_jobs
from riotjobs.counters import COUNTER_NAMES
from riotjobs.errors import UnknownJobError, UsageError
from riotjobs.tasks.registry import REGISTRY

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)

JOBS_YAML = """
jobs:
  alpha:
    name: Alpha sleeper
    schedule: "*/2 * * * *"
    tasks: [sleep]
    config: {seconds: 0.5}
  beta:
    schedule: "0 * * * *"
    tasks: [sleep]
  gamma:
    schedule: "*/5 * * * *"
    enabled: false
    tasks: [sleep]
  delta:
    schedule: "*/10 * * * *"
    tasks: [sleep]
"""


def add_runs(engine: Any, runs: list[dict[str, Any]]) -> None:
    """Bulk-insert job_executions rows: each dict needs job, status and ``ago`` (timedelta
    before ``at``, default NOW); optional duration_ms, api, error, trigger, log."""
    from sqlalchemy import insert

    from riotjobs.db.models import JobExecution

    rows = []
    for run in runs:
        started = run.get("at", NOW) - run["ago"]
        duration = run.get("duration_ms", None if run["status"] == "running" else 1000)
        rows.append(
            {
                "job_id": run["job"],
                "trigger": run.get("trigger", "cron"),
                "status": run["status"],
                "host": "host-a",
                "pid": 4242,
                "timeout_s": 90,
                "started_at": started,
                "finished_at": None
                if duration is None
                else started + timedelta(milliseconds=duration),
                "duration_ms": duration,
                "exit_code": None if run["status"] == "running" else run.get("exit_code", 0),
                "error": run.get("error"),
                "log": run.get("log"),
                **dict.fromkeys(COUNTER_NAMES, 0),
                "api_requests_made": run.get("api", 0),
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(JobExecution), rows)


MIX = [
    {"job": "alpha", "status": "success", "ago": timedelta(minutes=10), "api": 5},
    {
        "job": "alpha",
        "status": "failed",
        "ago": timedelta(minutes=8),
        "duration_ms": 2000,
        "api": 7,
        "error": "boom\nsecond line",
        "exit_code": 1,
    },
    {"job": "alpha", "status": "skipped", "ago": timedelta(minutes=6), "duration_ms": 10},
    {
        "job": "alpha",
        "status": "timeout",
        "ago": timedelta(minutes=4),
        "duration_ms": 90_000,
        "api": 3,
        "exit_code": 124,
    },
    {
        "job": "alpha",
        "status": "success",
        "ago": timedelta(minutes=2),
        "duration_ms": 500,
        "api": 1,
    },
    {"job": "beta", "status": "success", "ago": timedelta(hours=3), "api": 11},
    {"job": "beta", "status": "failed", "ago": timedelta(hours=30)},
    {"job": "gamma", "status": "failed", "ago": timedelta(hours=1), "error": "disabled anyway"},
]


@pytest.fixture
def jobs(jobs_file: Any) -> Any:
    return load_jobs(Path(jobs_file(JOBS_YAML)), registry=REGISTRY)


@pytest.fixture
def mixed(engine: Any) -> Any:
    add_runs(engine, MIX)
    return engine


def test_status_figures(mixed: Any, jobs: Any, conn: Any) -> None:
    from riotjobs.ops.status import build_status

    report = build_status(conn=conn, jobs=jobs, database="db", now=NOW, reap=False)
    doc = report.to_json()
    summary = doc["summary"]
    assert summary["jobs"] == 4
    assert summary["enabled"] == 3
    assert summary["running"] == 0
    assert summary["runs_24h"] == 7  # beta's 30 h old run is outside
    assert summary["successes_24h"] == 3
    assert summary["failures_24h"] == 3
    assert summary["success_rate_24h"] == 0.5  # 3 of 6: the skipped run is no outcome
    assert summary["overdue"] == ["beta"]
    assert summary["never_run"] == ["delta"]
    rows = {r["job"]: r for r in doc["jobs"]}
    assert rows["alpha"]["last_run"]["status"] == "success"
    assert rows["alpha"]["last_run"]["counters"]["api_requests_made"] == 1
    assert rows["alpha"]["next_run"] == datetime(2026, 1, 10, 12, 2, tzinfo=UTC)
    assert rows["alpha"]["runs_24h"] == 5
    assert rows["alpha"]["api_requests_24h"] == 16
    assert rows["alpha"]["state"] == "ok"
    assert rows["beta"]["state"] == "overdue"
    assert rows["beta"]["overdue_since"] == datetime(2026, 1, 10, 11, 5, tzinfo=UTC)
    assert rows["gamma"]["next_run"] is None and rows["gamma"]["state"] == "disabled"
    assert rows["delta"]["state"] == "never run" and rows["delta"]["overdue"] is False
    assert [e["id"] for e in doc["recent"]][:3] == [5, 4, 3]
    assert len(doc["recent"]) == 8
    assert set(doc["recent"][0]) == {
        "id", "job", "status", "trigger", "started_at", "finished_at", "duration_ms",
        "exit_code", "error", "host", "pid", "counters", "slow", "baseline_ms",
    }  # fmt: skip
    assert [(p["job"], p["kind"]) for p in doc["problems"]] == [("beta", "overdue")]


def test_overdue_boundary_is_two_ticks_plus_grace(engine: Any, jobs: Any, conn: Any) -> None:
    from riotjobs.ops.status import build_status

    add_runs(engine, [{"job": "beta", "status": "success", "ago": timedelta(hours=1)}])
    # Last start 11:00; ticks 12:00 and 13:00 pass without a start; overdue after 13:05.
    at = {
        "13:05": NOW + timedelta(hours=1, minutes=5),
        "13:06": NOW + timedelta(hours=1, minutes=6),
    }
    early = build_status(conn=conn, jobs=jobs, database="db", now=at["13:05"], reap=False)
    late = build_status(conn=conn, jobs=jobs, database="db", now=at["13:06"], reap=False)
    assert "beta" not in early.overdue
    assert late.overdue == ["beta"]


@pytest.mark.parametrize(
    ("status", "problem"),
    [
        ("success", None),
        ("partial", None),
        ("failed", "failed"),
        ("timeout", "timeout"),
        ("abandoned", "abandoned"),
    ],
)
def test_last_outcome_problems(
    engine: Any, jobs: Any, status: str, problem: str | None, conn: Any
) -> None:
    from riotjobs.ops.status import build_status

    add_runs(
        engine,
        [
            {"job": "alpha", "status": status, "ago": timedelta(minutes=3), "error": "why"},
            # A later skipped run does not hide the outcome before it.
            {"job": "alpha", "status": "skipped", "ago": timedelta(minutes=1)},
        ],
    )
    report = build_status(conn=conn, jobs=jobs, database="db", now=NOW, reap=False)
    kinds = [(p.job, p.kind) for p in report.problems]
    assert kinds == ([] if problem is None else [("alpha", problem)])
    if problem:
        assert "why" in report.problems[0].message
        assert "\n" not in report.problems[0].message


def test_disabled_and_never_run_jobs_are_not_problems(engine: Any, jobs: Any, conn: Any) -> None:
    from riotjobs.ops.status import build_status

    add_runs(engine, [{"job": "gamma", "status": "failed", "ago": timedelta(days=3)}])
    report = build_status(conn=conn, jobs=jobs, database="db", now=NOW, reap=False)
    assert report.problems == []
    assert report.never_run == ["alpha", "beta", "delta"]


def test_database_override_changes_enabled_state(mixed: Any, jobs: Any, conn: Any) -> None:
    from riotjobs.ops.status import build_status

    with mixed.begin() as setup:
        from sqlalchemy import text

        setup.execute(
            text(
                "INSERT INTO job_configurations (job_id, enabled) "
                "VALUES ('beta', false), ('gamma', true)"
            )
        )
    report = build_status(conn=conn, jobs=jobs, database="db", now=NOW, reap=False)
    rows = {r.job: r for r in report.jobs}
    assert not rows["beta"].enabled and rows["beta"].enabled_overridden
    assert rows["gamma"].enabled and rows["gamma"].enabled_overridden
    assert not rows["alpha"].enabled_overridden
    # beta is disabled now, so no longer overdue; gamma is enabled again, last started an
    # hour ago on a 5-minute schedule, and that run failed.
    assert report.overdue == ["gamma"]
    kinds = [(p.job, p.kind) for p in report.problems]
    assert kinds == [("gamma", "overdue"), ("gamma", "failed")]


def test_history_filters(mixed: Any, jobs: Any, conn: Any) -> None:
    from riotjobs.ops.status import history

    all_runs = history(conn=conn, jobs=jobs, job_id="alpha", now=NOW)
    assert [e.status for e in all_runs] == ["success", "timeout", "skipped", "failed", "success"]
    assert [e.id for e in history(conn=conn, jobs=jobs, job_id="alpha", limit=2)] == [5, 4]
    failed = history(conn=conn, jobs=jobs, job_id="alpha", status="failed")
    assert [e.error for e in failed] == ["boom\nsecond line"]
    recent = history(conn=conn, jobs=jobs, job_id="beta", since=timedelta(hours=24), now=NOW)
    assert [e.status for e in recent] == ["success"]
    with pytest.raises(UsageError):
        history(conn=conn, jobs=jobs, job_id="alpha", status="bogus")
    with pytest.raises(UnknownJobError):
        history(conn=conn, jobs=jobs, job_id="nope")


def test_history_of_a_removed_job_is_still_readable(engine: Any, jobs: Any, conn: Any) -> None:
    from riotjobs.ops.status import history

    add_runs(engine, [{"job": "retired", "status": "success", "ago": timedelta(days=1)}])
    assert len(history(conn=conn, jobs=jobs, job_id="retired")) == 1


def test_execution_detail_has_log(mixed: Any, conn: Any) -> None:
    from riotjobs.ops.status import execution_detail

    add_runs(mixed, [{"job": "alpha", "status": "success", "ago": timedelta(0), "log": "a\nb"}])
    found = execution_detail(conn=conn, execution_id=9)
    doc = found.to_json(with_log=True)
    assert doc["log"] == "a\nb" and doc["timeout_s"] == 90 and doc["job"] == "alpha"
    with pytest.raises(UsageError):
        execution_detail(conn=conn, execution_id=12345)


def test_stats(mixed: Any, jobs: Any, conn: Any) -> None:
    from riotjobs.ops.status import run_stats

    report = run_stats(conn=conn, jobs=jobs, since=timedelta(hours=24), now=NOW)
    stats = {s.job: s.to_json() for s in report.jobs}
    assert list(stats) == ["alpha", "beta", "delta", "gamma"]
    alpha = stats["alpha"]
    assert (alpha["runs"], alpha["successes"], alpha["failures"], alpha["skipped"]) == (5, 2, 2, 1)
    # Durations and API requests leave out the skipped run.
    assert alpha["avg_duration_ms"] == (1000 + 2000 + 90_000 + 500) / 4
    assert alpha["max_duration_ms"] == 90_000
    assert alpha["avg_api_requests"] == 4.0
    assert alpha["max_api_requests"] == 7
    assert alpha["by_status"] == {"failed": 1, "skipped": 1, "success": 2, "timeout": 1}
    assert stats["delta"]["runs"] == 0 and stats["delta"]["avg_duration_ms"] is None
    week = run_stats(conn=conn, jobs=jobs, since=timedelta(days=7), now=NOW)
    assert {s.job: s.runs for s in week.jobs}["beta"] == 2


def test_job_detail_marks_overrides(mixed: Any, jobs: Any, conn: Any) -> None:
    from sqlalchemy import text

    from riotjobs.ops.jobdetail import job_detail

    with mixed.begin() as setup:
        setup.execute(
            text(
                "INSERT INTO job_configurations (job_id, enabled, overrides) "
                """VALUES ('alpha', NULL, '{"seconds": 2}')"""
            )
        )
    doc = job_detail(conn=conn, jobs=jobs, job_id="alpha", now=NOW).to_json()
    assert doc["config"]["seconds"] == {
        "value": 2.0,
        "source": "database",
        "overridden": True,
        "yaml_value": 0.5,
    }
    assert doc["config"]["in_database"]["source"] == "default"
    assert doc["enabled"] is True and doc["enabled_overridden"] is False
    assert doc["stats_24h"]["runs"] == 5
    assert [e["id"] for e in doc["recent"]] == [5, 4, 3, 2, 1]
    with pytest.raises(UnknownJobError):
        job_detail(conn=conn, jobs=jobs, job_id="nope")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", timedelta(hours=24)),
        ("30m", timedelta(minutes=30)),
        ("7d", timedelta(days=7)),
        ("90s", timedelta(seconds=90)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_parse_since(text: str, expected: timedelta) -> None:
    from riotjobs.ops.status import parse_since

    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["", "h", "24", "0h", "-1h", "1y", "24 hours"])
def test_parse_since_rejects(text: str) -> None:
    from riotjobs.ops.status import parse_since

    with pytest.raises(UsageError):
        parse_since(text)
