"""Smurf detection: nine pure scores over lobby-relative match data, a weighted confidence,
batched loading and storage, and the read side (`report smurfs`, a player's latest analysis).

Importing this package is cheap; database work happens only inside the functions.
"""

from __future__ import annotations

from riotjobs.analysis.combine import (
    ANALYSIS_VERSION,
    DEFAULT_WEIGHTS,
    Verdict,
    analyze,
    check_weights,
    confidence,
)
from riotjobs.analysis.features import MatchFeatures, PlayerFeatures, RankSnapshot, Stats
from riotjobs.analysis.load import load_features
from riotjobs.analysis.report import (
    Contribution,
    LatestAnalysis,
    SmurfRow,
    latest_analysis,
    smurf_report,
)
from riotjobs.analysis.run import AnalysisOptions, RunResult, analyze_players, select_candidates
from riotjobs.analysis.scores import SCORES, DetectionError, Score

__all__ = [
    "ANALYSIS_VERSION",
    "DEFAULT_WEIGHTS",
    "SCORES",
    "AnalysisOptions",
    "Contribution",
    "DetectionError",
    "LatestAnalysis",
    "MatchFeatures",
    "PlayerFeatures",
    "RankSnapshot",
    "RunResult",
    "Score",
    "SmurfRow",
    "Stats",
    "Verdict",
    "analyze",
    "analyze_players",
    "check_weights",
    "confidence",
    "latest_analysis",
    "load_features",
    "select_candidates",
    "smurf_report",
]
