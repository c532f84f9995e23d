"""The synthetic league: determinism, labels, history depth and a separable smurf signal."""

from __future__ import annotations

import statistics

from riotjobs.sandbox.league import ARAM, ARENA, RANKED, League
from riotjobs.sandbox.matches import match_payload
from tests.sandbox.helpers import small_config


def _fingerprint(league: League) -> list[tuple[str, bool, bool, tuple[str, ...]]]:
    return [
        (p.puuid, p.smurf, p.banned_at is not None, tuple(m.match_id for m in league.history[i]))
        for i, p in enumerate(league.players)
    ]


def test_same_seed_same_league_and_different_seed_different_league() -> None:
    first, again = League(small_config()), League(small_config())
    other = League(small_config(seed=8))
    assert _fingerprint(first) == _fingerprint(again)
    lobby = next(iter(first.matches.values()))
    assert match_payload(first, lobby) == match_payload(again, again.matches[lobby.match_id])
    assert {p.puuid for p in other.players}.isdisjoint(p.puuid for p in first.players)
    assert set(other.matches).isdisjoint(first.matches)


def test_labels_follow_the_configured_shares() -> None:
    league = League(small_config(players=500, smurf_share=0.2, ban_share=0.5))
    smurfs = [p for p in league.players if p.smurf]
    assert len(smurfs) == 100
    assert sum(p.banned_at is not None for p in smurfs) == 50
    assert all(p.banned_at is None for p in league.players if not p.smurf)


def test_every_player_has_twenty_ranked_games_and_lobbies_are_well_formed() -> None:
    league = League(small_config())
    for player in league.players:
        games = league.visible(player, league.start)
        assert sum(g.queue == RANKED for g in games) >= 20, player.kind
        starts = [g.start for g in games]
        assert starts == sorted(starts)
    queues = {lobby.queue for lobby in league.matches.values()}
    assert {RANKED, ARAM, ARENA} <= queues
    for lobby in list(league.matches.values())[:300]:
        assert len(set(lobby.players)) == (16 if lobby.queue == ARENA else 10)
        if lobby.queue == RANKED:
            assert lobby.positions == ("TOP", "JUNGLE", "MIDDLE", "BOTTOM", "UTILITY") * 2


def test_match_ids_agree_with_match_bodies() -> None:
    league = League(small_config())
    player = league.players[3]
    for lobby in league.visible(player, league.start)[-10:]:
        body = match_payload(league, lobby)
        assert player.puuid in body["metadata"]["participants"]
        mine = [p for p in body["info"]["participants"] if p["puuid"] == player.puuid]
        assert len(mine) == 1 and mine[0]["riotIdGameName"] == player.game_name
        assert body["info"]["gameEndTimestamp"] <= league.start * 1000 + 5000


def test_clock_advance_adds_matches_deterministically() -> None:
    league, again = League(small_config()), League(small_config())
    before = sum(lobby.end <= league.start for lobby in league.matches.values())
    later = league.start + 12 * 3600  # 300 players play ~85 games a day
    league.simulate_until(later)
    again.simulate_until(later)
    after = sum(lobby.end <= later for lobby in league.matches.values())
    assert after > before + 20
    assert set(league.matches) == set(again.matches)


def test_smurfs_outperform_their_lobbies_and_climb_and_normals_do_not() -> None:
    league = League(small_config(players=400))
    now = league.start
    rel: dict[str, list[float]] = {"smurf": [], "other": []}
    rate: dict[str, list[float]] = {"smurf": [], "other": []}
    for player in league.players:
        games = [g for g in league.visible(player, now) if g.queue == RANKED][-30:]
        outcomes = [league.outcome(g) for g in games]
        seats = [g.players.index(player.index) for g in games]
        key = "smurf" if player.smurf else "other"
        rel[key].append(statistics.mean(o.rel[s] for o, s in zip(outcomes, seats, strict=True)))
        rate[key].append(statistics.mean(o.win[s] for o, s in zip(outcomes, seats, strict=True)))
        if player.smurf:
            assert player.rating(now) > player.rating(player.created_at + 86400)
            assert league.level(player, now) <= 80
    assert statistics.mean(rel["smurf"]) > 1.0 > 0.3 > statistics.mean(rel["other"])
    assert statistics.mean(rate["smurf"]) > 0.62 > 0.52 > statistics.mean(rate["other"])
    # Hard negatives exist: some normal players run hot over their last 30 games.
    assert max(rate["other"]) > 0.6
