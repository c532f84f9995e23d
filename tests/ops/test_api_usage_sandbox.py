"""API usage per run against the sandbox: what the runs stored adds up to the sandbox's own
``/sandbox/stats`` for the same runs, by endpoint, by routing value and by 429 type
(README: API usage per run). Three sandboxes, each with its own key (so its own limiter
scopes): one injecting service 429s, one whose application window is already full when the
run starts, and one whose league method window is."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from riotjobs.counters import RATE_LIMIT_TYPES
from riotjobs.sandbox import SandboxConfig
from tests.helpers import run_riotjobs
from tests.pipeline.sandboxed import rows, sandbox_env

pytestmark = pytest.mark.slow

# The client's endpoint names (riotjobs.riot.routing) and the sandbox's short ones.
SANDBOX_NAME = {
    "account-v1.by-riot-id": "account",
    "summoner-v4.by-puuid": "summoner",
    "league-v4.entries-by-puuid": "league",
    "match-v5.ids-by-puuid": "ids",
    "match-v5.match": "match",
    "lol-status-v4.platform-data": "status",
}
SEED = 31


def _stored(engine: Engine, since_id: int) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Requests by endpoint (sandbox names) and by routing, 429s by type, of runs after
    ``since_id``; checked against the runs' own totals on the way."""
    usage = rows(
        engine,
        "SELECT u.* FROM job_execution_api_usage u"
        " JOIN job_executions e ON e.id = u.execution_id WHERE e.id > :since",
        since=since_id,
    )
    by_endpoint: Counter[str] = Counter()
    by_routing: Counter[str] = Counter()
    limited: Counter[str] = Counter()
    for u in usage:
        by_endpoint[SANDBOX_NAME[u.endpoint]] += u.requests
        by_routing[u.routing] += u.requests
        for kind in RATE_LIMIT_TYPES:
            limited[kind] += getattr(u, f"rate_limited_{kind}")
    (made, limited_total) = rows(
        engine,
        "SELECT coalesce(sum(api_requests_made), 0), coalesce(sum(rate_limited_responses), 0)"
        " FROM job_executions WHERE id > :since",
        since=since_id,
    )[0]
    assert sum(by_endpoint.values()) == made and sum(limited.values()) == limited_total
    return +by_endpoint, +by_routing, limited


def _assert_adds_up(sb: Any, engine: Engine, since_id: int) -> Counter[str]:
    by_endpoint, by_routing, limited = _stored(engine, since_id)
    stats = sb.stats()
    assert dict(by_endpoint) == stats["requests"]["by_endpoint"]
    assert dict(by_routing) == stats["requests"]["by_routing"]
    theirs = stats["rate_limited"]["by_type"]
    assert limited["application"] == theirs.get("application", 0)
    assert limited["method"] == theirs.get("method", 0)
    # The sandbox sends half its service 429s without X-Rate-Limit-Type: "untyped" to us.
    assert limited["service"] + limited["untyped"] == theirs.get("service", 0)
    return limited


def _last_id(engine: Engine) -> int:
    return int(rows(engine, "SELECT coalesce(max(id), 0) FROM job_executions")[0][0])


def _run(env: dict[str, str], job: str) -> None:
    result = run_riotjobs("run", job, env=env, timeout=120)
    assert result.returncode in (0, 1, 3), result.stderr


def _prefill(sb: Any, path: str, count: int) -> None:
    """Spend the sandbox's window with requests that are not a run's, then forget them."""
    for _ in range(count):
        httpx.get(
            sb.base_url_template.format(routing="na1") + path,
            headers={"X-Riot-Token": sb.api_key},
            timeout=30,
        )
    sb.reset_stats()


def test_per_run_usage_adds_up_to_the_sandbox_stats(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    faulty = SandboxConfig(
        seed=SEED, players=150, clock_speed=0, app_limit="2000:1", service_429_rate=0.15
    )
    with sandbox_env(cli_env, tmp_path, faulty, max_new=15, players_per_run=4) as (sb, env):
        tracked = sb.players(2)
        for p in tracked:
            assert run_riotjobs("players", "track", p["riot_id"], env=env).returncode == 0
        sb.reset_stats()  # `players track` is not a run
        start = _last_id(engine)
        for job in ("tracked_player_updater", "player_analyzer"):
            _run(env, job)
            sb.advance(3600)
        limited = _assert_adds_up(sb, engine, start)
        assert limited["service"] > 0 and limited["untyped"] > 0, limited

    # The application window is full before the run: its first request gets an app 429.
    full_app = SandboxConfig(
        seed=SEED, players=150, clock_speed=0, app_limit="3:60", api_key="second-key"
    )
    # A short timeout: the 60 s block lies past the deadline, so the run stops at once.
    with sandbox_env(cli_env, tmp_path, full_app, tracked_timeout=15) as (sb, env):
        _prefill(sb, "/lol/status/v4/platform-data", 3)
        start = _last_id(engine)
        _run(env, "tracked_player_updater")
        assert _assert_adds_up(sb, engine, start)["application"] > 0

    # The league method window is full before the run: its league request gets a method 429.
    full_league = SandboxConfig(
        seed=SEED,
        players=150,
        clock_speed=0,
        app_limit="2000:1",
        method_limits={"league": "1:60"},
        api_key="third-key",
    )
    with sandbox_env(cli_env, tmp_path, full_league, tracked_timeout=15) as (sb, env):
        _prefill(sb, f"/lol/league/v4/entries/by-puuid/{tracked[0]['puuid']}", 1)
        start = _last_id(engine)
        _run(env, "tracked_player_updater")
        assert _assert_adds_up(sb, engine, start)["method"] > 0
