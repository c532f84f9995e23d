"""Build match-v5 shaped JSON for tests (the real examples cover the odd cases; these are the
controlled ones: chosen puuids, queues, times and bots)."""

from __future__ import annotations

from typing import Any

from riotjobs.riot.models import LeagueEntry, MatchDto

_NUMBERS = (
    "kills", "deaths", "assists", "champLevel", "goldEarned", "goldSpent", "totalDamageDealt",
    "totalDamageDealtToChampions", "totalDamageTaken", "damageDealtToObjectives",
    "totalMinionsKilled", "neutralMinionsKilled", "visionScore", "wardsPlaced", "wardsKilled",
    "visionWardsBoughtInGame", "largestMultiKill", "largestKillingSpree", "timeCCingOthers",
    "totalTimeSpentDead",
)  # fmt: skip


def puuid(n: int) -> str:
    """A puuid-shaped id (Riot's are 78 characters of [A-Za-z0-9_-])."""
    return f"test-puuid-{n:04d}".ljust(78, "x")


def participant(
    index: int, who: str, *, team: int, win: bool, level: int = 100, name: str | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = dict.fromkeys(_NUMBERS, index + 1)
    doc.update(
        puuid=who,
        participantId=index + 1,
        teamId=team,
        championId=index + 1,
        championName=f"Champ{index}",
        teamPosition=("TOP", "JUNGLE", "MIDDLE", "BOTTOM", "UTILITY")[index % 5],
        individualPosition="Invalid",
        lane="NONE",
        role="SOLO",
        win=win,
        summonerLevel=level,
        firstBloodKill=False,
        timePlayed=1800,
    )
    if who != "BOT":
        doc.update(riotIdGameName=name or f"Player{who[11:15]}", riotIdTagline="TST")
    return doc


def match_doc(
    match_id: str,
    players: list[str],
    *,
    queue: int = 420,
    start_s: int = 1_700_000_000,
    duration_s: int = 1800,
    levels: dict[str, int] | None = None,
) -> dict[str, Any]:
    """A match of ``players`` (first half team 100, which wins). ``"BOT"`` entries are bots."""
    half = max(1, len(players) // 2)
    parts = [
        participant(
            i,
            who,
            team=100 if i < half else 200,
            win=i < half,
            level=(levels or {}).get(who, 100),
        )
        for i, who in enumerate(players)
    ]
    platform = match_id.partition("_")[0]
    return {
        "metadata": {"dataVersion": "2", "matchId": match_id, "participants": players},
        "info": {
            "gameCreation": start_s * 1000 - 30_000,
            "gameDuration": duration_s,
            "gameEndTimestamp": (start_s + duration_s) * 1000,
            "gameId": int(match_id.partition("_")[2]),
            "gameMode": "CLASSIC",
            "gameName": "test",
            "gameStartTimestamp": start_s * 1000,
            "gameType": "MATCHED_GAME",
            "gameVersion": "14.1.1",
            "mapId": 11,
            "platformId": platform,
            "queueId": queue,
            "participants": parts,
            "teams": [],
        },
    }


def match(match_id: str, players: list[str], **kwargs: Any) -> MatchDto:
    return MatchDto.model_validate(match_doc(match_id, players, **kwargs))


def league_entry(
    who: str, *, tier: str = "GOLD", rank: str = "II", lp: int = 50, wins: int = 10
) -> LeagueEntry:
    return LeagueEntry.model_validate(
        {
            "puuid": who,
            "queueType": "RANKED_SOLO_5x5",
            "tier": tier,
            "rank": rank,
            "leaguePoints": lp,
            "wins": wins,
            "losses": 10,
            "hotStreak": False,
            "veteran": False,
            "freshBlood": False,
            "inactive": False,
        }
    )
