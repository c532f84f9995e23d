"""The embedded Postgres: an older major's data directory is refused untouched, concurrent first
starts make one cluster, and ``stop`` works whoever runs it (root included)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import psycopg
import pytest

from riotjobs.db import embedded
from tests.helpers import run_riotjobs, spawn_riotjobs


def _env(tmp_path: Path) -> dict[str, str]:
    # cron's PATH: the sbin tools the wheel needs as root must be found without it. An env file
    # and a key exist, so that `check` has nothing else to report than the database.
    env_file = tmp_path / "env"
    env_file.touch(mode=0o600)
    return {
        "PATH": "/usr/bin:/bin",
        "RIOTJOBS_ENV_FILE": str(env_file),
        "RIOT_API_KEY": "RGAPI-embedded-test",
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
    }


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "/"
        for p in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize("command", [("check",), ("db", "upgrade"), ("status",)])
def test_a_data_directory_of_an_older_major_is_refused_and_left_untouched(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    pgdata = tmp_path / "xdg" / "riotjobs" / "pgdata"
    (pgdata / "base" / "1").mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("16\n")
    (pgdata / "base" / "1" / "PG_VERSION").write_text("16\n")
    (pgdata / "base" / "1" / "1259").write_bytes(b"\x00relation pages of the old cluster\x00")
    (pgdata / "postgresql.conf").write_text("# made by PostgreSQL 16\n")
    before = _snapshot(tmp_path / "xdg")

    result = run_riotjobs(*command, env=_env(tmp_path), timeout=60)

    assert result.returncode == 78, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("riotjobs: ")
    assert "PostgreSQL 16" in lines[0] and f"PostgreSQL {embedded.server_major()}" in lines[0]
    assert "Traceback" not in result.stderr
    # Never started (no pid file, no server log) and nothing written, moved or deleted.
    assert _snapshot(tmp_path / "xdg") == before


def test_the_bundled_major_is_what_the_server_reports(server_dir: Path) -> None:
    root = server_dir / "data"
    try:
        url = embedded.start(root)
        assert (root / "pgdata" / "PG_VERSION").read_text().strip() == embedded.server_major()
        with psycopg.connect(url) as conn:
            row = conn.execute("SHOW server_version_num").fetchone()
        assert row is not None
        assert str(row[0]).startswith(embedded.server_major())
    finally:
        assert embedded.stop(root / "pgdata")
    assert not (root / "pgdata" / "postmaster.pid").exists()


@pytest.mark.slow
def test_two_first_starts_at_once_make_one_cluster(server_dir: Path) -> None:
    env = _env(server_dir)
    pgdata = server_dir / "xdg" / "riotjobs" / "pgdata"
    try:
        procs = [spawn_riotjobs("db", "url", env=env) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        for proc, (out, err) in zip(procs, outs, strict=True):
            assert proc.returncode == 0, err
            assert "(embedded)" in out
        assert outs[0][0] == outs[1][0]
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        assert run_riotjobs("check", env=env, timeout=120).returncode == 0
        assert int((pgdata / "postmaster.pid").read_text().split()[0]) == pid  # reused
    finally:
        stopped = embedded.stop(pgdata, mode="immediate")
    assert stopped
    assert not (pgdata / "postmaster.pid").exists()


def test_stop_without_a_server_is_a_no_op(tmp_path: Path) -> None:
    assert embedded.stop(tmp_path) is False
    assert os.listdir(tmp_path) == []


def test_a_start_that_fails_is_one_line_with_the_servers_reason(tmp_path: Path) -> None:
    pgdata = tmp_path / "xdg" / "riotjobs" / "pgdata"
    pgdata.mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text(embedded.server_major() + "\n")  # but no cluster in it

    result = run_riotjobs("db", "url", env=_env(tmp_path), timeout=60)

    assert result.returncode == 69, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("riotjobs: cannot start the embedded database")
    assert "postgresql.conf" in lines[0]
