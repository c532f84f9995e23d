"""One ``ParticipantDto``: the core numbers from ``performance`` plus every other key a real
participant carries, with plausible values derived from them."""

from __future__ import annotations

from random import Random
from typing import Any

from riotjobs.sandbox.catalog import RUNES, STAT_PERKS
from riotjobs.sandbox.performance import Line
from riotjobs.sandbox.players import Player

_PINGS = (
    "allInPings", "assistMePings", "basicPings", "commandPings", "dangerPings",
    "enemyMissingPings", "enemyVisionPings", "getBackPings", "holdPings", "needVisionPings",
    "onMyWayPings", "pushPings", "retreatPings", "visionClearedPings",
)  # fmt: skip


def participant(
    rng: Random,
    *,
    slot: int,
    player: Player,
    level: int,
    line: Line,
    champion: tuple[int, str],
    team: int,
    win: bool,
    position: str,
    lane: str,
    role: str,
    spells: tuple[int, int],
    items: tuple[int, ...],
    duration: int,
    first_blood: bool,
    surrender: bool,
    arena: tuple[int, int] | None,
    augments: list[int],
) -> dict[str, Any]:
    minutes = duration / 60
    k, d, a = line.kills, line.deaths, line.assists
    champ_level = min(18, max(6, int(7 + minutes / 3.2 + (k + a) / 12 + rng.gauss(0, 1))))
    magic = rng.random()
    true_share = rng.uniform(0.02, 0.1)
    physical_share = max(0.0, 1 - magic - true_share)
    dmg = line.damage
    taken = int(minutes * rng.uniform(600, 1200) * (1 + d / 10))
    spree = max(0, min(k, int(k * rng.uniform(0.3, 0.7)))) if k >= 3 else 0
    doubles = int(k >= 2 and rng.random() < 0.15 * k)
    triples = int(doubles and k >= 5 and rng.random() < 0.25)
    quadras = int(triples and k >= 8 and rng.random() < 0.2)
    pentas = int(quadras and k >= 10 and rng.random() < 0.2)
    multi = 5 if pentas else 4 if quadras else 3 if triples else 2 if doubles else int(k > 0)
    turrets = rng.randrange(0, 3) if win else rng.randrange(0, 2)
    wards = int(line.vision * rng.uniform(0.3, 0.5))
    control = rng.randrange(0, 2 + line.vision // 15)
    dead = d * int(10 + minutes * 0.9)
    kda = (k + a) / d if d else float(k + a)
    subteam, placement = arena if arena is not None else (0, 0)
    return {
        "PlayerBehavior": {"PlayerBehavior_IsHeroInCombat": 0},
        **{f"PlayerScore{i}": 0 for i in range(12)},
        **{name: rng.randrange(0, 4) for name in _PINGS},
        "assists": a,
        "baronKills": int(position == "JUNGLE" and win and rng.random() < 0.3),
        "challenges": {
            "abilityUses": int(minutes * rng.uniform(8, 16)),
            "controlWardsPlaced": control,
            "damagePerMinute": dmg / minutes,
            "damageTakenOnTeamPercentage": rng.uniform(0.1, 0.3),
            "gameLength": duration + rng.random(),
            "goldPerMinute": line.gold / minutes,
            "kda": kda,
            "killParticipation": line.kill_participation,
            "laneMinionsFirst10Minutes": min(line.cs, int(line.cs / minutes * 10 * 0.9)),
            "skillshotsDodged": rng.randrange(0, 40),
            "skillshotsHit": rng.randrange(0, 60),
            "soloKills": min(k, rng.randrange(0, 1 + k // 2)),
            "takedowns": k + a,
            "teamDamagePercentage": line.damage_share,
            "turretPlatesTaken": rng.randrange(0, 5),
            "visionScorePerMinute": line.vision / minutes,
            "wardTakedowns": rng.randrange(0, 1 + line.vision // 6),
        },
        "champExperience": int(champ_level**2 * 50 + rng.randrange(0, 900)),
        "champLevel": champ_level,
        "championId": champion[0],
        "championName": champion[1],
        "championTransform": 0,
        "consumablesPurchased": rng.randrange(1, 10),
        "damageDealtToBuildings": turrets * 2500 + rng.randrange(0, 4000),
        "damageDealtToEpicMonsters": rng.randrange(0, 12000 if position == "JUNGLE" else 3000),
        "damageDealtToObjectives": turrets * 2500 + rng.randrange(0, 15000),
        "damageDealtToTurrets": turrets * 2500 + rng.randrange(0, 4000),
        "damageSelfMitigated": int(taken * rng.uniform(0.4, 1.2)),
        "deaths": d,
        "detectorWardsPlaced": control,
        "doubleKills": doubles,
        "dragonKills": int(position == "JUNGLE" and rng.random() < 0.5),
        "eligibleForProgression": True,
        "firstBloodAssist": False,
        "firstBloodKill": first_blood,
        "firstTowerAssist": False,
        "firstTowerKill": bool(turrets and win and rng.random() < 0.2),
        "gameEndedInEarlySurrender": surrender and duration < 1000,
        "gameEndedInSurrender": surrender,
        "goldEarned": line.gold,
        "goldSpent": int(line.gold * rng.uniform(0.85, 0.98)),
        "individualPosition": position or "Invalid",
        "inhibitorKills": int(win and rng.random() < 0.2),
        "inhibitorTakedowns": int(win and rng.random() < 0.5),
        "inhibitorsLost": 0 if win else rng.randrange(0, 3),
        **{f"item{i}": item for i, item in enumerate(items)},
        "itemsPurchased": len([i for i in items if i]) + rng.randrange(8, 20),
        "killingSprees": int(spree > 0) + int(spree > 4),
        "kills": k,
        "lane": lane,
        "largestCriticalStrike": rng.randrange(0, 1500) if position == "BOTTOM" else 0,
        "largestKillingSpree": spree,
        "largestMultiKill": multi,
        "longestTimeSpentLiving": int(duration / (d + 1) * rng.uniform(0.8, 1.6)),
        "magicDamageDealt": int(dmg * 6 * magic),
        "magicDamageDealtToChampions": int(dmg * magic),
        "magicDamageTaken": int(taken * 0.4),
        "missions": {f"playerScore{i}": 0 for i in range(12)},
        "neutralMinionsKilled": line.neutral,
        "nexusKills": int(win and rng.random() < 0.2),
        "nexusLost": int(not win and arena is None),
        "nexusTakedowns": int(win and arena is None),
        "objectivesStolen": 0,
        "objectivesStolenAssists": 0,
        "participantId": slot + 1,
        "pentaKills": pentas,
        "perks": _perks(rng),
        "physicalDamageDealt": int(dmg * 6 * physical_share),
        "physicalDamageDealtToChampions": int(dmg * physical_share),
        "physicalDamageTaken": int(taken * 0.5),
        "placement": placement,
        **{f"playerAugment{i + 1}": (augments[i] if i < len(augments) else 0) for i in range(6)},
        "playerSubteamId": subteam,
        "profileIcon": player.icon,
        "puuid": player.puuid,
        "quadraKills": quadras,
        "riotIdGameName": player.game_name,
        "riotIdTagline": player.tag_line,
        "role": role,
        "roleBoundItem": 0,
        "sightWardsBoughtInGame": 0,
        **{f"spell{i}Casts": int(minutes * rng.uniform(2, 9)) for i in range(1, 5)},
        "subteamPlacement": placement,
        "summoner1Casts": rng.randrange(1, 8),
        "summoner1Id": spells[0],
        "summoner2Casts": rng.randrange(1, 8),
        "summoner2Id": spells[1],
        "summonerId": player.summoner_id,
        "summonerLevel": level,
        "summonerName": "",
        "teamEarlySurrendered": surrender and duration < 1000 and not win,
        "teamId": team,
        "teamPosition": position,
        "timeCCingOthers": rng.randrange(0, 60),
        "timePlayed": duration,
        "totalAllyJungleMinionsKilled": int(line.neutral * 0.8),
        "totalDamageDealt": int(dmg * 6),
        "totalDamageDealtToChampions": dmg,
        "totalDamageShieldedOnTeammates": rng.randrange(0, 3000),
        "totalDamageTaken": taken,
        "totalEnemyJungleMinionsKilled": line.neutral - int(line.neutral * 0.8),
        "totalHeal": rng.randrange(500, 12000),
        "totalHealsOnTeammates": rng.randrange(0, 2000),
        "totalMinionsKilled": line.cs,
        "totalTimeCCDealt": rng.randrange(0, 600),
        "totalTimeSpentDead": dead,
        "totalUnitsHealed": rng.randrange(1, 5),
        "tripleKills": triples,
        "trueDamageDealt": int(dmg * 6 * true_share),
        "trueDamageDealtToChampions": int(dmg * true_share),
        "trueDamageTaken": int(taken * 0.1),
        "turretKills": turrets,
        "turretTakedowns": turrets + rng.randrange(0, 3),
        "turretsLost": rng.randrange(0, 5) if win else rng.randrange(5, 11),
        "unrealKills": 0,
        "visionScore": line.vision,
        "visionWardsBoughtInGame": control,
        "wardsKilled": rng.randrange(0, 1 + line.vision // 5),
        "wardsPlaced": wards,
        "win": win,
    }


def _perks(rng: Random) -> dict[str, Any]:
    primary, secondary = rng.sample(sorted(RUNES), 2)
    keystones, minors = RUNES[primary]
    picks = [rng.choice(keystones), *rng.sample(minors, 3)]
    subs = rng.sample(RUNES[secondary][1], 2)

    def sel(perk: int) -> dict[str, int]:
        return {"perk": perk, "var1": rng.randrange(0, 2000), "var2": 0, "var3": 0}

    offense, flex, defense = (rng.choice(options) for options in STAT_PERKS)
    return {
        "statPerks": {"defense": defense, "flex": flex, "offense": offense},
        "styles": [
            {
                "description": "primaryStyle",
                "selections": [sel(p) for p in picks],
                "style": primary,
            },
            {"description": "subStyle", "selections": [sel(p) for p in subs], "style": secondary},
        ],
    }
