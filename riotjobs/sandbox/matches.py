"""match-v5 ``MatchDto`` payloads for the league's lobbies, in the shape of real responses.

Every key a current ranked game carries is present (info, metadata, teams, participants,
perks, missions, a short ``challenges``); values come from ``performance`` and the rosters.
"""

from __future__ import annotations

from random import Random
from typing import Any

from riotjobs.sandbox.catalog import (
    ALL_CHAMPIONS,
    ARAM_SPELLS,
    ARENA_AUGMENTS,
    CHAMPIONS,
    ITEMS,
    LANE_ROLES,
    LANES,
    SPELLS,
    TRINKETS,
)
from riotjobs.sandbox.league import ARAM, ARENA, League, Lobby
from riotjobs.sandbox.participant import participant
from riotjobs.sandbox.performance import lines

GAME_VERSION = "15.19.715.1836"
_MODES = {
    420: ("CLASSIC", 11, "ranked"),
    ARAM: ("ARAM", 12, "aram"),
    ARENA: ("CHERRY", 30, "arena"),
}


def match_payload(league: League, lobby: Lobby) -> dict[str, Any]:
    """The full ``MatchDto`` of a finished lobby (deterministic per seed and match id)."""
    rng = Random(f"{league.seed}:payload:{lobby.match_id}")
    outcome = league.outcome(lobby)
    mode, map_id, kind = _MODES[lobby.queue]
    minutes = lobby.duration / 60
    numbers = lines(
        rng,
        kind=kind,
        positions=lobby.positions,
        teams=lobby.teams,
        rel=outcome.rel,
        win=outcome.win,
        minutes=minutes,
    )
    start_ms = int(lobby.start * 1000)
    champions = _champions(rng, lobby, kind)
    first_blood = _weighted(rng, [n.kills for n in numbers])
    surrender = kind == "ranked" and lobby.duration < 1500 and rng.random() < 0.7
    participants = []
    for slot, index in enumerate(lobby.players):
        player = league.players[index]
        position = lobby.positions[slot]
        role_key = position or rng.choice(tuple(CHAMPIONS))
        spells = SPELLS[role_key] if kind == "ranked" else ARAM_SPELLS
        items = rng.sample(ITEMS[role_key], 6 if lobby.duration > 1500 else 4)
        participants.append(
            participant(
                rng,
                slot=slot,
                player=player,
                level=league.level(player, lobby.start),
                line=numbers[slot],
                champion=champions[slot],
                team=_team_id(lobby, outcome.win[slot], slot),
                win=outcome.win[slot],
                position=position,
                lane=LANES.get(position, "NONE"),
                role=LANE_ROLES.get(position, "SUPPORT" if kind != "ranked" else "NONE"),
                spells=spells,
                items=(*items, *([0] * (6 - len(items))), rng.choice(TRINKETS)),
                duration=lobby.duration,
                first_blood=slot == first_blood,
                surrender=surrender,
                arena=(lobby.teams[slot], outcome.placement[slot]) if kind == "arena" else None,
                augments=rng.sample(ARENA_AUGMENTS, 4) if kind == "arena" else [],
            )
        )
    return {
        "metadata": {
            "dataVersion": "2",
            "matchId": lobby.match_id,
            "participants": [league.players[i].puuid for i in lobby.players],
        },
        "info": {
            "endOfGameResult": "GameComplete",
            "gameCreation": start_ms - rng.randrange(20_000, 90_000),
            "gameDuration": lobby.duration,
            "gameEndTimestamp": start_ms + lobby.duration * 1000 + rng.randrange(0, 3000),
            "gameId": lobby.game_id,
            "gameMode": mode,
            "gameName": f"teambuilder-match-{lobby.game_id}",
            "gameStartTimestamp": start_ms,
            "gameType": "MATCHED_GAME",
            "gameVersion": GAME_VERSION,
            "mapId": map_id,
            "participants": participants,
            "platformId": lobby.platform.upper(),
            "queueId": lobby.queue,
            "teams": _teams(rng, kind, participants, champions),
            "tournamentCode": "",
        },
    }


def _team_id(lobby: Lobby, win: bool, slot: int) -> int:
    if lobby.queue == ARENA:  # real Arena games put the top four pairs on 100
        return 100 if win else 200
    return lobby.teams[slot]


def _champions(rng: Random, lobby: Lobby, kind: str) -> list[tuple[int, str]]:
    picked: list[tuple[int, str]] = []
    for position in lobby.positions:
        pool = CHAMPIONS[position] if kind == "ranked" else ALL_CHAMPIONS
        choice = rng.choice(pool)
        while choice in picked:
            choice = rng.choice(pool if rng.random() < 0.8 else ALL_CHAMPIONS)
        picked.append(choice)
    return picked


def _weighted(rng: Random, weights: list[int]) -> int:
    total = sum(weights)
    if total == 0:
        return -1
    pick = rng.randrange(total)
    for i, w in enumerate(weights):
        pick -= w
        if pick < 0:
            return i
    return len(weights) - 1


def _teams(
    rng: Random, kind: str, participants: list[dict[str, Any]], champions: list[tuple[int, str]]
) -> list[dict[str, Any]]:
    teams = []
    taken = {c[0] for c in champions}
    bannable = [c[0] for c in ALL_CHAMPIONS if c[0] not in taken]
    bans = rng.sample(bannable, 10) if kind == "ranked" else []
    for number, team_id in enumerate((100, 200)):
        members = [p for p in participants if p["teamId"] == team_id]
        won = bool(members) and members[0]["win"]
        kills = sum(p["kills"] for p in members)
        towers = rng.randrange(7, 12) if won else rng.randrange(0, 7)
        if kind != "ranked":
            towers = rng.randrange(2, 5) if won and kind == "aram" else 0
        teams.append(
            {
                "bans": [
                    {"championId": c, "pickTurn": number * 5 + i + 1}
                    for i, c in enumerate(bans[number * 5 : number * 5 + 5])
                ],
                "feats": {
                    "EPIC_MONSTER_KILL": {"featState": rng.randrange(0, 3)},
                    "FIRST_BLOOD": {"featState": int(any(p["firstBloodKill"] for p in members))},
                    "FIRST_TURRET": {"featState": int(won and towers > 0)},
                },
                "objectives": _objectives(rng, kind, won, kills, towers),
                "teamId": team_id,
                "win": won,
            }
        )
    return teams


def _objectives(
    rng: Random, kind: str, won: bool, kills: int, towers: int
) -> dict[str, dict[str, Any]]:
    rift = kind == "ranked"

    def obj(kills_: int) -> dict[str, Any]:
        return {
            "first": bool(kills_) and won,
            "kills": kills_,
        }

    return {
        "atakhan": obj(int(rift and won and rng.random() < 0.3)),
        "baron": obj(rng.randrange(0, 3) if rift and won else 0),
        "champion": obj(kills),
        "dragon": obj(rng.randrange(1, 5) if rift and won else rng.randrange(0, 2) if rift else 0),
        "horde": obj(rng.randrange(0, 4) if rift else 0),
        "inhibitor": obj(rng.randrange(1, 4) if won and kind != "arena" else 0),
        "riftHerald": obj(int(rift and rng.random() < 0.5)),
        "tower": obj(towers),
    }
