"""The smurf-detection scores: pure functions from ``PlayerFeatures`` to a ``Score``.

Every score is in [0, 1]: 0 means "no evidence of smurfing", 1 means "as strong as this signal
gets". Scores never flag on a handful of games: each underlying metric is shrunk toward the
population prior (a Bayesian pseudo-count of ``K`` neutral games) before it is mapped through a
linear ``ramp(lo, hi)``, so an empty or tiny history scores 0 or close to it.

Performance is always judged against the same match's other players (``features``), which is
what lets one threshold serve every rank and patch. The thresholds were tuned on the synthetic
sandbox league (``make eval``) and sanity-checked against the spread of a fair 50% player over
20 games (win-rate SD ≈ 0.11, per-game log-ratio SD ≈ 0.4).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import fmean, median

from riotjobs.analysis.features import MatchFeatures, PlayerFeatures

Metric = float | int | str | None


class DetectionError(ValueError):
    """A player's data cannot be scored (e.g. a non-finite statistic)."""


@dataclass(frozen=True, slots=True)
class Score:
    """A score's value and the raw metrics behind it (stored in ``details`` to explain it)."""

    value: float
    metrics: dict[str, Metric] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not math.isfinite(self.value) or not 0.0 <= self.value <= 1.0:
            raise DetectionError(f"score out of range: {self.value!r}")


def ramp(x: float, lo: float, hi: float) -> float:
    """0 at or below ``lo``, 1 at or above ``hi``, linear between; monotone in ``x``."""
    if not math.isfinite(x):
        raise DetectionError(f"non-finite metric {x!r}")
    if x <= lo:
        return 0.0
    if x >= hi:
        return 1.0
    return (x - lo) / (hi - lo)


def shrunk_mean(values: Sequence[float], *, prior: float, k: float) -> float:
    """Mean of ``values`` with ``k`` pseudo-observations at ``prior`` (Bayesian shrinkage)."""
    return (sum(values) + prior * k) / (len(values) + k)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _chunks(items: Sequence[MatchFeatures], parts: int) -> list[Sequence[MatchFeatures]]:
    size = len(items) / parts
    return [items[round(i * size) : round((i + 1) * size)] for i in range(parts)]


# --- results ---------------------------------------------------------------------------------


def win_rate(p: PlayerFeatures) -> Score:
    """Win rate, shrunk toward 50% with K=20 pseudo-games: ``ramp(wr, 0.55, 0.68)``.

    Ranked matchmaking pins a fair player near 50%; after shrinkage a fair player over 20 games
    sits within ±0.06 of 0.5, so 0.55 keeps hot streaks at ~0 and 0.68 (≈ 80% raw over 20
    games) is a smurf's sustained rate. Three lucky wins give (3+10)/23 = 0.57 → 0.12.
    """
    wins = [1.0 if m.win else 0.0 for m in p.matches]
    wr = shrunk_mean(wins, prior=0.5, k=20)
    raw = fmean(wins) if wins else None
    return Score(ramp(wr, 0.55, 0.68), {"wins": int(sum(wins)), "raw": _r(raw), "shrunk": _r(wr)})


def win_rate_trend(p: PlayerFeatures) -> Score:
    """The win rate holds over time: the *weakest* chronological third, shrunk (K=5) toward
    50%, through ``ramp(0.52, 0.64)``.

    A normal player's hot streak lifts one third; a smurf wins in all of them. Fewer than six
    matches cannot be split meaningfully and score 0.
    """
    if len(p.matches) < 6:
        return Score(0.0, {"thirds": None})
    thirds = [shrunk_mean([float(m.win) for m in c], prior=0.5, k=5) for c in _chunks(p.matches, 3)]
    weakest = min(thirds)
    return Score(ramp(weakest, 0.52, 0.64), {"thirds": ",".join(f"{t:.3f}" for t in thirds)})


# --- performance against the lobby -----------------------------------------------------------


