"""A dead or misconfigured Riot API fails the run; it is not a quiet partial.

Before the fix, RIOTJOBS_RIOT_BASE_URL at a closed port or a wrong path ended `partial` (exit 3)
with nothing on stderr and no incident, though every item failed.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from riotjobs.sandbox import SandboxConfig
from tests.helpers import run_riotjobs
from tests.pipeline.sandboxed import executions, sandbox_env, scalar

pytestmark = pytest.mark.slow


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _broken(template: str, how: str) -> str:
    if how == "wrong path":
        return template + "/nothing-here"
    port = template.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]
    return template.replace(f":{port}", f":{_closed_port()}", 1)


@pytest.mark.parametrize(("how", "code", "cause"), [("closed port", 69, "did not answer"),
                                                     ("wrong path", 1, "HTTP 404")])  # fmt: skip
def test_a_dead_or_misconfigured_api_fails_the_run_and_opens_an_incident(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine, how: str, code: int, cause: str
) -> None:
    config = SandboxConfig(seed=3, players=20, clock_speed=0, app_limit="2000:1")
    with sandbox_env(cli_env, tmp_path, config) as (sb, env):
        for player in sb.players(2):
            tracked = run_riotjobs("players", "track", player["riot_id"], env=env)
            assert tracked.returncode == 0, tracked.stderr
        bad = _broken(sb.base_url_template, how)
        result = run_riotjobs(
            "run", "tracked_player_updater", env={**env, "RIOTJOBS_RIOT_BASE_URL": bad}
        )
    assert result.returncode == code, result.stderr
    first = result.stderr.strip().splitlines()[0]
    host = bad.split("://", 1)[1].split("/", 1)[0]
    assert first.startswith("riotjobs: ") and host in first and cause in first, result.stderr
    assert "Traceback" not in result.stderr and env["RIOT_API_KEY"] not in result.stderr
    [row] = executions(engine, "tracked_player_updater")
    assert (row.status, row.exit_code) == ("failed", code)
    assert scalar(engine, "SELECT count(*) FROM job_incidents") == 1
    assert run_riotjobs("status", "--check", env=env).returncode != 0
