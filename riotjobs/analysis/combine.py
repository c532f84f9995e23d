"""Turn the scores into one calibrated confidence: a logistic model in which the account's
context decides what performance means.

Each *evidence* score ``s`` (performance against the lobby, results, climbing) adds
``w · s · low_rank · (low + young · account_level)`` log-odds: performance is smurf evidence
only in proportion to how low the player's rank is (their snapshot, else their lobbies'), and
counts for more on a young account. On a Diamond account it adds nothing, however young: that
is a strong player, and the sandbox's real false positives were strong honest players whose
rank the detector did not know. The two *context* scores add a term of their own
(``account_level``: ``young + young_low · low_rank``; ``low_rank``: ``c · low_rank``), and
``INTERCEPT`` is the prior log-odds. The third context score, ``old_account`` (a level far
past any smurf account's), takes back ``OLD_GATE · old_account`` of the evidence terms' sum:
its term is that negative amount, so outperforming a low rank on a main of many hundreds of
levels is not read as a smurf's games (analysis 2.2; before it, every account from level 200
up looked the same, and an old Bronze main beating its lobbies was flagged).
``confidence = 1 / (1 + e^-logit)``. Every evidence coefficient is ≥ 0, so a score can only
add evidence, never hide it; each score's log-odds term is stored as its contribution, which
is what `players show` and `report smurfs` print ("which signals drove the verdict, by how
much").

The coefficients were fitted by ``scripts/fit_detector.py`` (logistic regression, evidence
coefficients held ≥ 0) on the confounded sandbox league of seed 11, with the L2 strength
(1e-4) picked by log loss on seed 12, so the confidence is calibrated there: of players at
0.8, about 80 % are smurfs. `make eval` reports the calibration on other seeds. ``OLD_GATE``
was first fitted (2.2) with the 2.1 coefficients held; analysis 2.3 refits every coefficient
with the gate in the model, and then the gate again (still 1.0, ``old_account``'s ramp top
still 300 by log loss on seed 12). Fitted jointly, the weight moves off
``role_performance`` (6.28 → 3.25 on a low rank) onto the lobby signals (``kda``,
``performance_consistency``, ``standout_games``): a verdict now needs corroboration, and an
honest player who only beat their lane opponents during a hot streak no longer crosses 0.5
on that one signal (the easy league's false positive of 2.2). ``w`` is the operator's
per-score weight (default 1; 0
switches a score off; ``low_rank`` at 0 stops gating, so evidence counts as on a low rank).
``ANALYSIS_VERSION`` is stored with every analysis; bump it whenever a formula, threshold or
coefficient changes: older rows are then re-analysed gradually.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from riotjobs.analysis.features import PlayerFeatures
from riotjobs.analysis.scores import SCORES, Score

ANALYSIS_VERSION = "2.3"

CONTEXT = ("account_level", "low_rank", "old_account")
# score -> (low, young): log-odds per unit of score x low_rank, and per unit of score x
# low_rank x account_level. Fitted on seed 11 (see the module docstring). Zeros are scores the
# fit found nothing in beyond the others (one rank snapshot per player leaves
# rank_progression mute in the sandbox); they are still computed and stored.
EVIDENCE: dict[str, tuple[float, float]] = {
    "win_rate": (0.13, 0.17),
    "kda": (1.81, 1.71),
    "rank_discrepancy": (0.0, 0.21),
    "rank_progression": (0.0, 0.0),
    "win_rate_trend": (0.0, 0.0),
    "performance_consistency": (1.92, 1.36),
    "performance_trends": (1.27, 1.23),
    "role_performance": (3.25, 3.66),
    "standout_games": (6.26, 5.92),
}
# account_level -> (alone, x low_rank), low_rank -> (alone, unused): young, low-ranked accounts
# are more often smurfs before any performance is seen. Fitted on seed 11.
CONTEXT_TERMS: dict[str, tuple[float, float]] = {
    "account_level": (1.88, 0.16),
    "low_rank": (1.32, 0.0),
}
INTERCEPT = -7.22
# old_account removes this share of the performance evidence (per unit of the score): the
# evidence terms are multiplied by 1 - OLD_GATE · old_account. Fitted on seed 11 with the
# coefficients above held (a one-parameter fit over 0, 0.05 … 1; 1.0 in 2.2 and again after
# the 2.3 refit), i.e. from level 300 up performance on the account is not smurf evidence at
# all; no smurf account is that old.
OLD_GATE = 1.0

DEFAULT_WEIGHTS: dict[str, float] = dict.fromkeys(SCORES, 1.0)


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Validate a weights mapping: known score names, finite non-negative values, sum > 0.

    Missing names keep their default weight (1). Raises ``ValueError`` (pydantic reports it).
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


# Evidence from n games counts n / (n + SAMPLE_K): every score is already shrunk, but a dozen
# mildly shrunk scores of the same three games would still add up to a verdict.
SAMPLE_K = 5.0


def terms(
    scores: Mapping[str, float], weights: Mapping[str, float], sample_size: int = 100
) -> dict[str, float]:
    """Each score's log-odds term (its contribution to the verdict); context scores included."""
    w = {name: weights.get(name, 1.0) for name in SCORES}
    young = scores["account_level"] * w["account_level"]
    # low_rank gates every evidence term. Weight 0 means "don't use the rank", not "no
    # evidence": the gate opens fully, as if every player were low-ranked.
    low = scores["low_rank"] * w["low_rank"] if w["low_rank"] > 0 else 1.0
    sure = sample_size / (sample_size + SAMPLE_K)
    out = {}
    for name, (by_low, by_young) in EVIDENCE.items():
        out[name] = sure * w[name] * scores[name] * low * (by_low + by_young * young)
    # old_account takes back a share of the evidence (never more than all of it): its own term
    # is the evidence removed, so every evidence score still only adds, and the terms still
    # sum to the logit.
    removed = min(1.0, OLD_GATE * scores.get("old_account", 0.0) * w["old_account"])
    out["old_account"] = -(removed * sum(out.values())) if removed > 0 else 0.0
    alone, with_low = CONTEXT_TERMS["account_level"]
    out["account_level"] = young * (alone + with_low * scores["low_rank"] * w["low_rank"])
    out["low_rank"] = scores["low_rank"] * w["low_rank"] * CONTEXT_TERMS["low_rank"][0]
    return out