def kda(p: PlayerFeatures) -> Score:
    """Lobby-relative KDA: mean of log((KDA+1)/(lobby KDA+1)), shrunk toward 0 with K=20,
    through ``ramp(0.08, 0.35)``.

    After shrinkage a 20-game history counts half, so 0.35 is a KDA (+1) about twice the other
    nine players' on average; a fair player's shrunk mean stays within ±0.06 of 0, hence 0.08.
    """
    ratios = [m.kda_ratio for m in p.matches]
    mean = shrunk_mean(ratios, prior=0.0, k=20)
    return Score(ramp(mean, 0.08, 0.35), {"log_ratio": _r(mean), "raw": _r(_mean(ratios))})


def performance_consistency(p: PlayerFeatures) -> Score:
    """Share of matches clearly above the lobby (performance index ≥ 0.25, about 1.3 times
    the lobby on KDA/damage/gold/CS), shrunk toward a 20% base
    rate with K=10: ``ramp(share, 0.30, 0.60)``.

    Everyone has great single games (about one in five for a fair player); a smurf has them
    most games. Counting games over a bar resists one enormous outlier skewing a mean.
    """
    hits = [1.0 if m.performance_index >= 0.25 else 0.0 for m in p.matches]
    share = shrunk_mean(hits, prior=0.2, k=10)
    return Score(ramp(share, 0.30, 0.60), {"dominant_games": int(sum(hits)), "share": _r(share)})


def performance_trends(p: PlayerFeatures) -> Score:
    """Outperformance is sustained: the lower of the early-half and late-half mean performance
    index, each shrunk toward 0 with K=5, through ``ramp(0.05, 0.30)``.

    A smurf keeps beating the lobby while climbing into stronger lobbies; a normal player's
    good stretch regresses, so its weaker half sits near 0. Fewer than 4 matches score 0.
    """
    if len(p.matches) < 4:
        return Score(0.0, {"early": None, "late": None})
    early, late = (
        shrunk_mean([m.performance_index for m in c], prior=0.0, k=5) for c in _chunks(p.matches, 2)
    )
    return Score(ramp(min(early, late), 0.05, 0.30), {"early": _r(early), "late": _r(late)})


def role_performance(p: PlayerFeatures) -> Score:
    """Against the lane opponent (same ``team_position``, other team) on that role's stats
    (supports: KDA, vision, damage; others: KDA, damage, gold, CS): mean log ratio shrunk
    toward 0 with K=20, through ``ramp(0.04, 0.20)``.

    This is the role-fair view: a support is not penalised for low CS. Matches without a
    known opponent are skipped; none at all scores 0.
    """
    idx = [i for m in p.matches if (i := m.opponent_index) is not None]
    mean = shrunk_mean(idx, prior=0.0, k=20)
    roles = sorted({m.team_position or "?" for m in p.matches})
    return Score(
        ramp(mean, 0.04, 0.20),
        {"log_ratio": _r(mean), "matches": len(idx), "roles": ",".join(roles)},
    )


# --- account and ladder ----------------------------------------------------------------------


def account_level(p: PlayerFeatures) -> Score:
    """Low summoner level: ``ramp(-level, -200, -60)`` — 1 at level ≤ 60, 0 at ≥ 200.

    Ranked unlocks at 30 and smurfs are played from about 30-80; real mains are spread up to
    the hundreds. Many honest new players are low level too, so this score is weighted low and
    only corroborates performance. An unknown level scores 0.
    """
    level = p.summoner_level
    if level is None:
        return Score(0.0, {"level": None})
    return Score(ramp(-float(level), -200.0, -60.0), {"level": level})


# Where an account is older than any smurf's: ``old_account`` ramps from 0 at OLD_LEVELS[0]
# (where ``account_level`` reaches 0) to 1 at OLD_LEVELS[1] (see its docstring).
OLD_LEVELS = (200.0, 300.0)


def old_account(p: PlayerFeatures) -> Score:
    """A long-lived account: ``ramp(level, 200, 300)`` — 0 at level ≤ 200, 1 at ≥ 300.

    The other end of ``account_level`` (which is 0 from 200 up, so it could not tell a level-
    210 account from a level-900 one). Smurf accounts are levelled to ranked (30) and played
    from there; bought or long-idle alts reach ~160, and a level comes about every 8-10 games,
    so the hundred games an analysis sees add ~12: no smurf of the sandbox is past ~185. An
    account at 300 has had a couple of thousand games on it: somebody's main. Outperforming a
    low rank on such an account is a main placed or decayed below its skill, not an alt
    bought to stomp it. Context, not evidence: the combination lets it remove performance
    evidence (``combine.OLD_GATE``, fitted on seed 11), and the ramp's top (300 against 400,
    500, 600 and 800) has the lowest log loss on seed 12. An unknown level scores 0.
    """
    level = p.summoner_level
    if level is None:
        return Score(0.0, {"level": None})
    return Score(ramp(float(level), *OLD_LEVELS), {"level": level})


