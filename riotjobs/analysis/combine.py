"""Turn the nine scores into one confidence: a weighted mean with configurable weights.

``confidence = Σ wᵢ·sᵢ / Σ wᵢ`` stays in [0, 1] whatever the weights' scale, and a weight of
0 switches a score off. ``ANALYSIS_VERSION`` is stored with every analysis; bump it whenever a
formula, threshold or default weight changes so old and new rows can be told apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from riotjobs.analysis.features import PlayerFeatures
from riotjobs.analysis.scores import SCORES, Score

ANALYSIS_VERSION = "1.0"

# Defaults tuned on the sandbox league (see README "Smurf detection"). Performance against the
# lobby carries most weight because it is the signal that survives every rank; account level
# is a weak corroborating prior (legitimate new players are low level too).
DEFAULT_WEIGHTS: dict[str, float] = {
    "win_rate": 1.5,
    "kda": 1.5,
    "account_level": 0.75,
    "rank_discrepancy": 1.0,
    "rank_progression": 1.0,
    "win_rate_trend": 1.0,
    "performance_consistency": 1.5,
    "performance_trends": 1.0,
    "role_performance": 1.0,
}


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Validate a weights mapping: known score names, finite non-negative values, sum > 0.

    Missing names keep their default weight. Raises ``ValueError`` (pydantic reports it).
    """
    unknown = sorted(set(weights) - set(SCORES))
    if unknown:
        raise ValueError(f"unknown score name(s) {', '.join(unknown)}; known: {', '.join(SCORES)}")
    merged = {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in weights.items()}}
    for name, value in merged.items():
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"weight of {name} must be a non-negative number, got {value}")
    if sum(merged.values()) <= 0:
        raise ValueError("score weights must not all be 0")
    return merged


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of analysing one player."""

    puuid: str
    scores: dict[str, Score]
    weights: dict[str, float]
    confidence: float
    is_smurf: bool
    sample_size: int
    total_matches: int

    def contributions(self) -> dict[str, float]:
        """Each score's share of the confidence (wᵢ·sᵢ / Σw), largest first."""
        total = sum(self.weights.values())
        parts = {n: self.weights[n] * s.value / total for n, s in self.scores.items()}
        return dict(sorted(parts.items(), key=lambda kv: -kv[1]))

    def details(self) -> dict[str, object]:
        """Raw metrics per score plus the weights used, for the ``details`` JSONB column."""
        return {
            "metrics": {n: dict(s.metrics) for n, s in self.scores.items()},
            "weights": self.weights,
            "contributions": {n: round(v, 4) for n, v in self.contributions().items()},
        }


def confidence(scores: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """The weighted mean of the scores; the result is clamped to [0, 1] against rounding."""
    total = sum(weights.values())
    value = sum(weights[n] * scores[n] for n in weights) / total
    return min(1.0, max(0.0, value))


def analyze(player: PlayerFeatures, *, weights: Mapping[str, float], threshold: float) -> Verdict:
    """Run the nine scores and combine them. Raises ``DetectionError`` on unscorable data."""
    scores = {name: fn(player) for name, fn in SCORES.items()}
    w = dict(weights)
    conf = confidence({n: s.value for n, s in scores.items()}, w)
    return Verdict(
        puuid=player.puuid,
        scores=scores,
        weights=w,
        confidence=conf,
        is_smurf=conf >= threshold,
        sample_size=player.sample_size,
        total_matches=player.total_matches,
    )
