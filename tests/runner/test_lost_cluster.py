"""Database faults on a real throwaway cluster: the test stops the server mid-run.

The run must end within timeout + 5 s with one `riotjobs:` line and exit 69, and nothing is
lost: its row is still there once the server is back, and the next command marks it abandoned.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from riotjobs.db import migrate
from riotjobs.db.engine import create_engine, to_libpq, to_sqlalchemy
from tests.helpers import run_riotjobs
from tests.runner.helpers import (
    executions,
    one_line,
    running_row,
    spawned_run,
    wait_for,
)
from tests.runner.throwaway import cluster

pytestmark = pytest.mark.slow

TIMEOUT = 20
JOBS = f"""
jobs:
  long:
    schedule: "*/2 * * * *"
    timeout: {TIMEOUT}
    tasks: [sleep]
    config: {{seconds: 60}}
"""


def test_stopping_the_server_mid_run_ends_it_in_time_and_loses_nothing(
    jobs_env: Callable[[str], dict[str, str]],
) -> None:
    with cluster() as db:
        url = to_sqlalchemy(db.url)
        engine = create_engine(url)
        try:
            migrate.upgrade(engine)
            env = {**jobs_env(JOBS), "RIOTJOBS_DATABASE_URL": url}
            with spawned_run("long", env, timeout=TIMEOUT) as run:
                row = wait_for(lambda: running_row(engine, "long"), what="the run's row")
                engine.dispose()
                db.stop("fast")
                stderr = run.finish("with the database gone")
            assert run.returncode == 69, stderr
            one_line(stderr)
            db.start()
            [still] = executions(engine, "long")
            assert (still["id"], still["status"]) == (row["id"], "running")
            nxt = run_riotjobs("run", "long", env={**env, "RIOTJOBS_JOB_TIMEOUT": "5"},
                               timeout=60)  # fmt: skip
            assert nxt.returncode in (0, 124), nxt.stderr
            rows = {r["id"]: r for r in executions(engine, "long")}
            assert rows[row["id"]]["status"] == "abandoned"
        finally:
            engine.dispose()


# The key's budget: one request per WINDOW seconds. Tracking a player spends it, so the run's
# first request must wait about WINDOW s for a slot: well inside its timeout (so the limiter
# sleeps instead of giving up at once), and long enough to stop the server meanwhile.
WINDOW = 15
WAITING_TIMEOUT = 40


def _waiting_for_a_slot(url: str) -> bool:
    """The run has asked the limiter for a slot: its limiter connection is open. (The windows
    are full, so it got none: the caller checks that no request of the run was sent.)"""
    with psycopg.connect(to_libpq(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'riotjobs limiter'"
            " AND datname = current_database()"
        ).fetchone()
    return bool(row and row[0])


def _spend(env: dict[str, str], url: str, puuid: str) -> None:
    """Take the americas window's only slot (tracking took na1's, validating the puuid)."""
    from riotjobs.riot.client import RiotClient

    with RiotClient(
        api_key=env["RIOT_API_KEY"],
        base_url=env["RIOTJOBS_RIOT_BASE_URL"],
        db_url=url,
        app_limits=env["RIOTJOBS_RIOT_APP_LIMITS"],
    ) as client:
        client.match_ids_by_puuid(puuid, platform="na1")


def test_losing_the_server_while_waiting_for_rate_limit_slots_says_so(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Before the fix the run exited 69 with nothing on stderr. The run must really be waiting
    for a rate-limit slot when the server goes: the key's budget is spent and the run's limiter
    sleeps until the next slot, with no request of the run sent."""
    from riotjobs.sandbox import SandboxConfig
    from tests.pipeline.sandboxed import sandbox_env

    limits = f"1:{WINDOW}"
    config = SandboxConfig(seed=5, players=20, clock_speed=0, app_limit=limits)
    with (
        cluster() as db,
        sandbox_env(cli_env, tmp_path, config, tracked_timeout=WAITING_TIMEOUT) as (sb, env),
    ):
        url = to_sqlalchemy(db.url)
        engine = create_engine(url)
        try:
            migrate.upgrade(engine)
            env = {**env, "RIOTJOBS_DATABASE_URL": url, "RIOTJOBS_RIOT_APP_LIMITS": limits}
            [player] = sb.players(1)
            tracked = run_riotjobs("players", "track", player["puuid"], env=env)
            assert tracked.returncode == 0, tracked.stderr
            _spend(env, url, player["puuid"])
            # Each routing value has its own application window: both are full now.
            assert sb.stats()["requests"]["by_routing"] == {"americas": 1, "na1": 1}
            spent = sb.stats()["requests"]["total"]
            with spawned_run("tracked_player_updater", env, timeout=WAITING_TIMEOUT) as run:
                wait_for(lambda: running_row(engine, "tracked_player_updater"), what="the row")
                wait_for(lambda: _waiting_for_a_slot(url), what="the run to ask for a slot")
                # Blocked, not done: alive, and not one request of it reached the API.
                assert run.proc.poll() is None
                assert sb.stats()["requests"]["total"] == spent
                engine.dispose()
                db.stop("fast")
                stderr = run.finish("with the database gone while it waited for a slot")
            assert sb.stats()["requests"]["total"] == spent  # it never got one
        finally:
            engine.dispose()
    assert run.returncode == 69, stderr
    message = one_line(stderr)
    assert "database" in message and f"127.0.0.1:{db.port}" in message, message