TIERS = (
    "IRON", "BRONZE", "SILVER", "GOLD", "PLATINUM", "EMERALD", "DIAMOND",
    "MASTER", "GRANDMASTER", "CHALLENGER",
)  # fmt: skip
_DIVISIONS = {"IV": 0, "III": 1, "II": 2, "I": 3}
# How suspicious dominating one's lobby is at each visible tier: a low rank is where smurfs
# are made. Unranked (no snapshot) counts as low.
_LOW_RANK = {"IRON": 1.0, "BRONZE": 1.0, "SILVER": 1.0, "GOLD": 0.9, "PLATINUM": 0.75,
             "EMERALD": 0.6, "DIAMOND": 0.45, "MASTER": 0.3, "GRANDMASTER": 0.2,
             "CHALLENGER": 0.1}  # fmt: skip


def ladder_points(tier: str | None, rank: str | None, lp: int) -> float | None:
    """A continuous ladder position: 400 per tier, 100 per division, plus LP."""
    if tier is None or tier.upper() not in TIERS:
        return None
    t = TIERS.index(tier.upper())
    if t >= TIERS.index("MASTER"):
        return TIERS.index("MASTER") * 400 + lp
    return t * 400 + _DIVISIONS.get((rank or "IV").upper(), 0) * 100 + lp


def _performance(p: PlayerFeatures) -> float:
    return shrunk_mean([m.performance_index for m in p.matches], prior=0.0, k=20)


# A rank read from the lobbies needs at least this many ranked players met (two lobbies'
# worth): fewer is the rank of a handful of strangers, not of the player's level.
MIN_MET = 18


def current_rank(p: PlayerFeatures) -> tuple[float | None, str]:
    """Where the player stands on the ladder now, and how that is known.

    Their latest snapshot (``"own"``); without one (never fetched, or a banned account whose
    league entry is gone), the median ladder position of the ranked players they met in their
    last games (``"lobby"``, at least ``MIN_MET`` of them): matchmaking pairs players of a
    similar rating, so those lobbies are where the player's rating is. Else ``"unknown"``.
    """
    if p.ranks:
        last = p.ranks[-1]
        return ladder_points(last.tier, last.rank, last.league_points), "own"
    met = [
        v for s in p.met_ranks if (v := ladder_points(s.tier, s.rank, s.league_points)) is not None
    ]
    if len(met) >= MIN_MET:
        return float(median(met)), "lobby"
    return None, "unknown"


