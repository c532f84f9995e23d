"""The sandbox's own endpoints' documents: ground truth and sample players to track."""

from __future__ import annotations

from typing import Any

from riotjobs.sandbox.league import RANKED, League
from riotjobs.sandbox.players import rank_of


def truth(league: League, now: float) -> dict[str, Any]:
    """Labels of every player at sandbox time ``now`` (to score smurf detection)."""
    players = []
    for p in league.players:
        tier, division, lp = rank_of(p.rating(now))
        players.append(
            {
                "puuid": p.puuid,
                "riot_id": p.riot_id,
                "platform": p.platform,
                "smurf": p.smurf,
                "banned": p.banned(now),
                "banned_at": p.banned_at,
                "kind": p.kind,
                "skill": round(p.skill, 1),
                "rating": round(p.rating(now), 1),
                "tier": tier,
                "division": division,
                "league_points": lp,
                "level": league.level(p, now),
                "role": p.role,
                "created_at": round(p.created_at, 3),
                "games_per_day": round(p.games_per_day, 2),
                "partner": None if p.partner is None else league.players[p.partner].puuid,
                "on_share": round(p.on_share, 3),
            }
        )
    smurfs = [p for p in league.players if p.smurf]
    return {
        "seed": league.seed,
        "start": league.start,
        "now": now,
        "counts": {
            "players": len(players),
            "smurfs": len(smurfs),
            "banned": sum(1 for p in smurfs if p.banned(now)),
            "banned_eventually": sum(1 for p in smurfs if p.banned_at is not None),
            "matches": sum(1 for lobby in league.matches.values() if lobby.end <= now),
            "kinds": {k: sum(1 for p in league.players if p.kind == k) for k in _kinds(league)},
        },
        "players": players,
    }


def _kinds(league: League) -> list[str]:
    return sorted({p.kind for p in league.players})


def sample_players(league: League, now: float, limit: int) -> dict[str, Any]:
    """Normal players with many ranked games, spread from the bottom to the top of the ladder:
    good accounts to track."""
    candidates = []
    for p in league.players:
        if p.kind != "normal" or p.banned(now):
            continue
        ranked = sum(1 for lobby in league.visible(p, now) if lobby.queue == RANKED)
        if ranked >= 40:
            candidates.append((p.rating(now), ranked, p))
    candidates.sort(key=lambda c: c[0])
    if limit < len(candidates):
        step = len(candidates) / limit
        candidates = [candidates[int(step * i + step / 2)] for i in range(limit)]
    out = []
    for rating, ranked, p in candidates[:limit]:
        tier, division, _ = rank_of(rating)
        out.append(
            {
                "puuid": p.puuid,
                "riot_id": p.riot_id,
                "game_name": p.game_name,
                "tag_line": p.tag_line,
                "platform": p.platform,
                "ranked_matches": ranked,
                "tier": tier,
                "division": division,
            }
        )
    return {"players": out}
