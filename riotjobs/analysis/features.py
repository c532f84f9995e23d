"""What a detection score sees: one player's ranked matches (with lobby and lane-opponent
aggregates already computed), rank snapshots and account data, as plain dataclasses.

Scores never touch the database; ``riotjobs.analysis.load`` builds these in batches. Every
performance figure is a ratio against the same match's other players, so a score reads the same
in Iron and in Diamond and across patches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

# A KDA of (kills + assists) / max(deaths, 1); the +1 in the log ratio keeps a 0-KDA lobby
# (a stomp) from producing infinities and damps tiny denominators.
_SMOOTH = 1.0


@dataclass(frozen=True, slots=True)
class Stats:
    """One player's (or an average player's) numbers in one match."""

    kda: float
    damage: float
    gold: float
    cs: float
    vision: float


@dataclass(frozen=True, slots=True)
class MatchFeatures:
    """One queue-420 match of the analysed player, with what the other players did.

    The three derived ratios are computed once here because several scores read them.
    """

    match_id: str
    played_at: datetime
    win: bool
    team_position: str | None
    mine: Stats
    lobby: Stats  # mean over the other players of the match (usually nine)
    lobby_size: int  # participants in the match, the player included
    opponent: Stats | None = None  # the enemy with the same team_position, when known
    kda_ratio: float = field(init=False)
    performance_index: float = field(init=False)
    opponent_index: float | None = field(init=False)

    def __post_init__(self) -> None:
        # log((my KDA + 1) / (lobby mean KDA + 1)); 0 means exactly lobby average.
        object.__setattr__(self, "kda_ratio", _log_ratio(self.mine.kda, self.lobby.kda))
        # Mean log ratio of KDA, damage, gold and CS against the lobby. Vision is left out on
        # purpose: supports dominate it and carries dominate CS, so a player's role would
        # otherwise move the index more than their skill does. CS is role-biased too, but it is
        # one term of four and role effects average out over a history that mixes roles;
        # ``role_performance`` handles role properly against the lane opponent.
        object.__setattr__(
            self, "performance_index", _mean_log_ratio(self.mine, self.lobby, _LOBBY_STATS)
        )
        # Mean log ratio against the lane opponent over the stats that role is judged on.
        opp = None
        if self.opponent is not None:
            names = ROLE_STATS.get(self.team_position or "", ROLE_STATS[""])
            opp = _mean_log_ratio(self.mine, self.opponent, names)
        object.__setattr__(self, "opponent_index", opp)


_LOBBY_STATS = ("kda", "damage", "gold", "cs")
# The stats each role is judged on against its lane opponent (supports farm little and ward a
# lot; junglers' CS includes neutral monsters, which the loader already adds).
ROLE_STATS: dict[str, tuple[str, ...]] = {
    "UTILITY": ("kda", "vision", "damage"),
    "": ("kda", "damage", "gold", "cs"),
}
# Damage and gold are in thousands and CS in tens; scaling them makes the +1 smoothing a small
# constant relative to a typical value rather than negligible or dominant.
_SCALE = {"kda": 1.0, "damage": 1000.0, "gold": 1000.0, "cs": 10.0, "vision": 5.0}


def _log_ratio(mine: float, theirs: float, scale: float = 1.0) -> float:
    # log((mine/scale + 1) / (theirs/scale + 1)), written as (mine + s) / (theirs + s) with
    # s = scale · _SMOOTH: one division fewer per stat, in the analysis's hottest loop.
    s = scale * _SMOOTH
    return math.log((max(mine, 0.0) + s) / (max(theirs, 0.0) + s))


def _mean_log_ratio(mine: Stats, theirs: Stats, names: tuple[str, ...]) -> float:
    total = 0.0
    for n in names:
        total += _log_ratio(getattr(mine, n), getattr(theirs, n), _SCALE[n])
    return total / len(names)


@dataclass(frozen=True, slots=True)
class RankSnapshot:
    """One RANKED_SOLO_5x5 snapshot."""

    recorded_at: datetime
    tier: str | None
    rank: str | None
    league_points: int
    wins: int
    losses: int


# How many of a player's most recent matches ``met_ranks`` looks at: about the games a rank
# snapshot reflects (a few days of play), so the stand-in is the current rank, not the history's.
MET_MATCHES = 20


@dataclass(slots=True)
class PlayerFeatures:
    """Everything the scores may read about one player.

    ``matches`` are queue-420 only, oldest first, at most ``max_matches_considered``.
    ``total_matches`` counts every stored queue-420 match (it drives re-analysis).
    """

    puuid: str
    summoner_level: int | None
    total_matches: int
    matches: list[MatchFeatures] = field(default_factory=list)
    ranks: list[RankSnapshot] = field(default_factory=list)  # oldest first
    # For a player without a snapshot of their own (never fetched, or banned): the latest
    # snapshot of each ranked player met in their last ``MET_MATCHES`` matches, once per game.
    # Matchmaking pairs players of a similar rating, so those lobbies stand in for the rank.
    met_ranks: list[RankSnapshot] = field(default_factory=list)

    @property
    def sample_size(self) -> int:
        return len(self.matches)
