"""`status`, `jobs`, `history`, `show`, `stats` through the real process (--json), the
`status --check` contract, and a snapshot of the human tables at a fixed width and time."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from riotjobs.config import load_jobs
from riotjobs.tasks.registry import REGISTRY
from tests.helpers import run_riotjobs
from tests.ops.test_status import JOBS_YAML, MIX, NOW, add_runs

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"


@pytest.fixture
def env(cli_env: dict[str, str], jobs_file: Any) -> dict[str, str]:
    cli_env["RIOTJOBS_CONFIG"] = str(jobs_file(JOBS_YAML))
    return cli_env


def _json(*args: str, env: dict[str, str]) -> Any:
    result = run_riotjobs(*args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _now() -> datetime:
    return datetime.now(UTC)


def test_json_documents_after_mixed_runs(env: dict[str, str], engine: Any) -> None:
    now = _now()
    add_runs(engine, [{**run, "at": now} for run in MIX])

    status = _json("status", env=env)
    assert status["summary"]["runs_24h"] == 7
    assert status["summary"]["success_rate_24h"] == 0.5
    assert status["summary"]["overdue"] == ["beta"]
    assert status["database"].endswith(env["RIOTJOBS_DATABASE_URL"].rsplit("/", 1)[1])
    assert [p["kind"] for p in status["problems"]] == ["overdue"]

    jobs = _json("jobs", env=env)
    by_job = {j["job"]: j for j in jobs["jobs"]}
    assert by_job["alpha"]["last_run"]["status"] == "success"
    assert by_job["alpha"]["schedule"] == "*/2 * * * *"
    assert by_job["gamma"]["enabled"] is False and by_job["gamma"]["next_run"] is None
    assert datetime.fromisoformat(by_job["alpha"]["next_run"]) > now

    history = _json("history", "alpha", "--limit", "3", env=env)
    assert [e["status"] for e in history["executions"]] == ["success", "timeout", "skipped"]
    failed = _json("history", "alpha", "--status", "failed", "--since", "24h", env=env)
    assert [e["id"] for e in failed["executions"]] == [2]
    assert failed["executions"][0]["counters"]["api_requests_made"] == 7
    old = _json("history", "beta", "--since", "2d", env=env)
    assert [e["status"] for e in old["executions"]] == ["success", "failed"]

    shown = _json("show", "2", env=env)
    assert shown["error"] == "boom\nsecond line" and shown["exit_code"] == 1
    assert "log" in shown and shown["duration_ms"] == 2000

    stats = _json("stats", "--since", "24h", env=env)
    alpha = next(s for s in stats["jobs"] if s["job"] == "alpha")
    assert (alpha["runs"], alpha["successes"], alpha["failures"]) == (5, 2, 2)
    assert (alpha["max_duration_ms"], alpha["max_api_requests"]) == (90_000, 7)

    detail = _json("jobs", "show", "alpha", env=env)
    assert detail["config"]["seconds"]["source"] == "jobs.yaml"
    assert detail["stats_24h"]["runs"] == 5


def _case_rows(case: str) -> list[dict[str, Any]]:
    ok = [
        {"job": "alpha", "status": "success", "ago": timedelta(minutes=1)},
        {"job": "beta", "status": "success", "ago": timedelta(minutes=30)},
        {"job": "delta", "status": "success", "ago": timedelta(minutes=3)},
    ]
    extra = {
        "ok": [],
        "partial": [{"job": "alpha", "status": "partial", "ago": timedelta(seconds=30)}],
        "skipped": [{"job": "alpha", "status": "skipped", "ago": timedelta(seconds=30)}],
        "never_run": [],
        "disabled_failed": [{"job": "gamma", "status": "failed", "ago": timedelta(minutes=1)}],
        "overdue": [{"job": "beta", "status": "success", "ago": timedelta(hours=3)}],
        "failed": [{"job": "alpha", "status": "failed", "ago": timedelta(seconds=30)}],
        "timeout": [{"job": "alpha", "status": "timeout", "ago": timedelta(seconds=30)}],
        "abandoned": [{"job": "alpha", "status": "abandoned", "ago": timedelta(seconds=30)}],
    }[case]
    if case == "never_run":
        ok = ok[:2]
    if case == "overdue":
        ok = [r for r in ok if r["job"] != "beta"]
    return ok + extra


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("ok", 0),
        ("partial", 0),
        ("skipped", 0),
        ("never_run", 0),
        ("disabled_failed", 0),
        ("overdue", 1),
        ("failed", 1),
        ("timeout", 1),
        ("abandoned", 1),
    ],
)
def test_status_check_exit_codes(env: dict[str, str], engine: Any, case: str, code: int) -> None:
    now = _now()
    add_runs(engine, [{**r, "at": now} for r in _case_rows(case)])
    result = run_riotjobs("status", "--check", env=env)
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    problems = result.stderr.splitlines()
    assert len(problems) == code  # one line per problem
    if code:
        assert case in problems[0]


def test_status_masks_the_database_password(env: dict[str, str]) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(env["RIOTJOBS_DATABASE_URL"])
    if url.password:
        pytest.skip("the test server has a real password; this test adds a fake one")
    # The test servers trust local connections, so any password connects; it must never print.
    with_password = url.set(password="s3cr3tpw").render_as_string(hide_password=False)
    env = {**env, "RIOTJOBS_DATABASE_URL": with_password}
    result = run_riotjobs("status", env=env)
    doc = _json("status", env=env)
    assert result.returncode == 0, result.stderr
    assert "s3cr3tpw" not in result.stdout + json.dumps(doc)
    assert ":***@" in doc["database"] and ":***@" in result.stdout


def test_dead_running_row_is_reaped_and_fails_the_check(env: dict[str, str], engine: Any) -> None:
    add_runs(engine, [{"job": "alpha", "status": "running", "ago": timedelta(seconds=20),
                       "at": _now()}])  # fmt: skip
    result = run_riotjobs("status", "--check", "--json", env=env)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["summary"]["reaped"] == 1 and doc["summary"]["running"] == 0
    assert doc["jobs"][0]["last_run"]["status"] == "abandoned"
    assert "abandoned" in result.stderr
    # The alerts hook opened an incident for the reaped run (on an engine of its own).
    with engine.connect() as conn:
        (incident,) = conn.exec_driver_sql("SELECT job_id FROM job_incidents").all()
    assert incident.job_id == "alpha"


# What a read command imports, as a process: SQLAlchemy and the models would cost it more time
# than its queries take on a million runs (benchmarks/b4_status_scale.py times it).
IMPORTS_PROBE = """
import json, sys
from riotjobs.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [["status"], ["jobs"], ["history", "alpha"], ["show", "1"], ["stats"], ["metrics"]],
    ids=lambda a: " ".join(a),
)
def test_read_commands_do_not_load_sqlalchemy(
    env: dict[str, str], engine: Any, args: list[str]
) -> None:
    import subprocess
    import sys

    add_runs(engine, [{**run, "at": _now()} for run in MIX])
    result = subprocess.run(
        [sys.executable, "-c", IMPORTS_PROBE, *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stderr.strip().splitlines()[-1]))
    assert "psycopg" in loaded  # it did read the database
    assert loaded.isdisjoint({"sqlalchemy", "sqlmodel", "alembic"}), sorted(loaded)