def confidence(
    scores: Mapping[str, float], weights: Mapping[str, float], sample_size: int = 100
) -> float:
    """The calibrated probability ``1 / (1 + e^-(INTERCEPT + Σ terms))``, in [0, 1]."""
    logit = INTERCEPT + sum(terms(scores, weights, sample_size).values())
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    e = math.exp(logit)  # the stable branch: no overflow for very negative logits
    return e / (1.0 + e)


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
        """Each score's log-odds term, largest first (positive: towards smurf)."""
        values = {n: s.value for n, s in self.scores.items()}
        parts = terms(values, self.weights, self.sample_size)
        return dict(sorted(parts.items(), key=lambda kv: (-kv[1], kv[0])))

    def details(self) -> dict[str, object]:
        """Raw metrics per score, every score's value, the weights and each contribution, for
        the ``details`` JSONB column."""
        return {
            "metrics": {n: dict(s.metrics) for n, s in self.scores.items()},
            "scores": {n: round(s.value, 4) for n, s in self.scores.items()},
            "weights": self.weights,
            "contributions": {n: round(v, 4) for n, v in self.contributions().items()},
            "intercept": INTERCEPT,
            "combination": "logistic",
        }


def analyze(player: PlayerFeatures, *, weights: Mapping[str, float], threshold: float) -> Verdict:
    """Run every score and combine them. Raises ``DetectionError`` on unscorable data."""
    scores = {name: fn(player) for name, fn in SCORES.items()}
    w = dict(weights)
    conf = confidence({n: s.value for n, s in scores.items()}, w, player.sample_size)
    return Verdict(
        puuid=player.puuid,
        scores=scores,
        weights=w,
        confidence=conf,
        is_smurf=conf >= threshold,
        sample_size=player.sample_size,
        total_matches=player.total_matches,
    )
