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
from tests.pipeline.sandboxed import rows

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
    """A malformed body is skipped; a 5xx (after retries) ends the stored prefix there. The sync
    point stops before the first match not stored, so the next run lists and retries both. The
    oldest match answers last, so commits really have to wait for it."""
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
    assert stored == [f"NA1_{1000 + i}" for i in range(5)]  # the skipped NA1_1001 is retried


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
    """Three requests a minute per routing value and a 3 s deadline. Americas: both players'
    id lists, then ONE of their two new matches fits (whichever wins the slot); na1: both
    league requests fit. The player whose match fit is finished and touched; the other keeps
    its old ``updated_at`` (first in line next run). All finished work stays committed."""
    other = f.puuid(500)
    _track(engine)
    _track(engine, other)
    with engine.begin() as conn:
        conn.execute(text("UPDATE players SET updated_at = now() - interval '1 day'"))
    fake = FakeRiot()
    fake.add_match("NA1_1000", [ME, *LOBBY], start_s=1_000_000)
    fake.add_match("NA1_9000", [other, *LOBBY], start_s=2_000_000)
    fake.leagues[ME] = [f.league_entry(ME).model_dump(by_alias=True)]
    fake.leagues[other] = [f.league_entry(other).model_dump(by_alias=True)]
    with (
        task_context(fake, engine, db_url, seconds=3, app_limits="3:60") as ctx,
        pytest.raises(RateLimitBudgetExhausted),
    ):
        run(ctx, Config())
    assert ctx.counters.get("api_requests_made") == 2 + 1 + 2
    assert _q(engine, "SELECT count(*) FROM matches") == 1
    assert _q(engine, "SELECT count(*) FROM match_participants") == 10
    assert _q(engine, "SELECT count(*) FROM player_ranks") == 2
    assert ctx.counters.get("players_processed") == 1
    winner = _q(
        engine,
        "SELECT mp.puuid FROM match_participants mp WHERE mp.puuid = ANY(:p)",
        p=[ME, other],
    )
    touched = _q(
        engine,
        "SELECT array_agg(puuid) FROM players"
        " WHERE is_tracked AND updated_at > now() - interval '1 hour'",
    )
    assert touched == [winner]


def test_players_overlap_and_shared_matches_are_fetched_once(engine: Engine, db_url: str) -> None:
    """Two tracked players who played some games together: every match is requested once,
    each player's history is complete, and the counters match the rows."""
    other = f.puuid(500)
    _track(engine)
    _track(engine, other)
    fake = FakeRiot()
    for i in range(6):  # ME alone, together, ME alone, together, ...
        lobby = [ME, other, *LOBBY[:8]] if i % 2 else [ME, *LOBBY]
        fake.add_match(f"NA1_{1000 + i}", lobby, start_s=1_000_000 + i * 3600)
    fake.add_match("NA1_5000", [other, *LOBBY], start_s=900_000)
    fake.delays[r"/NA1_1001$"] = 0.2  # a shared match answers late: both players wait for it
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config())
    assert outcome.status == "success"
    paths = [path for k, path, _ in fake.requests if k == "match"]
    assert len(paths) == len(set(paths)) == 7
    assert _q(engine, "SELECT count(*) FROM matches") == 7
    for who, count in ((ME, 6), (other, 4)):
        assert _q(engine, "SELECT count(*) FROM match_participants WHERE puuid = :p", p=who) == (
            count
        )
    assert ctx.counters.get("matches_fetched") == 7
    assert ctx.counters.get("players_processed") == 2
    assert fake.count("ids") == fake.count("league") == 2


