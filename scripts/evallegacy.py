"""Analysis 1.0, the detector before the logistic combination, kept only to compare with it on
the same players (`scripts/eval_detection.py --from-dump FILE --legacy`).

1.0 was the weighted mean of the nine stored scores with its default weights, flagged at 0.5.
Eight of those scores are unchanged since; ``rank_discrepancy`` counted an unknown rank as
low (factor 1), which is rebuilt here from the score's own metrics.
"""

from __future__ import annotations

from riotjobs.analysis import SCORES
from riotjobs.analysis.features import PlayerFeatures
from riotjobs.analysis.scores import _LOW_RANK, ramp

WEIGHTS_1_0 = {
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


def confidence_1_0(player: PlayerFeatures) -> float:
    values = {name: SCORES[name](player).value for name in WEIGHTS_1_0}
    tier = player.ranks[-1].tier if player.ranks else None
    perf = SCORES["rank_discrepancy"](player).metrics["performance"]
    assert isinstance(perf, float)
    values["rank_discrepancy"] = ramp(perf, 0.04, 0.20) * _LOW_RANK.get((tier or "").upper(), 1.0)
    return sum(WEIGHTS_1_0[n] * values[n] for n in WEIGHTS_1_0) / sum(WEIGHTS_1_0.values())
