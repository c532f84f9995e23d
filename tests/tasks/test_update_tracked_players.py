"""`update_tracked_players` over a MockTransport Riot API and real Postgres."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from riotjobs.riot.errors import InvalidKeyError, RateLimitBudgetExhausted
from riotjobs.tasks.update_tracked_players import Config, run
from tests.pipeline import factories as f
from tests.pipeline.fakeriot import FakeRiot, task_context

ME = f.puuid(1)
LOBBY = [f.puuid(i) for i in range(2, 11)]


def _q(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _track(engine: Engine, who: str = ME) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO players (puuid, platform, is_tracked, tracked_at)"
                " VALUES (:p, 'na1', true, now())"
            ),
            {"p": who},
        )


def _world(n: int, *, start: int = 1_000_000, queue: int = 420) -> FakeRiot:
    fake = FakeRiot()
    for i in range(n):
        fake.add_match(f"NA1_{1000 + i}", [ME, *LOBBY], start_s=start + i * 3600, queue=queue)
    fake.leagues[ME] = [f.league_entry(ME).model_dump(by_alias=True)]
    return fake


def test_first_run_stores_matches_participants_players_and_rank(
    engine: Engine, db_url: str
) -> None:
    _track(engine)
    fake = _world(5)
    fake.levels[ME] = 77
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config())
    assert outcome.status == "success"
    assert _q(engine, "SELECT count(*) FROM matches") == 5
    assert _q(engine, "SELECT count(*) FROM match_participants") == 50
    assert _q(engine, "SELECT count(*) FROM players WHERE NOT is_tracked") == 9
    assert _q(engine, "SELECT count(*) FROM player_ranks") == 1
    counters = ctx.counters.as_dict()
    assert counters["matches_fetched"] == 5
    assert counters["players_discovered"] == 9
    assert counters["players_processed"] == 1
    assert counters["records_created"] == 5 + 50 + 9 + 1
    assert counters["api_requests_made"] == 1 + 5 + 1
    ids_call = next(p for k, _, p in fake.requests if k == "ids")
    assert ids_call["queue"] == "420" and ids_call["count"] == "100"
    assert "startTime" not in ids_call


def test_second_run_asks_from_last_end_and_fetches_only_new(engine: Engine, db_url: str) -> None:
    _track(engine)
    fake = _world(3)
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config())
    last_end = 1_000_000 + 2 * 3600 + 1800
    fake.add_match("NA1_2000", [ME, *LOBBY], start_s=last_end + 600)
    fake.requests.clear()
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config())
    assert outcome.status == "success"
    ids_call = next(p for k, _, p in fake.requests if k == "ids")
    assert ids_call["startTime"] == str(last_end)
    assert [path for k, path, _ in fake.requests if k == "match"] == [
        "/lol/match/v5/matches/NA1_2000"
    ]
    # Nothing new: only the ids and the league request.
    fake.requests.clear()
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config())
    assert sorted(k for k, _, _ in fake.requests) == ["ids", "league"]
    assert ctx.counters.get("api_requests_made") == 2
    assert _q(engine, "SELECT count(*) FROM player_ranks") == 1  # rank unchanged


def test_cap_takes_oldest_first_and_later_runs_fill_without_gaps(
    engine: Engine, db_url: str
) -> None:
    _track(engine)
    fake = _world(12)
    config = Config(max_new_matches_per_player=5)
    for expected in (5, 10, 12, 12):
        with task_context(fake, engine, db_url) as ctx:
            run(ctx, config)
        assert _q(engine, "SELECT count(*) FROM matches") == expected
    stored = _q(engine, "SELECT array_agg(match_id ORDER BY match_id) FROM matches")
    assert stored == sorted(fake.matches)


def test_max_tracked_players_caps_the_run(engine: Engine, db_url: str) -> None:
    fake = FakeRiot()
    for i in range(3):
        _track(engine, f.puuid(100 + i))
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config(max_tracked_players=2))
    assert fake.count("ids") == 2
    assert ctx.counters.get("players_processed") == 2


def test_bad_matches_are_skipped_without_leaving_gaps(engine: Engine, db_url: str) -> None:
    """A malformed body is skipped; a 5xx (after retries) ends the stored prefix there, so the
    next run's startTime does not jump over it. The oldest match answers last, so commits
    really have to wait for it."""
    _track(engine)
    fake = _world(5)
    fake.faults[r"/NA1_1001$"] = (200, "{not json")
    fake.faults[r"/NA1_1003$"] = (503, "")
    fake.delays[r"/NA1_1000$"] = 0.3
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config())
    assert outcome.status == "partial"
    assert len(outcome.failures) == 2
    stored = _q(engine, "SELECT array_agg(match_id ORDER BY match_id) FROM matches")
    assert stored == ["NA1_1000", "NA1_1002"]  # NA1_1004 waits behind the 5xx
    assert ctx.counters.get("matches_fetched") == 2
    assert ctx.counters.get("players_processed") == 1
    assert _q(engine, "SELECT count(*) FROM player_ranks") == 1
    fake.faults.clear()
    with task_context(fake, engine, db_url) as ctx:
        assert run(ctx, Config()).status == "success"
    stored = _q(engine, "SELECT array_agg(match_id ORDER BY match_id) FROM matches")
    assert stored == ["NA1_1000", "NA1_1002", "NA1_1003", "NA1_1004"]  # NA1_1001 stays skipped


def test_failed_league_request_keeps_the_matches(engine: Engine, db_url: str) -> None:
    _track(engine)
    fake = _world(2)
    fake.faults["/league/"] = (500, "")
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config())
    assert outcome.status == "partial"
    assert _q(engine, "SELECT count(*) FROM matches") == 2


def test_invalid_key_escapes(engine: Engine, db_url: str) -> None:
    _track(engine)
    fake = _world(2)
    fake.faults["/ids$"] = (403, "")
    with task_context(fake, engine, db_url) as ctx, pytest.raises(InvalidKeyError):
        run(ctx, Config())


def test_budget_exhaustion_escapes_after_committing_work(engine: Engine, db_url: str) -> None:
    """Three requests a minute per routing value and a 3 s deadline: the first player's ids and 2
    matches (americas) and league (na1) fit; the second player's ids request does not. The
    first player's work stays committed."""
    _track(engine)
    other = f.puuid(500)
    _track(engine, other)
    with engine.begin() as conn:  # the first player is the least recently updated
        conn.execute(
            text("UPDATE players SET updated_at = now() - interval '1 day' WHERE puuid = :p"),
            {"p": ME},
        )
    fake = _world(2)
    fake.add_match("NA1_9000", [other, *LOBBY], start_s=2_000_000)
    with (
        task_context(fake, engine, db_url, seconds=3, app_limits="3:60") as ctx,
        pytest.raises(RateLimitBudgetExhausted),
    ):
        run(ctx, Config())
    assert ctx.counters.get("api_requests_made") == 4
    assert _q(engine, "SELECT count(*) FROM matches") == 2
    assert _q(engine, "SELECT count(*) FROM match_participants") == 20
    assert _q(engine, "SELECT count(*) FROM player_ranks") == 1
    assert ctx.counters.get("players_processed") == 1


def test_summoner_level_tracks_the_newest_match(engine: Engine, db_url: str) -> None:
    _track(engine)
    fake = FakeRiot()
    fake.add_match("NA1_1", [ME, *LOBBY], start_s=1000, levels={ME: 40})
    fake.add_match("NA1_2", [ME, *LOBBY], start_s=9000, levels={ME: 41})
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config())
    assert _q(engine, "SELECT summoner_level FROM players WHERE puuid = :p", p=ME) == 41


def test_non_ranked_history_is_ignored_by_the_ids_filter(engine: Engine, db_url: str) -> None:
    _track(engine)
    fake = _world(2)
    fake.add_match("NA1_3000", [ME, *LOBBY], start_s=5_000_000, queue=450)
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config())
    assert _q(engine, "SELECT count(*) FROM matches WHERE queue_id = 450") == 0
    assert _q(engine, "SELECT count(*) FROM matches") == 2
