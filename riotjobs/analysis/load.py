"""Build ``PlayerFeatures`` for many players at once with three or four queries per batch.

One query returns every selected queue-420 match of the batch's players together with the
lobby's sums (so the other players' mean is ``(sum - mine) / (n - 1)``) and the lane
opponent's numbers (hash joins over the batch's matches, no per-row lookups); one reads their
rank snapshots and one their account rows. Only when some players of the batch have no rank
snapshot, a fourth reads the latest snapshot of everyone they met in their last
``MET_MATCHES`` matches (``PlayerFeatures.met_ranks``). The cost is proportional to the
batch's matches, never one query per player or per match.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from riotjobs.analysis.features import (
    MET_MATCHES,
    MatchFeatures,
    PlayerFeatures,
    RankSnapshot,
    Stats,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

RANKED_SOLO_QUEUE = 420
RANKED_SOLO_TYPE = "RANKED_SOLO_5x5"

_KDA = "(%(t)s.kills + %(t)s.assists)::float8 / greatest(%(t)s.deaths, 1)"
_CS = "(%(t)s.total_minions_killed + %(t)s.neutral_minions_killed)"

_MATCHES_SQL = f"""
WITH pm AS (
    SELECT mp.match_id, mp.puuid, coalesce(m.game_end, m.game_creation) AS played_at,
           mp.team_id, mp.team_position, mp.win, mp.summoner_level,
           {_KDA % {"t": "mp"}} AS kda, mp.total_damage_dealt_to_champions::float8 AS damage,
           mp.gold_earned::float8 AS gold, {_CS % {"t": "mp"}}::float8 AS cs,
           mp.vision_score::float8 AS vision,
           row_number() OVER w AS rn, count(*) OVER (PARTITION BY mp.puuid) AS total
    FROM match_participants mp
    JOIN matches m ON m.match_id = mp.match_id
    WHERE mp.puuid = ANY(:puuids) AND m.queue_id = {RANKED_SOLO_QUEUE}
    WINDOW w AS (PARTITION BY mp.puuid ORDER BY coalesce(m.game_end, m.game_creation) DESC,
                 mp.match_id DESC)
), sel AS MATERIALIZED (
    SELECT * FROM pm WHERE rn <= :max_matches
), everyone AS MATERIALIZED (
    -- every participant of the selected matches: the lobby and the lane opponents
    SELECT o.match_id, o.team_id, o.team_position,
           {_KDA % {"t": "o"}} AS kda, o.total_damage_dealt_to_champions::float8 AS damage,
           o.gold_earned::float8 AS gold, {_CS % {"t": "o"}}::float8 AS cs,
           o.vision_score::float8 AS vision
    FROM match_participants o
    WHERE o.match_id = ANY(ARRAY(SELECT DISTINCT match_id FROM sel))
), lobby AS (
    SELECT match_id, count(*) AS n, sum(kda) AS kda, sum(damage) AS damage, sum(gold) AS gold,
           sum(cs) AS cs, sum(vision) AS vision
    FROM everyone GROUP BY match_id
)
SELECT sel.puuid, sel.match_id, sel.played_at, sel.total, sel.win, sel.team_position,
       sel.summoner_level, sel.kda, sel.damage, sel.gold, sel.cs, sel.vision,
       lobby.n, lobby.kda, lobby.damage, lobby.gold, lobby.cs, lobby.vision,
       opp.kda, opp.damage, opp.gold, opp.cs, opp.vision
FROM sel
JOIN lobby ON lobby.match_id = sel.match_id
LEFT JOIN everyone opp
  ON opp.match_id = sel.match_id AND opp.team_id <> sel.team_id
 AND opp.team_position = sel.team_position AND sel.team_position <> ''
