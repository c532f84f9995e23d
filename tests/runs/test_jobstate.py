"""`riotjobs jobs enable|disable|set` and their effect on the next `riotjobs run`."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from riotjobs.cli import app
from tests.helpers import run_riotjobs
from tests.runner.helpers import executions

runner = CliRunner()


def _state(engine: Any, job_id: str) -> tuple[Any, Any] | None:
    from sqlalchemy import text

    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT enabled, overrides FROM job_configurations WHERE job_id = :j"),
            {"j": job_id},
        ).first()
    return None if row is None else (row[0], row[1])


def test_disable_then_run_records_nothing_and_enable_restores(
    env: dict[str, str], engine: Any
) -> None:
    result = runner.invoke(app, ["jobs", "disable", "nap"])
    assert result.exit_code == 0, result.output
    assert result.output == "nap: disabled\n"
    run = run_riotjobs("run", "nap", env=env)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    assert executions(engine) == []
    assert runner.invoke(app, ["jobs", "enable", "nap"]).exit_code == 0
    assert run_riotjobs("run", "nap", env=env).returncode == 0
    assert [r["status"] for r in executions(engine)] == ["success"]


def test_enable_overrides_a_job_disabled_in_jobs_yaml(env: dict[str, str], engine: Any) -> None:
    assert runner.invoke(app, ["jobs", "enable", "paused"]).exit_code == 0
    assert _state(engine, "paused") == (True, {})
    assert run_riotjobs("run", "paused", env=env).returncode == 0
    assert [r["status"] for r in executions(engine, "paused")] == ["success"]


def test_disable_all_is_the_emergency_stop(env: dict[str, str], engine: Any) -> None:
    result = runner.invoke(app, ["jobs", "disable", "--all"])
    assert result.exit_code == 0, result.output
    assert "housekeeping: disabled" in result.output and "nap: disabled" in result.output
    assert run_riotjobs("run", "nap", env=env).returncode == 0
    assert executions(engine) == []


def test_enable_needs_ids_or_all_and_known_ids(env: dict[str, str], engine: Any) -> None:
    assert runner.invoke(app, ["jobs", "enable"]).exit_code == 2
    assert runner.invoke(app, ["jobs", "enable", "nap", "--all"]).exit_code == 2
    unknown = runner.invoke(app, ["jobs", "disable", "nap", "nope"])
    assert unknown.exit_code == 2
    assert _state(engine, "nap") is None  # nothing changed


def test_set_stores_typed_values_and_the_next_run_uses_them(
    env: dict[str, str], engine: Any
) -> None:
    result = runner.invoke(app, ["jobs", "set", "nap", "seconds=0.5", "in_database=yes"])
    assert result.exit_code == 0, result.output
    assert result.output == "nap: in_database=true, seconds=0.5\n"
    assert _state(engine, "nap") == (None, {"seconds": 0.5, "in_database": True})
    assert run_riotjobs("run", "nap", env=env).returncode == 0
    [row] = executions(engine, "nap")
    assert "sleeping 0.5 s in the database" in row["log"]
    unset = runner.invoke(app, ["jobs", "set", "nap", "--unset", "in_database"])
    assert unset.exit_code == 0, unset.output
    assert _state(engine, "nap") == (None, {"seconds": 0.5})


def test_set_rejects_unknown_keys_and_bad_values_listing_allowed_keys(
    env: dict[str, str], engine: Any
) -> None:
    unknown = run_riotjobs("jobs", "set", "nap", "secs=3", env=env)
    assert unknown.returncode == 2
    assert "unknown key 'secs'" in unknown.stderr
    assert "allowed keys: in_database, log_bytes, result, seconds" in unknown.stderr
    bad = run_riotjobs("jobs", "set", "nap", "seconds=soon", env=env)
    assert bad.returncode == 2
    assert "seconds" in bad.stderr and "allowed keys:" in bad.stderr
    too_big = run_riotjobs("jobs", "set", "nap", "seconds=[1, 2]", env=env)
    assert too_big.returncode == 2
    assert run_riotjobs("jobs", "set", "nap", "=3", env=env).returncode == 2
    assert run_riotjobs("jobs", "set", "nap", env=env).returncode == 2
    assert _state(engine, "nap") is None
