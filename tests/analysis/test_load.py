"""Batched loading against real Postgres: lobby means exclude the player, the lane opponent is
found, only queue 420 counts, and the newest ``max_matches`` are kept."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from riotjobs.analysis import load_features
from riotjobs.analysis.features import MET_MATCHES
from tests.analysis.factories import League


def test_lobby_mean_excludes_the_player_and_opponent_is_same_position(session: Any) -> None:
    league = League(session)
    league.player("A", level=55)
    league.match("A", win=True, factor=2.0, slot=2)  # MIDDLE on team 100
    [player] = load_features(session=session, puuids=["A"], max_matches=100).values()
    [m] = player.matches
    assert m.lobby_size == 10 and m.win and m.team_position == "MIDDLE"
    # Fillers play ~1.0x (±10%), the player ~2x: the mean of the other nine is near 1x.
    assert 9_000 < m.lobby.gold < 13_000
    assert m.mine.gold > 1.6 * m.lobby.gold
    assert m.opponent is not None
    rows = session.execute(
        _sql(
            "SELECT gold_earned FROM match_participants WHERE team_position = 'MIDDLE' AND "
            "team_id = 200"
        )
    ).all()
    assert m.opponent.gold == rows[0].gold_earned
    assert player.summoner_level == 55 and player.total_matches == 1


def test_only_ranked_solo_matches_count_and_newest_are_kept(session: Any) -> None:
    league = League(session)
    league.player("A")
    for _ in range(5):
        league.match("A", win=True)
    league.match("A", win=True, queue=1700)  # Arena: ignored
    league.match("A", win=True, queue=450)
    [player] = load_features(session=session, puuids=["A"], max_matches=3).values()
    assert player.total_matches == 5
    assert [m.match_id for m in player.matches] == ["NA1_3", "NA1_4", "NA1_5"]  # oldest first


def test_level_falls_back_to_newest_match_and_ranks_are_ordered(session: Any) -> None:
    league = League(session)
    league.player("A", level=None)
    league.match("A", level=41)
    league.match("A", level=44)
    league.rank("A", "GOLD", "I", 10, 30, day=5)
    league.rank("A", "SILVER", "II", 50, 10, day=1)
    [player] = load_features(session=session, puuids=["A"], max_matches=100).values()
    assert player.summoner_level == 44
    assert [r.tier for r in player.ranks] == ["SILVER", "GOLD"]


@pytest.mark.parametrize("players", [3, 12])
def test_query_count_does_not_grow_with_players(session: Any, engine: Any, players: int) -> None:
    league = League(session)
    for i in range(players):
        league.player(f"P{i}")
        for _ in range(4):
            league.match(f"P{i}")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    loaded = load_features(
        session=session, puuids=[f"P{i}" for i in range(players)], max_matches=100
    )
    assert len(loaded) == players and all(len(p.matches) == 4 for p in loaded.values())
    assert len(statements) == 4  # none has a rank: one more query reads their lobbies' ranks


def test_a_player_without_a_rank_gets_the_latest_ranks_of_the_players_met(session: Any) -> None:
    league = League(session)
    league.player("A")
    league.player("R")
    lobby = [league.player(f"L{i}") for i in range(9)]
    league.match("A", others=lobby)  # the oldest game: beyond the last MET_MATCHES
    for _ in range(MET_MATCHES):
        league.match("A", others=lobby)
    league.match("R", others=lobby)
    for i, who in enumerate(lobby[:6]):
        league.rank(who, "BRONZE", "I", 0, 10, day=1)
        league.rank(who, "GOLD", "II", i, 40, day=3)  # the latest snapshot counts
    league.rank("R", "SILVER", "I", 0, 40, day=3)
    loaded = load_features(session=session, puuids=["A", "R"], max_matches=100)
    met = loaded["A"].met_ranks
    assert len(met) == 6 * MET_MATCHES  # six ranked players in each of the last 20 games
    assert {r.tier for r in met} == {"GOLD"}
    assert loaded["R"].met_ranks == []  # a player with a snapshot of their own needs none


def _sql(text: str) -> Any:
    from sqlalchemy import text as t

    return t(text)
