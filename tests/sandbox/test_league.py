"""The synthetic league: determinism, labels, history depth and a separable smurf signal."""

from __future__ import annotations

import statistics

from riotjobs.sandbox.config import EASY_MIX
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
    short = 0
    for player in league.players:
        games = league.visible(player, league.start)
        # A new account that plays little may still be short of twenty; nobody else is.
        ranked = sum(g.queue == RANKED for g in games)
        short += ranked < 20
        assert ranked >= 20 or (player.kind == "new_account" and ranked >= 10), player.kind
        starts = [g.start for g in games]
        assert starts == sorted(starts)
    assert short <= len(league.players) // 100
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


def _recent(league: League, player_index: int) -> tuple[float, float, float]:
    """Mean lobby-relative performance, share of games over +1 and win rate, last 30 games."""
    player = league.players[player_index]
    games = [g for g in league.visible(player, league.start) if g.queue == RANKED][-30:]
    outcomes = [league.outcome(g) for g in games]
    seats = [g.players.index(player.index) for g in games]
    rel = [o.rel[s] for o, s in zip(outcomes, seats, strict=True)]
    wins = [o.win[s] for o, s in zip(outcomes, seats, strict=True)]
    return statistics.mean(rel), sum(r > 1.0 for r in rel) / len(rel), statistics.mean(wins)


def _by_kind(league: League) -> dict[str, list[tuple[float, float, float]]]:
    out: dict[str, list[tuple[float, float, float]]] = {}
    for player in league.players:
        out.setdefault(player.kind, []).append(_recent(league, player.index))
    return out


def test_easy_league_smurfs_outperform_their_lobbies_and_climb_and_normals_do_not() -> None:
    league = League(small_config(players=400, **EASY_MIX))
    now = league.start
    assert {p.kind for p in league.players} <= {
        "smurf", "new_account", "hot_streak", "underranked", "normal"
    }  # fmt: skip
    for player in league.players:
        if player.smurf:
            assert player.rating(now) > player.rating(player.created_at + 86400)
            assert league.level(player, now) <= 80
    kinds = _by_kind(league)
    smurf = kinds.pop("smurf")
    other = [r for rows in kinds.values() for r in rows]
    assert statistics.mean(r[0] for r in smurf) > 1.0 > 0.3 > statistics.mean(r[0] for r in other)
    assert statistics.mean(r[2] for r in smurf) > 0.62 > 0.52 > statistics.mean(r[2] for r in other)
    # Hard negatives exist: some normal players run hot over their last 30 games.
    assert max(r[2] for r in other) > 0.6


def test_confounded_league_has_each_kind_with_its_pattern() -> None:
    league = League(small_config(players=600))
    counts = {k: sum(p.kind == k for p in league.players) for k in {p.kind for p in league.players}}
    assert counts["smurf"] + counts["smurf_bursty"] == round(600 * 0.12)
    assert counts["smurf_bursty"] == round(72 * 0.5)
    assert counts["veteran"] == round(600 * 0.08)
    assert counts["boosted"] == round(600 * 0.03)
    kinds = _by_kind(league)
    share = {k: statistics.mean(r[1] for r in rows) for k, rows in kinds.items()}
    # Dominant smurfs are over +1 in nearly every game; bursty ones in some games only.
    assert share["smurf"] > 0.8 > 0.65 > share["smurf_bursty"] > 0.3 > share["normal"]
    # Veterans on a streak and boosted accounts win more than half; boosted ones underperform.
    for kind in ("veteran", "boosted"):
        assert statistics.mean(r[2] for r in kinds[kind]) > 0.52, kind
    assert statistics.mean(r[0] for r in kinds["boosted"]) < statistics.mean(
        r[0] for r in kinds["normal"]
    )
    # Veterans are old and ranked high; new accounts low level and low rank.
    now = league.start
    veterans = [p for p in league.players if p.kind == "veteran"]
    assert statistics.median(league.level(p, now) for p in veterans) > 150
    assert statistics.median(p.rating(now) for p in veterans) > 1900
    assert max(league.level(p, now) for p in league.players if p.kind == "new_account") < 100


def test_a_boosted_account_plays_most_games_on_its_partners_team() -> None:
    league = League(small_config(players=600))
    boosted = [p for p in league.players if p.kind == "boosted"]
    assert boosted
    for player in boosted:
        assert player.partner is not None
        assert league.players[player.partner].partner == player.index
        games = [g for g in league.visible(player, league.start) if g.queue == RANKED]
        together = 0
        for g in games:
            if player.partner in g.players:
                mine = g.teams[g.players.index(player.index)]
                assert g.teams[g.players.index(player.partner)] == mine
                together += 1
        assert together >= 0.3 * len(games)  # again and again: a third of their games or more
