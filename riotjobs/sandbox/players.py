"""The synthetic population: hidden skill, visible rating over time, account level and labels.

Ratings use one scale for hidden skill and visible rank: 0 is Iron IV 0 LP, every division is
100 points, so 2800 is Master 0 LP. See the module docstring of ``league`` for the full model.

Kinds (``Player.kind``; the first two are smurfs, the rest honest):

* ``smurf``: far above their lobbies in nearly every game, young account, climbing rank.
* ``smurf_bursty``: the same accounts, but they try only in some sessions (``on_share`` of
  blocks of ``burst_len`` seconds) and play at their visible rank in between.
* ``veteran``: a strong old account at the rank that fits it, on a long hot streak now.
* ``new_account``: a genuinely new player: low level, low rank, ordinary performance.
* ``boosted``: a weak account that queues again and again with a strong premade ``partner``
  (a smurf) on the same team; its results and rank climb come from the partner.
* ``normal``, ``hot_streak`` (a short streak), ``underranked`` (placed below their skill).
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
SMURF_KINDS = frozenset({"smurf", "smurf_bursty"})
CLIMBING_KINDS = frozenset({"smurf", "smurf_bursty", "boosted"})

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
    """One account; ``kind`` is one of the kinds in the module docstring."""

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
    rating_base: float  # climbers: visible rating when the climb starts; others: skill + bias
    climb_span: float  # climbers: seconds to close the whole gap to climb_to (capped at 90 %)
    waves: tuple[tuple[float, float, float], ...]  # normal: (amplitude, period s, phase)
    streak_at: float | None
    streak_len: float
    prior_wins: int
    prior_losses: int
    climb_from: float = 0.0  # climbers: when the climb starts
    climb_to: float = 0.0  # climbers: the rating the climb heads for
    partner: int | None = None  # duo partner's index (boosted accounts and their boosters)
    duo_rate: float = 0.0  # chance of bringing the partner into a game
    on_share: float = 1.0  # smurf_bursty: share of sessions played at full skill
    burst_len: float = DAY  # smurf_bursty: length of one session block
    burst_key: int = 0
    streak_boost: float = 450.0  # strength added while a hot streak lasts

    @property
    def smurf(self) -> bool:
        return self.kind in SMURF_KINDS

    def trying(self, t: float) -> bool:
        """Whether the player plays at full skill at ``t`` (only bursty smurfs ever don't)."""
        if self.kind != "smurf_bursty":
            return True
        block = int((t - self.created_at) // self.burst_len)
        return _unit(self.burst_key, block) < self.on_share

    def power(self, t: float) -> float:
        """The strength the player brings to a game at ``t`` before game form."""
        return self.skill if self.trying(t) else self.rating(t)

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
            done = min(0.9, max(0.0, (t - self.climb_from) / self.climb_span))
            return self.rating_base + (self.climb_to - self.rating_base) * done
        value = self.rating_base
        if self.kind == "boosted":
            done = min(0.9, max(0.0, (t - self.climb_from) / self.climb_span))
            value += (self.climb_to - self.rating_base) * done
        for amp, period, phase in self.waves:
            value += amp * math.sin(2 * math.pi * t / period + phase)
        if self.streak_at is not None and t > self.streak_at:
            gained = min(1.0, (t - self.streak_at) / self.streak_len)
            after = max(0.0, t - self.streak_at - self.streak_len)
            value += 160.0 * gained * math.exp(-after / (7 * DAY))
        return max(0.0, value)


def _unit(key: int, block: int) -> float:
    """A uniform number in [0, 1) from two integers (splitmix64): cheap, stable per seed."""
    z = (key * 0x9E3779B97F4A7C15 + block * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return ((z ^ (z >> 31)) >> 11) / float(1 << 53)


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


@dataclass(frozen=True, slots=True)
class Mix:
    """Shares of the labelled kinds. ``smurf_share`` and the confounders are shares of all
    players; ``bursty_share`` is the share of the smurfs who are bursty. All zero but
    ``smurf_share`` and ``new_account_share`` = 0.12 gives the original, easy league."""

    smurf_share: float = 0.1
    bursty_share: float = 0.0
    veteran_share: float = 0.0
    new_account_share: float = 0.12
    duo_share: float = 0.0


def make_players(
    *,
    seed: int,
    count: int,
    mix: Mix,
    ban_share: float,
    platforms: tuple[str, ...],
    start: float,
    history_days: int,
) -> list[Player]:
    """The whole population, deterministic for the arguments."""
    labels = Random(f"{seed}:labels")
    smurfs = set(labels.sample(range(count), round(count * mix.smurf_share)))
    banned = set(labels.sample(sorted(smurfs), round(len(smurfs) * ban_share)))
    # Confounders are drawn after the original labels, so a league without them is unchanged.
    bursty = set(labels.sample(sorted(smurfs), round(len(smurfs) * mix.bursty_share)))
    honest = sorted(set(range(count)) - smurfs)
    veterans = set(labels.sample(honest, min(len(honest), round(count * mix.veteran_share))))
    # Boosters are unbanned, always-trying smurfs; each boosts one honest account.
    boosters = sorted(smurfs - bursty - banned)
    rest = sorted(set(honest) - veterans)
    n_duo = min(round(count * mix.duo_share), len(boosters), len(rest))
    boosted = labels.sample(rest, n_duo)
    partner_of = dict(zip(boosted, labels.sample(boosters, n_duo), strict=True))
    partner_of.update({b: a for a, b in list(partner_of.items())})
    history_start = start - history_days * DAY
    drafts: list[_Draft] = []
    ids: list[tuple[str, str, str, str]] = []
    taken: set[tuple[str, str]] = set()
    for index in range(count):
        rng = Random(f"{seed}:player:{index}")
        puuid, summoner_id = _puuid(rng), _puuid(rng)[:47]
        name, tag = _name(rng)
        while (name.lower(), tag.lower()) in taken:
            name, tag = _name(rng)
        taken.add((name.lower(), tag.lower()))
        if index in smurfs:
            kind = "smurf_bursty" if index in bursty else "smurf"
        else:
            roll = rng.random()
            cut = mix.new_account_share
            kind = (
                "veteran"
                if index in veterans
                else "boosted"
                if index in partner_of
                else "new_account"
                if roll < cut
                else "hot_streak"
                if roll < cut + 0.15
                else "underranked"
                if roll < cut + 0.25
                else "normal"
            )
        drafts.append(_make_player(rng, index, kind, index in banned, start, history_start))
        ids.append((puuid, summoner_id, name, tag))
    for a, b in partner_of.items():
        if drafts[a].kind == "boosted":
            _pair(Random(f"{seed}:duo:{a}"), drafts[a], drafts[b])
    return [
        d._with_ids(
            puuid=puuid,
            summoner_id=summoner_id,
            game_name=name,
            tag_line=tag,
            platform=platforms[d.index % len(platforms)],
        )
        for d, (puuid, summoner_id, name, tag) in zip(drafts, ids, strict=True)
    ]


def _pair(rng: Random, boosted: _Draft, booster: _Draft) -> None:
    """Tie a boosted account to its booster: they queue together most of the time, from the
    booster's first day, and the boosted account's rank follows the booster's climb (a little
    behind it) while its own skill stays where its rank used to be."""
    boosted.partner, booster.partner = booster.index, boosted.index
    boosted.duo_rate = booster.duo_rate = rng.uniform(0.7, 0.95)
    boosted.games_per_day = booster.games_per_day
    booster.rating_base = boosted.rating_base = min(booster.rating_base, boosted.rating_base)
    boosted.skill = boosted.rating_base + rng.gauss(150, 80)  # they learn a little on the way
    boosted.climb_from = booster.created_at
    boosted.climb_span = booster.climb_span
    boosted.climb_to = boosted.rating_base + rng.uniform(350, 750)


def _make_player(
    rng: Random, index: int, kind: str, banned: bool, start: float, history_start: float
) -> _Draft:
    d = _Draft(index=index, kind=kind, role=rng.choice(ROLES), icon=rng.randrange(1, 6000))
    if kind in SMURF_KINDS:
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
        d.climb_from, d.climb_to = d.created_at, d.skill
        if kind == "smurf_bursty":
            # Tries in some sessions only; losing the others makes the climb slower. Some are
            # older alts (bought or long-idle accounts), so level alone cannot tell them.
            d.on_share = rng.uniform(0.3, 0.7)
            d.burst_len = rng.uniform(0.15, 1.0) * DAY
            d.burst_key = rng.getrandbits(62)
            d.climb_span /= d.on_share
            if rng.random() < 0.3:
                d.level0 = rng.randrange(50, 160)
        return d
    if kind == "veteran":
        return _veteran(rng, d, start, history_start)
    d.games_per_day = min(MAX_GAMES_PER_DAY, max(1.0, math.exp(rng.gauss(math.log(2.6), 0.5))))
    d.prior_games = min(1500, int(math.exp(rng.gauss(math.log(150), 0.9))))
    if kind == "new_account":  # a genuinely new player: low level, low skill, ranked by skill
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
    d.waves = _waves(rng)
    if kind == "hot_streak":  # plays far above themselves for a few days in the last weeks
        d.streak_len = rng.uniform(4, 9) * DAY
        d.streak_at = start - rng.uniform(1, 12) * DAY
    _prior(rng, d)
    return d


def _veteran(rng: Random, d: _Draft, start: float, history_start: float) -> _Draft:
    """A strong, old account at the rank that fits it, in the middle of a long hot streak that
    covers most of the games an analysis sees. Levels reach down to ~60 (ranked-only mains
    level slowly), so a low level alone does not separate them from smurfs."""
    d.skill = min(3300.0, max(1500.0, rng.gauss(2100, 320)))
    d.created_at = history_start - rng.uniform(200, 3000) * DAY
    d.level0 = min(1100, max(55, int(math.exp(rng.gauss(math.log(190), 0.6)))))
    d.games_per_day = min(MAX_GAMES_PER_DAY, max(2.0, math.exp(rng.gauss(math.log(3.5), 0.35))))
    d.prior_games = min(3000, int(math.exp(rng.gauss(math.log(500), 0.6))))
    d.rating_base = d.skill + rng.gauss(0, 80)
    d.waves = _waves(rng)
    d.streak_len = rng.uniform(8, 16) * DAY
    d.streak_at = start - rng.uniform(2, 8) * DAY
    _prior(rng, d)
    # A strong run, not a lucky week: a new champion or role clicking plays like a smurf's
    # tryhard session for days (the real false positive was a veteran on such a run).
    d.streak_boost = rng.uniform(550.0, 800.0)
    return d


def _waves(rng: Random) -> tuple[tuple[float, float, float], ...]:
    return tuple(
        (rng.uniform(30, 90), rng.uniform(5, 40) * DAY, rng.uniform(0, 2 * math.pi))
        for _ in range(2)
    )


def _prior(rng: Random, d: _Draft) -> None:
    prior_wr = 0.5 + rng.gauss(0, 0.02)
    d.prior_wins = round(d.prior_games * prior_wr)
    d.prior_losses = d.prior_games - d.prior_wins


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
        self.climb_from = 0.0
        self.climb_to = 0.0
        self.partner: int | None = None
        self.duo_rate = 0.0
        self.on_share = 1.0
        self.burst_len = DAY
        self.burst_key = 0
        self.streak_boost = 450.0

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
            climb_from=self.climb_from,
            climb_to=self.climb_to,
            partner=self.partner,
            duo_rate=self.duo_rate,
            on_share=self.on_share,
            burst_len=self.burst_len,
            burst_key=self.burst_key,
            streak_boost=self.streak_boost,
        )
