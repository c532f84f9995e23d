"""Acceptance: the pipeline against the sandbox over real HTTP, real Postgres and real
`riotjobs run` processes."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from riotjobs.sandbox import SandboxConfig
from tests.helpers import run_riotjobs, spawn_riotjobs
from tests.pipeline.sandboxed import (
    assert_consistent,
    executions,
    rows,
    sandbox_env,
    sandbox_ids,
    sandbox_match,
    scalar,
)

pytestmark = pytest.mark.slow


def _track(sb: Any, env: dict[str, str], count: int) -> list[dict[str, Any]]:
    players = sb.players(count)
    assert len(players) == count
    for p in players:
        result = run_riotjobs("players", "track", p["riot_id"], env=env)
        assert result.returncode == 0, result.stderr
    return players


def _first_window_start(sb: Any, puuid: str) -> int:
    """Start (epoch s) of the oldest of the player's newest 100 ranked matches."""
    oldest = sandbox_ids(sb, puuid, start_time=0)[:100][-1]
    return int(sandbox_match(sb, oldest)["info"]["gameStartTimestamp"]) // 1000


def _ranked_ids(engine: Engine, puuid: str) -> list[str]:
    return [
        r.match_id
        for r in rows(
            engine,
            "SELECT m.match_id FROM matches m JOIN match_participants mp USING (match_id)"
            " WHERE mp.puuid = :p AND m.queue_id = 420",
            p=puuid,
        )
    ]


