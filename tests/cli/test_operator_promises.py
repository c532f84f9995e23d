"""The README's promises on a real database (issue 21): --json and --check on `db current`,
`db url` and `check`; borderless tables; narrow terminals; Riot IDs that carry escape
sequences; and `db upgrade` run concurrently or against a schema newer than the code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from riotjobs.cli import app
from tests.cli.helpers import seed_players
from tests.helpers import run_riotjobs, spawn_riotjobs
from tests.pgharness import PgServer

PUUID = "p-esc-0123456789abcdefghij"
BOX = set("─│┌┐└┘├┤┬┴┼━┃┏┓┗┛╭╮╰╯═║")


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def test_db_current_url_and_check_speak_json(cli_env: dict[str, str]) -> None:
    current = json.loads(invoke("db", "current", "--json").stdout)
    assert current["up_to_date"] is True and current["revision"] == current["head"]
    assert invoke("db", "current", "--check").exit_code == 0
    url = json.loads(invoke("db", "url", "--json").stdout)
    assert url["embedded"] is False and url["url"].startswith("postgresql")
    report = invoke("check", "--json", env={"RIOT_API_KEY": "RGAPI-x"})
    assert report.exit_code == 0, report.stdout
    assert json.loads(report.stdout)["ok"] is True


def test_check_lists_every_problem_and_exits_78(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = invoke(
        "check",
        "--json",
        env={
            "RIOTJOBS_ENV_FILE": str(tmp_path / "named-but-missing.env"),
            "RIOTJOBS_ALERT_WEBHOOK_URL": "http://[broken",
        },
    )
    assert result.exit_code == 78
    problems = json.loads(result.stdout)["problems"]
    assert any("named-but-missing.env" in p for p in problems)
    assert any("RIOT_API_KEY" in p for p in problems)
    assert any("WEBHOOK" in p and "broken" not in p for p in problems)


def test_schema_ahead_of_the_code(cli_env: dict[str, str], engine: Any) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    current = invoke("db", "current", "--check")
    assert current.exit_code == 78
    assert "ahead of this riotjobs" in current.stdout and "behind" not in current.stdout
    upgraded = invoke("db", "upgrade")
    assert upgraded.exit_code == 78
    assert upgraded.stderr.count("\n") == 1 and "upgrade riotjobs" in upgraded.stderr


def test_concurrent_upgrades_report_truthfully(tmp_path: Path, pg_server: PgServer) -> None:
    name = pg_server.next_name()
    url = pg_server.create(name)
    try:
        env = {
            "PATH": "/usr/bin:/bin",
            "RIOTJOBS_DATABASE_URL": url,
            "RIOTJOBS_ENV_FILE": str(tmp_path / "none"),
            "XDG_DATA_HOME": str(tmp_path / "xdg"),
        }
        procs = [spawn_riotjobs("db", "upgrade", env=env) for _ in range(3)]
        outs = [p.communicate(timeout=120)[0] for p in procs]
        assert all(p.returncode == 0 for p in procs)
        assert sum("upgraded from empty" in out for out in outs) == 1, outs
        assert sum("already at" in out for out in outs) == 2, outs
        assert run_riotjobs("db", "upgrade", "nosuchrev", env=env).returncode == 78
    finally:
        pg_server.drop(name)


def _player(engine: Any, riot_name: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO players (puuid, platform, game_name, tag_line, is_tracked,"
                 " is_analyzed) VALUES (:p, 'na1', :n, 'TAG', true, false)"),
            {"n": riot_name, "p": PUUID},
        )  # fmt: skip


def test_tables_are_borderless_and_escape_sequences_are_not_echoed(
    cli_env: dict[str, str], engine: Any
) -> None:
    _player(engine, "Evil\x1b[2J[bold]x")
    listed = invoke("players", "list")
    shown = invoke("players", "show", PUUID)
    report = invoke("report", "smurfs")
    for result in (listed, shown, report):
        assert result.exit_code == 0, result.stderr
        assert not BOX & set(result.stdout), result.stdout
        assert "\x1b" not in result.stdout
    assert "[bold]x" in listed.stdout  # shown as data, not taken as markup


NARROW_COMMANDS = [
    ("jobs",),
    ("status",),
    ("history", "tracked_player_updater"),
    ("stats",),
    ("players", "list"),
    ("report", "smurfs"),
]


@pytest.mark.parametrize("width", [60, 40])
def test_narrow_terminal_drops_columns_instead_of_cutting_words(
    cli_env: dict[str, str], engine: Any, width: int
) -> None:
    """No value is ever cut to `suc…` or `y…`: optional columns go first, then identifiers and
    free text fold onto more lines; status words and numbers stay whole."""
    assert run_riotjobs("run", "reap", env=cli_env).returncode == 0
    seed_players(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO job_executions (job_id, trigger, status, host, pid, timeout_s,"
                " started_at, finished_at, duration_ms, exit_code, error) VALUES"
                " ('tracked_player_updater', 'cron', 'failed', 'worker-2', 9120, 90, now(),"
                " now(), 1234, 1, 'task update_tracked_players: database went away')"
            )
        )
    narrow = {**cli_env, "COLUMNS": str(width)}
    for args in NARROW_COMMANDS:
        result = run_riotjobs(*args, env=narrow)
        assert result.returncode == 0, (args, result.stderr)
        assert "…" not in result.stdout, (args, result.stdout)
        rows = [line for line in result.stdout.splitlines() if "  " in line.strip()]
        assert rows and max(len(line.rstrip()) for line in rows) <= width, (args, result.stdout)
        words = {
            "jobs": ("yes", "no", "success", "failed"),
            "status": ("yes", "success", "failed"),
            "history": ("failed",),
            "stats": ("Runs", "Success", "Failed"),
            "players": ("yes 0.83", "tracked", "banned"),
            "report": ("0.83",),
        }[args[0]]
        for word in words:
            assert word in result.stdout.split("\n", 1)[1] or word in result.stdout, (args, word)
        for word in ("success", "failed", "yes", "no"):
            assert f"{word[:2]}…" not in result.stdout