def test_human_output_is_plain_when_piped(env: dict[str, str], engine: Any) -> None:
    add_runs(engine, [{**run, "at": _now()} for run in MIX])
    for args in (["status"], ["jobs"], ["history", "alpha"], ["show", "2"], ["stats"],
                 ["jobs", "show", "alpha"]):  # fmt: skip
        result = run_riotjobs(*args, env=env)
        assert result.returncode == 0, (args, result.stderr)
        assert "\x1b[" not in result.stdout, args
        assert result.stdout.strip()


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["history", "nope"], 2, "unknown job"),
        (["history", "alpha", "--since", "yesterday"], 2, "invalid duration"),
        (["history", "alpha", "--status", "weird"], 2, "unknown status"),
        (["show", "999"], 2, "no execution"),
        (["jobs", "show", "nope"], 2, "unknown job"),
        (["stats", "--since", "0h"], 2, "invalid duration"),
    ],
)
def test_operator_errors_are_one_line(
    env: dict[str, str], args: list[str], code: int, needle: str
) -> None:
    result = run_riotjobs(*args, env=env)
    assert result.returncode == code
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_hostile_job_is_refused_and_shown_misconfigured(
    cli_env: dict[str, str], jobs_file: Any
) -> None:
    hostile = (
        'jobs:\n  evil:\n    schedule: "* * * * * \\n* * * * * rm -rf /"\n    tasks: [sleep]\n'
    )
    cli_env["RIOTJOBS_CONFIG"] = str(jobs_file(hostile))
    for args in (["check", "--skip-database"], ["run", "evil"]):
        result = run_riotjobs(*args, env=cli_env)
        assert result.returncode == 78, result.stderr
        assert "schedule" in result.stderr
    # The read commands show the job as misconfigured, never its schedule text.
    for args in (["status"], ["jobs"], ["stats"]):
        result = run_riotjobs(*args, env=cli_env)
        assert result.returncode == 0, result.stderr
        assert "evil" in result.stdout and "rm -rf" not in result.stdout


def _render_all(conn: Any, jobs: Any, width: int) -> str:
    from rich.console import Console

    from riotjobs.cli import _joblist as jl
    from riotjobs.cli import _status as st
    from riotjobs.ops.jobdetail import job_detail
    from riotjobs.ops.status import build_status, execution_detail, history, run_stats

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, highlight=False)
    db = "postgresql+psycopg://operator:***@db.example:5432/riot"
    report = build_status(conn=conn, jobs=jobs, database=db, now=NOW, reap=False)
    detail = job_detail(conn=conn, jobs=jobs, job_id="alpha", now=NOW)
    runs = history(conn=conn, jobs=jobs, job_id="alpha", limit=3)
    sections = {
        "riotjobs status": lambda: st.render_status(report, console),
        "riotjobs jobs": lambda: jl.render_jobs(report.jobs, NOW, console),
        "riotjobs jobs show alpha": lambda: jl.render_job(detail, NOW, console),
        "riotjobs history alpha --limit 3": lambda: console.print(st.executions_table(runs, NOW)),
        "riotjobs show 2": lambda: st.render_execution(
            execution_detail(conn=conn, execution_id=2), console
        ),
        "riotjobs stats": lambda: st.render_stats(
            run_stats(conn=conn, jobs=jobs, now=NOW), console
        ),
    }
    for title, draw in sections.items():
        console.print(f"$ {title}", markup=False)
        draw()
        console.print()
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def test_snapshot_of_human_tables(engine: Any, conn: Any, jobs_file: Any) -> None:
    jobs = load_jobs(Path(jobs_file(JOBS_YAML)), registry=REGISTRY)
    runs = [dict(run) for run in MIX]
    runs[1]["log"] = "2026-01-10T11:52:00Z INFO riotjobs.runner: run 2 of alpha started\nboom"
    add_runs(engine, runs)
    text = _render_all(conn, jobs, width=110)
    path = SNAPSHOTS / "status_tables.txt"
    if os.environ.get("RIOTJOBS_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), "run with RIOTJOBS_UPDATE_SNAPSHOTS=1 once, then review the file"
    assert text == path.read_text()