def test_five_runs_store_every_match_exactly_once(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    # Pinned: from this start the oldest match of one player's first listing is also in another
    # tracked player's listing, beyond that player's cap (a run that held such a match back lost
    # the first player's window).
    config = SandboxConfig(
        seed=11, players=200, clock_speed=0, app_limit="2000:1", start=1_795_340_100.0
    )
    with sandbox_env(cli_env, tmp_path, config, max_new=40) as (sb, env):
        players = _track(sb, env, 3)
        # A never-synced player's first listing is its newest 100 ranked ids: the window
        # riotjobs promises to keep gap-free starts at the oldest of them. (Older matches may be
        # stored too, when another tracked player played them.)
        first_seen = {p["puuid"]: _first_window_start(sb, p["puuid"]) for p in players}
        for i in range(5):
            if i:
                sb.advance(8 * 3600)
            result = run_riotjobs("run", "tracked_player_updater", env=env, timeout=120)
            assert result.returncode == 0, result.stderr
        sizes = []
        for p in players:
            stored = _ranked_ids(engine, p["puuid"])
            assert len(stored) == len(set(stored))
            sizes.append(len(stored))
            # The window: from the oldest match of the first listing up to the sandbox's now.
            window = sandbox_ids(sb, p["puuid"], start_time=first_seen[p["puuid"]])
            assert set(window) <= set(stored), sorted(set(window) - set(stored))
        assert max(sizes) > 2 * 40  # a backlog bigger than the cap was worked off
        sample = rows(engine, "SELECT match_id FROM matches ORDER BY match_id LIMIT 15")
        for r in sample:
            expected = {x["puuid"] for x in sandbox_match(sb, r.match_id)["info"]["participants"]}
            stored_people = rows(
                engine, "SELECT puuid FROM match_participants WHERE match_id = :m", m=r.match_id
            )
            assert {x.puuid for x in stored_people} == expected - {"BOT"}
        assert_consistent(engine)
        runs = executions(engine, "tracked_player_updater")
        assert [r.status for r in runs] == ["success"] * 5
        assert sum(r.matches_fetched for r in runs) == scalar(
            engine, "SELECT count(*) FROM matches"
        )
        discovered = scalar(engine, "SELECT count(*) FROM players WHERE NOT is_tracked")
        assert sum(r.players_discovered for r in runs) == discovered
        assert scalar(engine, "SELECT count(*) FROM players WHERE is_tracked") == 3
        levels = rows(engine, "SELECT summoner_level FROM players WHERE is_tracked")
        assert all(r.summoner_level for r in levels)
        assert scalar(engine, "SELECT count(DISTINCT puuid) FROM player_ranks") == 3


def test_a_run_without_new_matches_asks_only_for_ids_and_league(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    config = SandboxConfig(seed=12, players=100, clock_speed=0, app_limit="2000:1")
    with sandbox_env(cli_env, tmp_path, config, max_new=100) as (sb, env):
        _track(sb, env, 2)
        assert run_riotjobs("run", "tracked_player_updater", env=env).returncode == 0
        sb.reset_stats()
        result = run_riotjobs("run", "tracked_player_updater", env=env)
        assert result.returncode == 0, result.stderr
        by_endpoint = sb.stats()["requests"]["by_endpoint"]
        assert by_endpoint == {"ids": 2, "league": 2}
        last = executions(engine, "tracked_player_updater")[-1]
        assert (last.status, last.api_requests_made, last.matches_fetched) == ("success", 4, 0)


def test_kill_9_during_ingestion_then_rerun(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    config = SandboxConfig(seed=13, players=100, clock_speed=0, latency_ms=40, app_limit="2000:1")
    with sandbox_env(cli_env, tmp_path, config, max_new=100) as (sb, env):
        _track(sb, env, 2)
        proc = spawn_riotjobs("run", "tracked_player_updater", env=env)
        try:
            deadline = time.monotonic() + 60
            while scalar(engine, "SELECT count(*) FROM matches") < 5:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "no match was stored in time"
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(30)
        interrupted = scalar(engine, "SELECT count(*) FROM matches")
        assert 5 <= interrupted < 200
        assert_consistent(engine)
        rerun = run_riotjobs("run", "tracked_player_updater", env=env, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        assert_consistent(engine)
        assert scalar(engine, "SELECT count(*) FROM matches") == 200
        statuses = [r.status for r in executions(engine, "tracked_player_updater")]
        assert statuses == ["abandoned", "success"]


def test_faults_end_success_or_partial_with_true_counters(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    config = SandboxConfig(
        seed=14,
        players=150,
        clock_speed=0,
        app_limit="2000:1",
        fault_rate=0.05,
        malformed_rate=0.02,
    )
    with sandbox_env(cli_env, tmp_path, config, max_new=30, players_per_run=5) as (sb, env):
        _track(sb, env, 3)
        for job in ("tracked_player_updater", "player_analyzer") * 3:
            result = run_riotjobs("run", job, env=env, timeout=120)
            assert result.returncode in (0, 3), result.stderr
            sb.advance(3600)
        runs = executions(engine)
        assert {r.status for r in runs} <= {"success", "partial"}
        assert sb.stats()["faults"], "the sandbox injected no faults"
        assert_consistent(engine)
        assert sum(r.matches_fetched for r in runs) == scalar(
            engine, "SELECT count(*) FROM matches"
        )
        discovered = scalar(engine, "SELECT count(*) FROM players WHERE NOT is_tracked")
        assert sum(r.players_discovered for r in runs) == discovered
        created = scalar(
            engine,
            "SELECT (SELECT count(*) FROM matches) + (SELECT count(*) FROM match_participants)"
            " + (SELECT count(*) FROM players WHERE NOT is_tracked)"
            " + (SELECT count(*) FROM player_ranks)",
        )
        assert sum(r.records_created for r in runs) == created


def test_two_jobs_at_once_share_the_rate_limit(
    cli_env: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    config = SandboxConfig(seed=15, players=150, clock_speed=0, app_limit="20:1,100:120")
    with sandbox_env(
        cli_env, tmp_path, config, players_per_run=3, tracked_timeout=40, analyzer_timeout=40
    ) as (sb, env):
        _track(sb, env, 2)
        # Seed discovered players for the analyzer without spending the budget under test.
        with engine.begin() as conn:
            from sqlalchemy import text

            for p in sb.players(12)[2:]:
                conn.execute(
                    text("INSERT INTO players (puuid, platform) VALUES (:p, 'na1')"),
                    {"p": p["puuid"]},
                )
        sb.reset_stats()
        procs = [
            spawn_riotjobs("run", job, env=env)
            for job in ("tracked_player_updater", "player_analyzer")
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode in (0, 3), err
        stats = sb.stats()
        limited = stats["rate_limited"]["by_type"]
        assert limited.get("application", 0) == 0 and limited.get("method", 0) == 0, stats
        # The budget was really contended: the analyzer's low lane may fill the two-minute
        # window but for jobs.yaml's default reserve (20 of 100, kept for the high lane).
        assert stats["requests"]["total"] >= 80
        assert_consistent(engine)