def test_a_shared_match_waits_for_every_owner_to_reach_it(engine: Engine, db_url: str) -> None:
    """``other`` has an older match that fails with a 5xx, so its stored history must stop
    there; a later match it shares with ME must then not be stored either (it would let
    ``other``'s next run skip the failed one), and ME's history stops before it too."""
    other = f.puuid(500)
    _track(engine)
    _track(engine, other)
    fake = FakeRiot()
    fake.add_match("NA1_1000", [ME, *LOBBY], start_s=1_000_000)
    fake.add_match("NA1_1500", [other, *LOBBY], start_s=1_001_000)
    fake.add_match("NA1_2000", [ME, other, *LOBBY[:8]], start_s=1_010_000)
    fake.add_match("NA1_3000", [ME, *LOBBY], start_s=1_020_000)
    fake.faults[r"/NA1_1500$"] = (503, "")
    with task_context(fake, engine, db_url) as ctx:
        outcome = run(ctx, Config())
    assert outcome.status == "partial"
    stored = _q(engine, "SELECT array_agg(match_id ORDER BY match_id) FROM matches")
    assert stored == ["NA1_1000"]
    fake.faults.clear()
    with task_context(fake, engine, db_url) as ctx:
        assert run(ctx, Config()).status == "success"
    stored = _q(engine, "SELECT array_agg(match_id ORDER BY match_id) FROM matches")
    assert stored == ["NA1_1000", "NA1_1500", "NA1_2000", "NA1_3000"]


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


def test_a_match_beyond_another_players_cap_is_stored_without_skipping_theirs(
    engine: Engine, db_url: str
) -> None:
    """ME's oldest match is also in ``other``'s listing, beyond ``other``'s cap. It is stored
    for ME at once (holding it back left a never-synced ME with nothing stored, and its next
    listing, the newest ones again, dropped it), and ``other``'s sync point still stops before
    its own unfetched match, so nothing of ``other``'s is skipped either."""
    other = f.puuid(500)
    _track(engine)
    _track(engine, other)
    fake = FakeRiot()
    fake.add_match("NA1_1000", [other, *LOBBY], start_s=1_000_000)
    fake.add_match("NA1_1100", [other, *LOBBY], start_s=1_010_000)
    fake.add_match("NA1_1200", [other, *LOBBY], start_s=1_020_000)
    fake.add_match("NA1_2000", [ME, other, *LOBBY[:8]], start_s=1_030_000)
    fake.add_match("NA1_3000", [ME, *LOBBY], start_s=1_040_000)
    config = Config(max_new_matches_per_player=2)
    with task_context(fake, engine, db_url) as ctx:
        assert run(ctx, config).status == "success"
    stored = _q(engine, "SELECT array_agg(match_id ORDER BY match_id) FROM matches")
    assert stored == ["NA1_1000", "NA1_1100", "NA1_2000", "NA1_3000"]
    assert ctx.counters.get("players_processed") == 2
    synced = dict(rows(engine, "SELECT puuid, matches_synced_until FROM players WHERE is_tracked"))
    ends = dict(rows(engine, "SELECT match_id, game_end FROM matches"))
    assert synced == {ME: ends["NA1_3000"], other: ends["NA1_1100"]}
    with task_context(fake, engine, db_url) as ctx:
        assert run(ctx, config).status == "success"
    stored = _q(engine, "SELECT array_agg(match_id ORDER BY match_id) FROM matches")
    assert stored == ["NA1_1000", "NA1_1100", "NA1_1200", "NA1_2000", "NA1_3000"]
    assert ctx.counters.get("matches_fetched") == 1  # NA1_2000 was not fetched again
    synced = dict(rows(engine, "SELECT puuid, matches_synced_until FROM players WHERE is_tracked"))
    assert synced[other] == ends["NA1_2000"]


