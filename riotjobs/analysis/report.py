"""Read side of the analysis: the flagged-players report and one player's latest analysis.

Both read only each player's *latest* ``player_analysis`` row, so a re-analysis that cleared a
player removes them from the report while the history stays in the table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from riotjobs.analysis.combine import ANALYSIS_VERSION
from riotjobs.analysis.scores import STORED_SCORES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_SCORE_COLUMNS = ", ".join(f"a.{n}_score" for n in STORED_SCORES)

_LATEST_SQL = f"""
SELECT DISTINCT ON (a.puuid) a.puuid, a.analysis_version, a.analyzed_at, a.sample_size,
       a.total_matches, a.confidence, a.is_smurf, a.details, {_SCORE_COLUMNS}
FROM player_analysis a
WHERE %(where)s
ORDER BY a.puuid, a.analyzed_at DESC, a.id DESC
"""

_REPORT_SQL = f"""
SELECT l.*, p.game_name, p.tag_line, p.summoner_level, p.is_banned, p.banned_at,
       p.last_ban_check
FROM ({_LATEST_SQL % {"where": "true"}}) l
JOIN players p ON p.puuid = l.puuid
WHERE l.confidence >= :min_confidence AND (:any_flag OR l.is_smurf)
  AND (CAST(:since AS timestamptz) IS NULL OR l.analyzed_at >= :since)
ORDER BY l.confidence DESC, l.puuid
LIMIT :limit
"""


@dataclass(frozen=True)
class Contribution:
    score: str
    value: float  # the score, 0..1
    weight: float
    # How much the score moved the verdict: log-odds added (analysis 2.x), or its share of the
    # weighted-mean confidence (weight * score / Σ weights) in rows of analysis 1.x.
    contribution: float


@dataclass(frozen=True)
class SmurfRow:
    puuid: str
    riot_id: str | None
    summoner_level: int | None
    confidence: float
    analyzed_at: datetime
    sample_size: int
    analysis_version: str
    top_scores: list[Contribution]
    is_banned: bool
    banned_at: datetime | None
    last_ban_check: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LatestAnalysis:
    puuid: str
    analysis_version: str
    analyzed_at: datetime
    sample_size: int
    total_matches: int
    confidence: float
    is_smurf: bool
    scores: dict[str, float]  # every score by name (the nine columns plus details["scores"])
    details: dict[str, Any]
    contributions: list[Contribution]  # every score, largest push towards "smurf" first
    outdated: bool  # made by an older ANALYSIS_VERSION: re-analysis will pick the player up
    current_version: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _scores(row: Any) -> dict[str, float]:
    stored = {n: float(getattr(row, f"{n}_score")) for n in STORED_SCORES}
    extra = (row.details or {}).get("scores") or {}
    return {**stored, **{n: float(v) for n, v in extra.items() if n not in stored}}


def contributions(row: Any) -> list[Contribution]:
    """Every score's contribution to the verdict, largest push towards "smurf" first.

    Rows of analysis 2.x store each score's log-odds term in ``details``; for older rows the
    weighted-mean share is recomputed from their stored weights (the 1.x defaults if none).
    """
    details = row.details or {}
    weights = {**_V1_WEIGHTS, **(details.get("weights") or {})}
    values = _scores(row)
    stored = details.get("contributions") if details.get("combination") == "logistic" else None
    if stored is not None:
        parts = [
            Contribution(n, round(values.get(n, 0.0), 4), weights.get(n, 1.0), float(v))
            for n, v in stored.items()
        ]
    else:
        total = sum(weights.get(n, 0.0) for n in values) or 1.0
        parts = [
            Contribution(
                n, round(v, 4), weights.get(n, 0.0), round(weights.get(n, 0.0) * v / total, 4)
            )
            for n, v in values.items()
        ]
    parts.sort(key=lambda c: (-c.contribution, c.score))
    return parts


def top_contributions(row: Any, count: int = 3) -> list[Contribution]:
    """The ``count`` scores that pushed the verdict most towards "smurf"."""
    return contributions(row)[:count]


# The default weights of analysis 1.x (a weighted mean), to explain rows stored by it.
_V1_WEIGHTS = {
    "win_rate": 1.5, "kda": 1.5, "account_level": 0.75, "rank_discrepancy": 1.0,
    "rank_progression": 1.0, "win_rate_trend": 1.0, "performance_consistency": 1.5,
    "performance_trends": 1.0, "role_performance": 1.0,
}  # fmt: skip


def smurf_report(
    *,
    session: Session,
    since: timedelta | None = None,
    min_confidence: float | None = None,
    limit: int = 1000,
    now: datetime | None = None,
) -> list[SmurfRow]:
    """Players whose latest analysis flags them, most confident first.

    With ``min_confidence`` the flag is replaced by that bar (so a stricter or looser cut can be
    read without re-analysing); ``since`` keeps analyses newer than that age.
    """
    from sqlalchemy import text

    from riotjobs.db.models import utcnow

    cutoff = None if since is None else (now or utcnow()) - since
    rows = session.execute(
        text(_REPORT_SQL),
        {
            "min_confidence": 0.0 if min_confidence is None else min_confidence,
            "any_flag": min_confidence is not None,
            "since": cutoff,
            "limit": limit,
        },
    )
    return [
        SmurfRow(
            puuid=r.puuid,
            riot_id=f"{r.game_name}#{r.tag_line}" if r.game_name and r.tag_line else None,
            summoner_level=r.summoner_level,
            confidence=round(float(r.confidence), 4),
            analyzed_at=r.analyzed_at,
            sample_size=r.sample_size,
            analysis_version=r.analysis_version,
            top_scores=top_contributions(r),
            is_banned=bool(r.is_banned),
            banned_at=r.banned_at,
            last_ban_check=r.last_ban_check,
        )
        for r in rows
    ]


def latest_analysis(*, session: Session, puuid: str) -> LatestAnalysis | None:
    """The newest analysis of one player with its scores and what drove the verdict, or None
    if never analysed. ``outdated`` says it predates the current ``ANALYSIS_VERSION``."""
    from sqlalchemy import text

    row = session.execute(
        text(_LATEST_SQL % {"where": "a.puuid = :puuid"}), {"puuid": puuid}
    ).first()
    if row is None:
        return None
    return LatestAnalysis(
        puuid=row.puuid,
        analysis_version=row.analysis_version,
        analyzed_at=row.analyzed_at,
        sample_size=row.sample_size,
        total_matches=row.total_matches,
        confidence=float(row.confidence),
        is_smurf=bool(row.is_smurf),
        scores=_scores(row),
        details=dict(row.details or {}),
        contributions=contributions(row),
        outdated=row.analysis_version != ANALYSIS_VERSION,
        current_version=ANALYSIS_VERSION,
    )
