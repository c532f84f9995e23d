"""`riotjobs db` and the database error paths, through the real process."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from riotjobs.db import embedded
from tests.helpers import run_riotjobs
from tests.pgharness import PgServer


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    # `check` wants a key and an env file that exists when one is named.
    (tmp_path / "riotjobs.env").write_text("RIOT_API_KEY=RGAPI-test\n")
    return {
        "PATH": "/usr/bin:/bin",
        "RIOTJOBS_DATABASE_URL": url,
        "RIOTJOBS_ENV_FILE": str(tmp_path / "riotjobs.env"),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
    }


@pytest.mark.parametrize(("command", "code"), [("check", 78), ("status", 69)])
def test_closed_port_is_one_line_fast_and_no_password(
    tmp_path: Path, command: str, code: int
) -> None:
    """`check` exits 78 whenever it finds a problem, an unreachable database included (it lists
    every problem, and its only problem here is the database); other commands exit 69."""
    env = _env(tmp_path, "postgresql://operator:hunter2secret@127.0.0.1:1/riot")
    started = time.monotonic()
    result = run_riotjobs(command, env=env, timeout=30)
    elapsed = time.monotonic() - started
    assert result.returncode == code, result.stderr
    assert elapsed < 10
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("riotjobs: ") and "127.0.0.1:1" in lines[0]
    assert "hunter2secret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_db_url_masks_password(tmp_path: Path) -> None:
    env = _env(tmp_path, "postgresql://operator:hunter2secret@db.example:5432/riot")
    result = run_riotjobs("db", "url", env=env)
    assert result.returncode == 0
    assert "hunter2secret" not in result.stdout
    assert "***" in result.stdout
    assert "db.example:5432/riot" in result.stdout


def test_schema_behind_exits_78_naming_upgrade(tmp_path: Path, pg_server: PgServer) -> None:
    name = pg_server.next_name()
    url = pg_server.create(name)
    try:
        env = _env(tmp_path, url)
        result = run_riotjobs("check", env=env)
        assert result.returncode == 78, result.stderr
        assert "riotjobs db upgrade" in result.stderr
        upgraded = run_riotjobs("db", "upgrade", env=env)
        assert upgraded.returncode == 0, upgraded.stderr
        assert "upgraded from empty" in upgraded.stdout
        again = run_riotjobs("db", "upgrade", env=env)
        assert "already at" in again.stdout
        assert run_riotjobs("check", env=env).returncode == 0
        current = run_riotjobs("db", "current", env=env)
        assert "up to date" in current.stdout
    finally:
        pg_server.drop(name)


def test_embedded_database_is_created_and_migrated(server_dir: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "RIOT_API_KEY": "RGAPI-test",
        "XDG_CONFIG_HOME": str(server_dir / "config"),
        "XDG_DATA_HOME": str(server_dir / "xdg"),
    }
    try:
        result = run_riotjobs("check", env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert (server_dir / "xdg" / "riotjobs" / "pgdata").is_dir()
        url = run_riotjobs("db", "url", env=env)
        assert "(embedded)" in url.stdout
    finally:
        embedded.stop(server_dir / "xdg" / "riotjobs" / "pgdata", mode="immediate")
