"""Helpers for every test area: run the installed `riotjobs` as a real process, and skip (or, under
CI, fail) when something a test needs is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

import pytest

ROOT = Path(__file__).resolve().parent.parent
RIOT_EXAMPLES = ROOT.parent / "shared" / "riot-examples"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
RIOTJOBS_BIN = str(Path(sys.executable).with_name("riotjobs"))


def run_riotjobs(
    *args: str, env: dict[str, str], timeout: float = 60, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed `riotjobs` console script as a real process."""
    return subprocess.run(
        [RIOTJOBS_BIN, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def spawn_riotjobs(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start the `riotjobs` console script without waiting (for signals, kills and races)."""
    return subprocess.Popen(
        [RIOTJOBS_BIN, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def have(binary: str) -> bool:
    return shutil.which(binary) is not None


def missing(reason: str) -> NoReturn:
    """Something a test needs is not here: a skip on a developer's machine, a failure under CI
    (``.ci/run`` provides Postgres and cron, so there it is a broken set-up)."""
    if IN_CI:
        pytest.fail(f"under CI: {reason}")
    pytest.skip(reason)


def database_as_text(engine: Any) -> str:
    """Every row of every table, cast to text: a dump of the database without pg_dump."""
    from sqlalchemy import text

    chunks: list[str] = []
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        for table in list(tables):
            rows = conn.execute(text(f'SELECT t::text FROM "{table}" t')).scalars()
            chunks.extend(rows)
    return "\n".join(chunks)