"""
# Column positions in a _MATCHES_SQL row (rows are read as plain tuples for speed).
(_PUUID, _MATCH, _AT, _TOTAL, _WIN, _POS, _LEVEL) = range(7)
_MINE, _N, _LOBBY, _OPP = 7, 12, 13, 18
# Each player's matches oldest first. Sorted here, not by the query: a sort of the wide joined
# rows spilled to disk at the default work_mem, and Python sorts a batch's rows in milliseconds.
_ORDER = itemgetter(_PUUID, _AT, _MATCH)

_RANKS_SQL = f"""
SELECT puuid, recorded_at, tier, rank, league_points, wins, losses
FROM player_ranks
WHERE puuid = ANY(:puuids) AND queue_type = '{RANKED_SOLO_TYPE}'
ORDER BY puuid, recorded_at, id
"""

# The latest solo snapshot of every participant of the given matches (one index probe each).
_MET_SQL = f"""
SELECT o.match_id, o.puuid, r.recorded_at, r.tier, r.rank, r.league_points, r.wins, r.losses
FROM match_participants o
CROSS JOIN LATERAL (
    SELECT recorded_at, tier, rank, league_points, wins, losses FROM player_ranks
    WHERE puuid = o.puuid AND queue_type = '{RANKED_SOLO_TYPE}'
    ORDER BY recorded_at DESC, id DESC LIMIT 1
) r
WHERE o.match_id = ANY(:match_ids)
"""

_PLAYERS_SQL = "SELECT puuid, summoner_level FROM players WHERE puuid = ANY(:puuids)"


def _match(row: Any) -> MatchFeatures | None:
    others = row[_N] - 1
    if others < 1:  # a lobby of one cannot be compared against; skip the match
        return None
    kda, damage, gold, cs, vision = row[_MINE : _MINE + 5]
    s_kda, s_damage, s_gold, s_cs, s_vision = row[_LOBBY : _LOBBY + 5]
    lobby = Stats(
        (s_kda - kda) / others,
        (s_damage - damage) / others,
        (s_gold - gold) / others,
        (s_cs - cs) / others,
        (s_vision - vision) / others,
    )
    opponent = None if row[_OPP] is None else Stats(*row[_OPP : _OPP + 5])
    return MatchFeatures(
        match_id=row[_MATCH],
        played_at=row[_AT],
        win=bool(row[_WIN]),
        team_position=row[_POS],
        mine=Stats(kda, damage, gold, cs, vision),
        lobby=lobby,
        lobby_size=int(row[_N]),
        opponent=opponent,
    )


def load_features(
    *, session: Session, puuids: Sequence[str], max_matches: int
) -> dict[str, PlayerFeatures]:
    """Features of each given player (players without a row are left out)."""
    from sqlalchemy import text

    params = {"puuids": list(puuids)}
    players = {
        r.puuid: PlayerFeatures(puuid=r.puuid, summoner_level=r.summoner_level, total_matches=0)
        for r in session.execute(text(_PLAYERS_SQL), params)
    }
    last_level: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    # .all() is one fetch of the batch's rows; iterating the result fetched them one by one.
    rows = session.execute(text(_MATCHES_SQL), {**params, "max_matches": max_matches}).all()
    for row in sorted(rows, key=_ORDER):
        player = players.get(row[_PUUID])
        key = (row[_PUUID], row[_MATCH])
        if player is None or key in seen:  # two enemies in one position: keep the first
            continue
        seen.add(key)
        player.total_matches = int(row[_TOTAL])
        if row[_LEVEL] is not None:
            last_level[row[_PUUID]] = int(row[_LEVEL])
        match = _match(row)
        if match is not None:
            player.matches.append(match)
    ranks: dict[str, list[RankSnapshot]] = defaultdict(list)
    for r in session.execute(text(_RANKS_SQL), params):
        ranks[r.puuid].append(
            RankSnapshot(r.recorded_at, r.tier, r.rank, r.league_points, r.wins, r.losses)
        )
    for puuid, player in players.items():
        player.ranks = ranks.get(puuid, [])
        if player.summoner_level is None:
            # The account row may predate a summoner lookup; the newest match knows the level.
            player.summoner_level = last_level.get(puuid)
    _load_met_ranks(session, [p for p in players.values() if not p.ranks and p.matches])
    return players


def _load_met_ranks(session: Session, unranked: list[PlayerFeatures]) -> None:
    """Fill ``met_ranks`` of players without a snapshot from their last matches' lobbies."""
    from sqlalchemy import text

    if not unranked:
        return
    recent = {p.puuid: [m.match_id for m in p.matches[-MET_MATCHES:]] for p in unranked}
    match_ids = sorted({m for ids in recent.values() for m in ids})
    seen: dict[str, list[tuple[str, RankSnapshot]]] = defaultdict(list)
    for r in session.execute(text(_MET_SQL), {"match_ids": match_ids}):
        snap = RankSnapshot(r.recorded_at, r.tier, r.rank, r.league_points, r.wins, r.losses)
        seen[r.match_id].append((r.puuid, snap))
    for player in unranked:
        player.met_ranks = [
            snap
            for match_id in recent[player.puuid]
            for puuid, snap in sorted(seen.get(match_id, []), key=lambda x: x[0])
            if puuid != player.puuid
        ]