def _tier_of(points: float) -> str:
    return TIERS[min(int(points // 400), TIERS.index("MASTER"))]


def rank_discrepancy(p: PlayerFeatures) -> Score:
    """Performance far above a low visible rank: ``ramp(perf, 0.04, 0.20) * low_rank(tier)``.

    ``perf`` is the mean lobby-relative performance index shrunk with K=20; ``low_rank`` is 1
    for Iron-Silver (and an unknown rank), falling to 0.1 at Challenger, because a dominant
    player in a low tier is the smurf pattern while at the top of the ladder it is simply a
    good player. Without a snapshot the tier is the lobbies' (``current_rank``).
    """
    tier = p.ranks[-1].tier if p.ranks else None
    points, source = current_rank(p)
    if source == "lobby" and points is not None:
        tier = _tier_of(points)
    factor = _LOW_RANK.get((tier or "").upper(), 1.0)
    perf = _performance(p)
    value = ramp(perf, 0.04, 0.20) * factor
    return Score(
        value,
        {"tier": tier, "source": source, "performance": _r(perf), "low_rank_factor": factor},
    )


def rank_progression(p: PlayerFeatures) -> Score:
    """Climbing the ladder fast: ladder points gained per ranked game between the first and
    last snapshot, shrunk by ``games / (games + 10)``, through ``ramp(2, 12)``.

    A fair player hovers (≈0 per game); winning 70% at +/-20 LP is ≈ +8 per game, and a smurf
    also gets bigger LP gains from a hidden MMR above their rank. Needs two snapshots with a
    game count between them; otherwise 0.
    """
    points = [
        (v, s.wins + s.losses)
        for s in p.ranks
        if (v := ladder_points(s.tier, s.rank, s.league_points)) is not None
    ]
    if len(points) < 2:
        return Score(0.0, {"snapshots": len(points), "per_game": None})
    (v0, g0), (v1, g1) = points[0], points[-1]
    games = g1 - g0
    if games <= 0:
        return Score(0.0, {"snapshots": len(points), "per_game": None})
    per_game = (v1 - v0) / games * games / (games + 10)
    return Score(
        ramp(per_game, 2.0, 12.0),
        {"snapshots": len(points), "games": games, "gained": v1 - v0, "per_game": _r(per_game)},
    )


# --- scores added in analysis 2.0 (stored in ``details``; the table has columns for the nine) ---


def standout_games(p: PlayerFeatures) -> Score:
    """Share of games *far* above the lobby (performance index ≥ 0.5, about 1.65 times the
    lobby on KDA/damage/gold/CS), shrunk toward a 3% base rate with K=20:
    ``ramp(share, 0.07, 0.25)``.

    ``performance_consistency`` asks for most games; a smurf who tries only in some sessions
    plays ordinary games in between, so mean and majority signals dilute. A game this far
    above nine players of the same visible rank is rare for anyone playing at their own level:
    about 1 game in 70 for an average player and 1 in 16 for a veteran in a long hot streak
    (sandbox, seed 11), against 1 in 3 for a smurf who tries in a third of their sessions.
    0.07 keeps an honest player's lucky run at 0; 0.25 (a fifth of 60 games) is clear. The
    K=20 pseudo-games keep three standout games out of three below 0.5.
    """
    hits = [1.0 if m.performance_index >= 0.5 else 0.0 for m in p.matches]
    share = shrunk_mean(hits, prior=0.03, k=20)
    return Score(ramp(share, 0.07, 0.25), {"standout_games": int(sum(hits)), "share": _r(share)})


def low_rank(p: PlayerFeatures) -> Score:
    """How low the player's rank is now (``current_rank``: their latest snapshot, else their
    lobbies'): 1 at Gold IV (1200 ladder points) or below, 0 at Diamond IV (2400) or above,
    linear between. An unknown rank scores 0.5: unknown, not low.

    Not evidence by itself (most low-ranked players are honest); the combination uses it as
    context: outperforming a Silver lobby is what a smurf does, outperforming a Diamond lobby
    is what a strong player on a good run does. Smurf accounts live below Diamond because
    that is where the hidden skill gap is widest. The lobbies' rank matters most for a player
    whose own entry the pipeline never read: "unknown" used to be read as half-low, and a
    strong honest player at the top of their region, young account and all, looked like a
    smurf in a Silver lobby.
    """
    points, source = current_rank(p)
    if points is None:
        return Score(0.5, {"ladder_points": None, "source": source})
    return Score(
        ramp(-points, -2400.0, -1200.0),
        {"ladder_points": _r(points), "source": source, "met": len(p.met_ranks)},
    )


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


SCORES: dict[str, Callable[[PlayerFeatures], Score]] = {
    "win_rate": win_rate,
    "kda": kda,
    "account_level": account_level,
    "rank_discrepancy": rank_discrepancy,
    "rank_progression": rank_progression,
    "win_rate_trend": win_rate_trend,
    "performance_consistency": performance_consistency,
    "performance_trends": performance_trends,
    "role_performance": role_performance,
    "standout_games": standout_games,
    "low_rank": low_rank,
    "old_account": old_account,
}
# The nine scores with a column of their own in ``player_analysis``; the others are stored in
# ``details`` (``details["scores"]``) so adding a score needs no migration.
STORED_SCORES = (
    "win_rate", "kda", "account_level", "rank_discrepancy", "rank_progression",
    "win_rate_trend", "performance_consistency", "performance_trends", "role_performance",
)  # fmt: skip
