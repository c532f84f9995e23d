"""The synthetic population: hidden skill, visible rating over time, account level and labels.

Ratings use one scale for hidden skill and visible rank: 0 is Iron IV 0 LP, every division is
100 points, so 2800 is Master 0 LP. See the module docstring of ``league`` for the full model.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from random import Random

DAY = 86400.0
ROLES = ("TOP", "JUNGLE", "MIDDLE", "BOTTOM", "UTILITY")
TIERS = ("IRON", "BRONZE", "SILVER", "GOLD", "PLATINUM", "EMERALD", "DIAMOND")
DIVISIONS = ("IV", "III", "II", "I")
MAX_GAMES_PER_DAY = 8.0
GAMES_PER_LEVEL = 8  # an account gains a summoner level every eight games

_ADJECTIVES = (
    "Silent", "Crimson", "Lucky", "Frozen", "Wild", "Lazy", "Brave", "Hidden", "Angry", "Happy",
    "Shadow", "Golden", "Broken", "Cosmic", "Tiny", "Mighty", "Sleepy", "Salty", "Swift", "Dark",
)  # fmt: skip
_NOUNS = (
    "Fox", "Poro", "Dragon", "Baron", "Minion", "Teemo", "Wolf", "Tiger", "Ward", "Blade",
    "Mage", "Kraken", "Raven", "Golem", "Scuttle", "Herald", "Nexus", "Turret", "Comet", "Storm",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Player:
    """One account. ``kind`` is ``smurf`` or a normal player's flavour (``normal``,
    ``low_level``, ``hot_streak``, ``underranked``); the last three are the hard negatives."""

    index: int
    puuid: str
    summoner_id: str
    game_name: str
    tag_line: str
    platform: str
    kind: str
    skill: float
    created_at: float
    banned_at: float | None
    games_per_day: float
    role: str
    level0: int
    icon: int
    rating_base: float  # smurf: visible rating when created; normal: skill + bias
    climb_span: float  # smurf: seconds to close the whole skill gap (capped at 90 %)
    waves: tuple[tuple[float, float, float], ...]  # normal: (amplitude, period s, phase)
    streak_at: float | None
    streak_len: float
    prior_wins: int
    prior_losses: int

    @property
    def smurf(self) -> bool:
        return self.kind == "smurf"

    @property
    def riot_id(self) -> str:
        return f"{self.game_name}#{self.tag_line}"

    def banned(self, t: float) -> bool:
        return self.banned_at is not None and t >= self.banned_at

    def streak(self, t: float) -> float:
        """1.0 while a hot streak lasts, else 0.0."""
        if self.streak_at is None:
            return 0.0
        return 1.0 if self.streak_at <= t < self.streak_at + self.streak_len else 0.0

    def rating(self, t: float) -> float:
        """Visible rating at ``t`` (what league-v4 shows and matchmaking uses)."""
        if self.smurf:
            done = min(0.9, max(0.0, (t - self.created_at) / self.climb_span))
            return self.rating_base + (self.skill - self.rating_base) * done
        value = self.rating_base
        for amp, period, phase in self.waves:
            value += amp * math.sin(2 * math.pi * t / period + phase)
        if self.streak_at is not None and t > self.streak_at:
            gained = min(1.0, (t - self.streak_at) / self.streak_len)
            after = max(0.0, t - self.streak_at - self.streak_len)
            value += 160.0 * gained * math.exp(-after / (7 * DAY))
        return max(0.0, value)


def rank_of(rating: float) -> tuple[str, str, int]:
    """(tier, division, league points) for a rating."""
    if rating >= 2800:
        lp = int(rating - 2800)
        tier = "CHALLENGER" if lp >= 1000 else "GRANDMASTER" if lp >= 500 else "MASTER"
        return tier, "I", lp
    step = int(max(0.0, rating) // 100)
    return TIERS[step // 4], DIVISIONS[step % 4], int(max(0.0, rating) % 100)


def _puuid(rng: Random) -> str:
    return base64.urlsafe_b64encode(rng.randbytes(58)).decode().rstrip("=")


def _name(rng: Random) -> tuple[str, str]:
    name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
    if rng.random() < 0.6:
        name += str(rng.randrange(1, 1000))
    tag = "".join(
        rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(rng.choice((3, 4)))
    )
    return name, tag


def make_players(
    *,
    seed: int,
    count: int,
    smurf_share: float,
    ban_share: float,
    platforms: tuple[str, ...],
    start: float,
    history_days: int,
) -> list[Player]:
    """The whole population, deterministic for the arguments."""
    labels = Random(f"{seed}:labels")
    smurfs = set(labels.sample(range(count), round(count * smurf_share)))
    banned = set(labels.sample(sorted(smurfs), round(len(smurfs) * ban_share)))
    history_start = start - history_days * DAY
    players: list[Player] = []
    taken: set[tuple[str, str]] = set()
    for index in range(count):
        rng = Random(f"{seed}:player:{index}")
        puuid, summoner_id = _puuid(rng), _puuid(rng)[:47]
        name, tag = _name(rng)
        while (name.lower(), tag.lower()) in taken:
            name, tag = _name(rng)
        taken.add((name.lower(), tag.lower()))
        if index in smurfs:
            kind = "smurf"
        else:
            roll = rng.random()
            kind = (
                "low_level"
                if roll < 0.12
                else "hot_streak"
                if roll < 0.27
                else "underranked"
                if roll < 0.37
                else "normal"
            )
        players.append(
            _make_player(rng, index, kind, index in banned, start, history_start)._with_ids(
                puuid=puuid,
                summoner_id=summoner_id,
                game_name=name,
                tag_line=tag,
                platform=platforms[index % len(platforms)],
            )
        )
    return players


def _make_player(
    rng: Random, index: int, kind: str, banned: bool, start: float, history_start: float
) -> _Draft:
    d = _Draft(index=index, kind=kind, role=rng.choice(ROLES), icon=rng.randrange(1, 6000))
    if kind == "smurf":
        d.skill = min(3500.0, max(1900.0, rng.gauss(2450, 300)))
        d.created_at = start - rng.uniform(18, 50) * DAY
        d.rating_base = rng.uniform(350, 1150)
        d.climb_span = (start - d.created_at) * rng.uniform(1.6, 3.2)
        d.games_per_day = rng.uniform(3.0, 7.0)
        d.level0 = rng.randrange(30, 46)
        if banned:
            if rng.random() < 0.75:  # most bans already happened; a quarter land in the first hour
                d.banned_at = rng.uniform(d.created_at + 12 * DAY, start - 3600)
            else:
                d.banned_at = start + rng.uniform(120, 3600)
        return d
    d.games_per_day = min(MAX_GAMES_PER_DAY, max(1.0, math.exp(rng.gauss(math.log(2.6), 0.5))))
    d.prior_games = min(1500, int(math.exp(rng.gauss(math.log(150), 0.9))))
    if kind == "low_level":  # a genuinely new player: low level, low skill, ranked by skill
        d.skill = min(2400.0, max(50.0, rng.gauss(900, 350)))
        d.created_at = start - rng.uniform(25, 75) * DAY
        d.level0 = rng.randrange(30, 56)
        d.prior_games = rng.randrange(0, 25)
    else:
        d.skill = min(3600.0, max(50.0, rng.gauss(1350, 480)))
        d.created_at = history_start - rng.uniform(30, 3000) * DAY
        d.level0 = min(1100, max(30, int(math.exp(rng.gauss(math.log(170), 0.75)))))
    bias = rng.gauss(0, 80)
    if kind == "underranked":  # placed or decayed below their skill: wins a bit more than half
        bias = -rng.uniform(150, 300)
    d.rating_base = d.skill + bias
    d.waves = tuple(
        (rng.uniform(30, 90), rng.uniform(5, 40) * DAY, rng.uniform(0, 2 * math.pi))
        for _ in range(2)
    )
    if kind == "hot_streak":  # plays far above themselves for a few days in the last weeks
        d.streak_len = rng.uniform(4, 9) * DAY
        d.streak_at = start - rng.uniform(1, 12) * DAY
    prior_wr = 0.5 + rng.gauss(0, 0.02)
    d.prior_wins = round(d.prior_games * prior_wr)
    d.prior_losses = d.prior_games - d.prior_wins
    return d


class _Draft:
    """Mutable builder for the numeric part of a Player."""

    def __init__(self, *, index: int, kind: str, role: str, icon: int) -> None:
        self.index, self.kind, self.role, self.icon = index, kind, role, icon
        self.skill = 0.0
        self.created_at = 0.0
        self.banned_at: float | None = None
        self.games_per_day = 1.0
        self.level0 = 30
        self.rating_base = 0.0
        self.climb_span = DAY
        self.waves: tuple[tuple[float, float, float], ...] = ()
        self.streak_at: float | None = None
        self.streak_len = DAY
        self.prior_games = 0
        self.prior_wins = 0
        self.prior_losses = 0

    def _with_ids(
        self, *, puuid: str, summoner_id: str, game_name: str, tag_line: str, platform: str
    ) -> Player:
        return Player(
            index=self.index,
            puuid=puuid,
            summoner_id=summoner_id,
            game_name=game_name,
            tag_line=tag_line,
            platform=platform,
            kind=self.kind,
            skill=self.skill,
            created_at=self.created_at,
            banned_at=self.banned_at,
            games_per_day=self.games_per_day,
            role=self.role,
            level0=self.level0,
            icon=self.icon,
            rating_base=self.rating_base,
            climb_span=self.climb_span,
            waves=self.waves,
            streak_at=self.streak_at,
            streak_len=self.streak_len,
            prior_wins=self.prior_wins,
            prior_losses=self.prior_losses,
        )
