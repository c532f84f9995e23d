"""`analyze_players`: phase 2 of `player_analyzer`: score due players for smurfing.

Candidates are untracked, active players with at least ``min_matches`` queue-420 matches that
are not analysed yet, or that gained ``reanalyze_after_matches`` matches since their latest
analysis, then up to ``reanalyze_per_run`` players analysed by an older analysis version. Each
gets every score, a calibrated ``confidence`` and ``is_smurf = confidence >=
min_smurf_confidence``, stored as a new ``player_analysis`` row (history is kept). Work is
committed per batch; a player whose data breaks a score is logged and skipped (partial run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from riotjobs.tasks.base import TaskConfig, TaskOutcome

if TYPE_CHECKING:
    from riotjobs.tasks.base import TaskContext

# Stop starting batches this long before the deadline so the last commit lands in time.
_DEADLINE_MARGIN_S = 5.0


class Config(TaskConfig):
    min_matches: int = Field(default=20, ge=1, le=1000)
    unanalyzed_players_per_run: int = Field(default=15, ge=1, le=1_000_000)
    min_smurf_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    reanalyze_after_matches: int = Field(default=10, ge=1, le=10_000)
    max_matches_considered: int = Field(default=100, ge=1, le=1000)
    reanalyze_per_run: int = Field(default=50, ge=0, le=1_000_000)
    score_weights: dict[str, float] = Field(default_factory=dict)

    @field_validator("score_weights")
    @classmethod
    def _check_weights(cls, value: dict[str, float]) -> dict[str, float]:
        from riotjobs.analysis.combine import check_weights

        check_weights(value)  # raises ValueError naming the bad key or value
        return value


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    from riotjobs.analysis import AnalysisOptions, analyze_players

    options = AnalysisOptions(
        min_matches=config.min_matches,
        limit=config.unanalyzed_players_per_run,
        threshold=config.min_smurf_confidence,
        reanalyze_after=config.reanalyze_after_matches,
        weights=config.score_weights,
        max_matches=config.max_matches_considered,
        reanalyze_per_run=config.reanalyze_per_run,
    )

    def counted(analyzed: int, smurfs: int) -> None:
        ctx.counters.add("players_analyzed", analyzed)
        ctx.counters.add("smurfs_detected", smurfs)
        ctx.progress.advance(analyzed)

    ctx.progress.start("analysing players", config.unanalyzed_players_per_run)
    try:
        result = analyze_players(
            engine=ctx.engine,
            options=options,
            deadline=ctx.deadline - _DEADLINE_MARGIN_S,
            on_batch=counted,
        )
    finally:
        ctx.progress.finish()
    outcome = TaskOutcome()
    for message in result.failures:
        outcome.item_failed(message)
    ctx.log.info("analysed %d players, %d flagged", result.analyzed, result.smurfs)
    if result.out_of_time:
        outcome.status = "partial"
        outcome.note = "stopped before the deadline; the next run continues"
    return outcome