def test_a_first_window_whose_oldest_match_failed_is_kept_by_its_floor(
    engine: Engine, db_url: str
) -> None:
    """The first listing of a never-synced player is its newest 100. If the oldest of them fails
    (a 5xx after retries), nothing is stored and there is no sync point yet; games played before
    the next run push it out of the newest 100, so the next listing pages back to the floor."""
    _track(engine)
    fake = _world(103)  # NA1_1000 … NA1_1102; the newest 100 start at NA1_1003
    fake.faults[r"/NA1_1003$"] = (503, "")
    config = Config(max_new_matches_per_player=5)
    with task_context(fake, engine, db_url) as ctx:
        assert run(ctx, config).status == "partial"
    assert _q(engine, "SELECT count(*) FROM matches") == 0
    assert _q(engine, "SELECT sync_floor_match_id FROM players WHERE puuid = :p", p=ME) == (
        "NA1_1003"
    )
    fake.faults.clear()
    for i in range(103, 106):  # three more games: the newest 100 now start at NA1_1006
        fake.add_match(f"NA1_{1000 + i}", [ME, *LOBBY], start_s=1_000_000 + i * 3600)
    with task_context(fake, engine, db_url) as ctx:
        assert run(ctx, config).status == "success"
    stored = _q(engine, "SELECT array_agg(match_id ORDER BY match_id) FROM matches")
    assert stored == [f"NA1_{1003 + i}" for i in range(5)]  # from the floor, nothing older
    assert fake.count("ids") == 3  # one page in the first run, two back to the floor
    synced = _q(engine, "SELECT matches_synced_until FROM players WHERE puuid = :p", p=ME)
    assert synced is not None
    with task_context(fake, engine, db_url) as ctx:  # from the sync point on: no floor needed
        assert run(ctx, config).status == "success"
    assert _q(engine, "SELECT count(*) FROM matches") == 10
    assert _q(engine, "SELECT min(match_id) FROM matches") == "NA1_1003"


def test_a_newer_match_stored_by_another_job_does_not_skip_the_backlog(
    engine: Engine, db_url: str
) -> None:
    """The sync point, not the newest stored match, is where the next listing starts."""
    from sqlmodel import Session

    from riotjobs.pipeline.ingest import ingest_match
    from riotjobs.riot.models import MatchDto

    _track(engine)
    fake = _world(6)  # NA1_1000 … NA1_1005, one an hour
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config(max_new_matches_per_player=2))  # the cap leaves a backlog of 4
    assert _q(engine, "SELECT count(*) FROM matches") == 2
    # Another job (e.g. fetch_discovered_matches, through a lobby mate) stores the newest one.
    with Session(engine) as session:
        ingest_match(session=session, match=MatchDto.model_validate(fake.matches["NA1_1005"]))
        session.commit()
    fake.requests.clear()
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config(max_new_matches_per_player=10))
    ids_call = next(p for k, _, p in fake.requests if k == "ids")
    assert ids_call["startTime"] == str(1_000_000 + 3600 + 1800)  # end of NA1_1001
    stored = _q(engine, "SELECT array_agg(match_id ORDER BY match_id) FROM matches")
    assert stored == [f"NA1_{1000 + i}" for i in range(6)]
    synced = _q(
        engine,
        "SELECT extract(epoch FROM matches_synced_until)::bigint FROM players WHERE puuid = :p",
        p=ME,
    )
    assert synced == 1_000_000 + 5 * 3600 + 1800  # the end of the newest match


def test_a_backlog_longer_than_one_page_is_listed_in_pages(engine: Engine, db_url: str) -> None:
    """The API lists the newest ids first; from a sync point the listing pages on, so the
    oldest matches of a long backlog are not hidden behind the first 100."""
    _track(engine)
    fake = _world(130)
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config(max_new_matches_per_player=5))  # never synced: the newest 100 only
    first = _q(engine, "SELECT array_agg(match_id ORDER BY match_id) FROM matches")
    assert first == [f"NA1_{1030 + i}" for i in range(5)]
    for i in range(130, 190):
        fake.add_match(f"NA1_{1000 + i}", [ME, *LOBBY], start_s=1_000_000 + i * 3600)
    fake.requests.clear()
    with task_context(fake, engine, db_url) as ctx:
        run(ctx, Config(max_new_matches_per_player=100))
    pages = [p for k, _, p in fake.requests if k == "ids"]
    assert [p.get("start", "0") for p in pages] == ["0", "100"]  # 155 ids since the sync point
    stored = _q(engine, "SELECT array_agg(match_id ORDER BY match_id) FROM matches")
    assert stored == [f"NA1_{1030 + i}" for i in range(105)]  # no gap after NA1_1034
