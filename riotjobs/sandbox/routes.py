"""The six Riot endpoints: path matching, routing checks and the JSON they answer.

Handlers are pure functions of (league, sandbox time, parameters) returning ``(status, doc)``.
Error bodies use Riot's ``{"status": {"message": ..., "status_code": ...}}`` shape.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from riotjobs.sandbox.league import RANKED, RANKED_TYPES, League
from riotjobs.sandbox.matches import match_payload
from riotjobs.sandbox.players import Player, rank_of

REGION_OF = {
    "br1": "americas", "eun1": "europe", "euw1": "europe", "jp1": "asia", "kr": "asia",
    "la1": "americas", "la2": "americas", "me1": "europe", "na1": "americas", "oc1": "sea",
    "ph2": "sea", "ru": "europe", "sg2": "sea", "th2": "sea", "tr1": "europe", "tw2": "sea",
    "vn2": "sea",
}  # fmt: skip
REGIONS = frozenset(("americas", "asia", "europe", "sea"))
ROUTINGS = frozenset(REGION_OF) | REGIONS
# account-v1 is not served on sea (see the OpenAPI's x-platforms-available).
_SERVED_ON = {
    "account": REGIONS - {"sea"},
    "summoner": frozenset(REGION_OF),
    "league": frozenset(REGION_OF),
    "ids": REGIONS,
    "match": REGIONS,
    "status": frozenset(REGION_OF),
}
Result = tuple[int, Any]


def riot_error(status: int, message: str) -> dict[str, Any]:
    return {"status": {"message": message, "status_code": status}}


@dataclass(frozen=True, slots=True)
class Route:
    endpoint: str
    params: tuple[str, ...]


def match_route(rest: list[str]) -> Route | None:
    """``rest`` is the path after the routing value, split on '/'."""
    n = len(rest)
    if n == 7 and rest[:5] == ["riot", "account", "v1", "accounts", "by-riot-id"]:
        return Route("account", (rest[5], rest[6]))
    if n == 6 and rest[:5] == ["lol", "summoner", "v4", "summoners", "by-puuid"]:
        return Route("summoner", (rest[5],))
    if n == 6 and rest[:5] == ["lol", "league", "v4", "entries", "by-puuid"]:
        return Route("league", (rest[5],))
    if n == 7 and rest[:5] == ["lol", "match", "v5", "matches", "by-puuid"] and rest[6] == "ids":
        return Route("ids", (rest[5],))
    if n == 5 and rest[:4] == ["lol", "match", "v5", "matches"] and rest[4]:
        return Route("match", (rest[4],))
    if n == 4 and rest == ["lol", "status", "v4", "platform-data"]:
        return Route("status", ())
    return None


def served_on(endpoint: str, routing: str) -> bool:
    return routing in _SERVED_ON[endpoint]


def _player(league: League, puuid: str, now: float) -> Player | None:
    player = league.by_puuid.get(puuid)
    return player if player is not None and player.created_at <= now else None


_BAD_PUUID = (400, riot_error(400, "Bad Request - Exception decrypting " + "puuid"))


def account(league: League, now: float, game_name: str, tag_line: str) -> Result:
    player = league.by_riot_id.get((game_name.lower(), tag_line.lower()))
    if player is None or player.created_at > now:
        return 404, riot_error(404, f"Data not found - No results found for {game_name}#{tag_line}")
    return 200, {"puuid": player.puuid, "gameName": player.game_name, "tagLine": player.tag_line}


def summoner(league: League, now: float, routing: str, puuid: str) -> Result:
    player = _player(league, puuid, now)
    if player is None:
        return _BAD_PUUID
    if player.platform != routing or player.banned(now):
        return 404, riot_error(404, "Data not found - summoner not found")
    games = league.visible(player, now)
    revision = int((games[-1].end if games else player.created_at) * 1000)
    return 200, {
        "puuid": player.puuid,
        "profileIconId": player.icon,
        "revisionDate": revision,
        "summonerLevel": league.level(player, now),
    }


def league_entries(league: League, now: float, routing: str, puuid: str) -> Result:
    player = _player(league, puuid, now)
    if player is None:
        return _BAD_PUUID
    if player.platform != routing or player.banned(now):
        return 200, []
    wins, losses, recent = league.record(player, now)
    if wins + losses < 5:  # still in placements: unranked
        return 200, []
    tier, division, lp = rank_of(player.rating(now))
    league_id = uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox:{league.seed}:{routing}:{tier}:{division}")
    return 200, [
        {
            "leagueId": str(league_id),
            "puuid": player.puuid,
            "queueType": "RANKED_SOLO_5x5",
            "tier": tier,
            "rank": division,
            "leaguePoints": lp,
            "wins": wins,
            "losses": losses,
            "hotStreak": len(recent) >= 3 and all(recent[-3:]),
            "veteran": wins + losses > 400,
            "freshBlood": player.smurf and len(recent) > 20,
            "inactive": False,
        }
    ]


def match_ids(
    league: League, now: float, routing: str, puuid: str, query: dict[str, str]
) -> Result:
    try:
        start_time = int(query["startTime"]) if "startTime" in query else None
        end_time = int(query["endTime"]) if "endTime" in query else None
        queue = int(query["queue"]) if "queue" in query else None
        start = int(query.get("start", "0"))
        count = int(query.get("count", "20"))
    except ValueError:
        return 400, riot_error(400, "Bad Request - invalid query parameter")
    kind = query.get("type")
    if not 0 <= count <= 100 or start < 0:
        return 400, riot_error(400, "Bad Request - count must be 0..100 and start >= 0")
    if kind is not None and kind not in ("ranked", "normal", "tourney", "tutorial"):
        return 400, riot_error(400, f"Bad Request - unknown type {kind}")
    player = _player(league, puuid, now)
    if player is None:
        return _BAD_PUUID
    if REGION_OF[player.platform] != routing:
        return 200, []
    ids = [
        lobby.match_id
        for lobby in reversed(league.visible(player, now))
        if (start_time is None or int(lobby.start) >= start_time)
        and (end_time is None or int(lobby.start) <= end_time)
        and (queue is None or lobby.queue == queue)
        and (kind is None or RANKED_TYPES[lobby.queue] == kind)
    ]
    return 200, ids[start : start + count]


def match(league: League, now: float, routing: str, match_id: str) -> Result:
    league.simulate_until(now)
    lobby = league.matches.get(match_id)
    if lobby is None or lobby.end > now or REGION_OF[lobby.platform] != routing:
        return 404, riot_error(404, "Data not found - match file not found")
    return 200, match_payload(league, lobby)


def platform_data(routing: str) -> Result:
    code = routing.upper()
    return 200, {
        "id": code,
        "name": f"Sandbox {code}",
        "locales": ["en_US"],
        "maintenances": [],
        "incidents": [],
    }


__all__ = ["RANKED", "ROUTINGS", "Route", "match_route", "riot_error", "served_on"]
