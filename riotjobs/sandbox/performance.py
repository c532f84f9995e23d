"""Per-player numbers of one game, driven by each player's performance relative to the lobby.

``rel`` (performance minus lobby mean, in units of 400 rating points; a smurf sits around +2,
a normal player around 0 with a spread of ~0.7 from game form) scales every stat with noise:

* kills ~ Poisson(role kills/min x minutes x e^(0.35 rel) x 1.25 if won else 0.8)
* deaths: the enemy team's kills, shared out with weights e^(-0.4 rel) x noise
* assists: kill participation 0.45 + role + 0.08 rel + N(0, 0.1), minus own kills
* cs, gold: role rate x minutes x e^(0.16 rel + N(0, 0.12)) (gold +8 % on a win)
* damage to champions: role rate x minutes x e^(0.22 rel + N(0, 0.2))
* vision score: role rate x minutes x e^(0.15 rel + N(0, 0.25))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from random import Random

from riotjobs.sandbox.catalog import BASELINES


@dataclass(slots=True)
class Line:
    """One participant's core numbers."""

    kills: int = 0
    deaths: int = 0
    assists: int = 0
    cs: int = 0
    neutral: int = 0
    gold: int = 0
    damage: int = 0
    vision: int = 0
    kill_participation: float = 0.0
    damage_share: float = 0.0


def poisson(rng: Random, lam: float) -> int:
    """Knuth's method for small means, a rounded normal beyond 30."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def baseline_key(queue_kind: str, position: str) -> str:
    return position if queue_kind == "ranked" else queue_kind.upper()


def lines(
    rng: Random,
    *,
    kind: str,
    positions: tuple[str, ...],
    teams: tuple[int, ...],
    rel: tuple[float, ...],
    win: tuple[bool, ...],
    minutes: float,
) -> list[Line]:
    """Numbers for every participant; team totals are consistent (kills vs enemy deaths)."""
    base = [BASELINES[baseline_key(kind, pos)] for pos in positions]
    out = [Line() for _ in positions]
    for line, b, r, won in zip(out, base, rel, win, strict=True):
        line.kills = poisson(rng, b.kills * minutes * math.exp(0.35 * r) * (1.25 if won else 0.8))
        farm = math.exp(0.16 * r + rng.gauss(0, 0.12))
        total_cs = b.cs * minutes * farm
        line.neutral = int(total_cs * b.jungle_share)
        line.cs = int(total_cs) - line.neutral
        line.gold = int((b.gold * minutes * farm + 500) * (1.08 if won else 1.0))
        line.damage = int(b.damage * minutes * math.exp(0.22 * r + rng.gauss(0, 0.2)))
        line.vision = int(b.vision * minutes * math.exp(0.15 * r + rng.gauss(0, 0.25)))
    for team in sorted(set(teams)):
        members = [i for i, t in enumerate(teams) if t == team]
        enemies = [i for i, t in enumerate(teams) if t != team]
        team_kills = sum(out[i].kills for i in members)
        # Deaths: the enemies' kills (plus the odd execute), shared by who dies more.
        enemy_kills = sum(out[i].kills for i in enemies) if kind != "arena" else 0
        if kind == "arena":
            enemy_kills = poisson(rng, 0.4 * minutes)
        weights = [
            base[i].death_weight * math.exp(-0.4 * rel[i] + rng.gauss(0, 0.35)) for i in members
        ]
        deaths = _share(rng, enemy_kills + poisson(rng, 0.3), weights)
        team_damage = sum(out[i].damage for i in members) or 1
        for i, dead in zip(members, deaths, strict=True):
            line = out[i]
            line.deaths = dead
            kp = base[i].kill_participation + 0.08 * rel[i] + rng.gauss(0, 0.1)
            kp = min(0.95, max(0.15, kp))
            takedowns = max(line.kills + int(team_kills > line.kills), round(kp * team_kills))
            line.assists = takedowns - line.kills
            line.kill_participation = takedowns / team_kills if team_kills else 0.0
            line.damage_share = line.damage / team_damage
    return out


def _share(rng: Random, total: int, weights: list[float]) -> list[int]:
    counts = [0] * len(weights)
    for _ in range(total):
        pick = rng.random() * sum(weights)
        for i, w in enumerate(weights):
            pick -= w
            if pick <= 0:
                counts[i] += 1
                break
        else:
            counts[-1] += 1
    return counts
