"""Analyse due players in batches: select candidates, load features, score, store, commit.

A candidate is an untracked, active player with at least ``min_matches`` queue-420 matches who
is either not analysed yet or has ``reanalyze_after`` more matches than their latest analysis
counted; after those, up to ``reanalyze_per_run`` players whose latest analysis was made by an
older ``ANALYSIS_VERSION``. Each batch is one transaction, so a run cut short by its timeout
keeps every batch it finished. A player whose data breaks a score is logged, reported back
and skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from riotjobs.analysis.combine import ANALYSIS_VERSION, Verdict, analyze, check_weights
from riotjobs.analysis.load import RANKED_SOLO_QUEUE, load_features
from riotjobs.analysis.scores import STORED_SCORES

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from riotjobs.analysis.features import PlayerFeatures

log = logging.getLogger("riotjobs.analysis")

_CANDIDATES_SQL = f"""
SELECT p.puuid
FROM players p
CROSS JOIN LATERAL (
    SELECT count(*) AS n
    FROM match_participants mp JOIN matches m ON m.match_id = mp.match_id
    WHERE mp.puuid = p.puuid AND m.queue_id = {RANKED_SOLO_QUEUE}
) c
LEFT JOIN LATERAL (
    SELECT a.total_matches FROM player_analysis a
    WHERE a.puuid = p.puuid ORDER BY a.analyzed_at DESC, a.id DESC LIMIT 1
) last ON true
WHERE NOT p.is_tracked AND p.is_active AND c.n >= :min_matches
  AND (NOT p.is_analyzed OR last.total_matches IS NULL
       OR c.n - last.total_matches >= :reanalyze_after)
ORDER BY p.is_analyzed, p.updated_at, p.id
LIMIT :limit
"""

# Players whose latest analysis was made by an older ANALYSIS_VERSION and who are not due for
# another reason: re-analysed a few per run (oldest analysis first) so a version bump does not
# turn one run into a re-analysis of the whole table.
_OUTDATED_SQL = f"""
SELECT p.puuid
FROM players p
JOIN LATERAL (
    SELECT a.analysis_version, a.analyzed_at FROM player_analysis a
    WHERE a.puuid = p.puuid ORDER BY a.analyzed_at DESC, a.id DESC LIMIT 1
) last ON true
WHERE NOT p.is_tracked AND p.is_active AND p.is_analyzed
  AND last.analysis_version <> :version
  AND (SELECT count(*) FROM match_participants mp JOIN matches m ON m.match_id = mp.match_id
       WHERE mp.puuid = p.puuid AND m.queue_id = {RANKED_SOLO_QUEUE}) >= :min_matches
  AND NOT p.puuid = ANY(:taken)
ORDER BY last.analyzed_at, p.id
LIMIT :limit
"""


@dataclass(frozen=True)
class AnalysisOptions:
    """The knobs of a run (the task's ``Config`` maps onto these)."""

    min_matches: int = 20
    limit: int = 15
    threshold: float = 0.5
    reanalyze_after: int = 10
    weights: Mapping[str, float] = field(default_factory=dict)  # missing names: defaults
    max_matches: int = 100
    batch_size: int = 1000
    reanalyze_per_run: int = 50  # players analysed by an older ANALYSIS_VERSION, per run


@dataclass
class RunResult:
    analyzed: int = 0
    smurfs: int = 0
    failures: list[str] = field(default_factory=list)
    out_of_time: bool = False


def select_candidates(*, session: Session, options: AnalysisOptions) -> list[str]:
    """The puuids due for analysis, never-analysed players first, at most ``options.limit``;
    then, in the room left, at most ``options.reanalyze_per_run`` players whose latest analysis
    predates ``ANALYSIS_VERSION``."""
    from sqlalchemy import text

    rows = session.execute(
        text(_CANDIDATES_SQL),
        {
            "min_matches": options.min_matches,
            "reanalyze_after": options.reanalyze_after,
            "limit": options.limit,
        },
    )
    due = [r.puuid for r in rows]
    room = min(options.reanalyze_per_run, options.limit - len(due))
    if room <= 0:
        return due
    outdated = session.execute(
        text(_OUTDATED_SQL),
        {
            "version": ANALYSIS_VERSION,
            "min_matches": options.min_matches,
            "taken": due,
            "limit": room,
        },
    )
    return due + [r.puuid for r in outdated]


def _row(verdict: Verdict) -> dict[str, object]:
    row: dict[str, object] = {
        "puuid": verdict.puuid,
        "analysis_version": ANALYSIS_VERSION,
        "sample_size": verdict.sample_size,
        "total_matches": verdict.total_matches,
        "confidence": verdict.confidence,
        "is_smurf": verdict.is_smurf,
        "details": verdict.details(),
    }
    for name in STORED_SCORES:
        row[f"{name}_score"] = verdict.scores[name].value
    return row


def _store(session: Session, verdicts: list[Verdict], failed: list[str]) -> None:
    from sqlalchemy import func, insert, update

    from riotjobs.db.models import Player, PlayerAnalysis

    if verdicts:
        session.execute(insert(PlayerAnalysis), [_row(v) for v in verdicts])
        session.execute(
            update(Player)
            .where(Player.puuid.in_([v.puuid for v in verdicts]))  # type: ignore[attr-defined]
            .values(is_analyzed=True, updated_at=func.now())
        )
    if failed:
        # Touch failed players so the queue (ordered by updated_at) moves past them next run.
        session.execute(
            update(Player)
            .where(Player.puuid.in_(failed))  # type: ignore[attr-defined]
            .values(updated_at=func.now())
        )


def analyze_players(
    *,
    engine: Engine,
    options: AnalysisOptions,
    deadline: float | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Analyse up to ``options.limit`` due players; commit after every batch.

    ``deadline`` is a ``time.monotonic()`` value: no new batch starts after it. ``on_batch``
    receives (analysed, smurfs) of each committed batch, e.g. to bump run counters.
    """
    from sqlmodel import Session

    weights = check_weights(options.weights)  # fills in defaults for unnamed scores
    result = RunResult()

    def late() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    with Session(engine) as session:
        candidates = select_candidates(session=session, options=options)
        session.rollback()
        size = options.batch_size
        batches = [candidates[i : i + size] for i in range(0, len(candidates), size)]
        if late():
            batches = []  # out of time already: load nothing
            result.out_of_time = True
        for batch, features in _loaded(engine, batches, options.max_matches):
            if late():
                result.out_of_time = True
                break
            verdicts: list[Verdict] = []
            failed: list[str] = []
            for puuid in batch:
                player = features.get(puuid)
                if player is None:
                    continue
                try:
                    verdicts.append(analyze(player, weights=weights, threshold=options.threshold))
                except (ArithmeticError, ValueError, TypeError) as exc:
                    message = f"detection error for {puuid}: {exc}"
                    log.warning("%s", message)
                    result.failures.append(message)
                    failed.append(puuid)
            _store(session, verdicts, failed)
            session.commit()
            smurfs = sum(v.is_smurf for v in verdicts)
            result.analyzed += len(verdicts)
            result.smurfs += smurfs
            if on_batch is not None:
                on_batch(len(verdicts), smurfs)
    return result


def _loaded(
    engine: Engine, batches: list[list[str]], max_matches: int
) -> Iterator[tuple[list[str], dict[str, PlayerFeatures]]]:
    """Each batch with its players' features. While the caller scores and stores one batch,
    the next one's are loaded on a connection of its own: its queries wait on Postgres and the
    scoring on Python, so the two overlap (on two cores, a fifth off a large run). A caller
    that stops early waits for at most that one load to finish."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from sqlmodel import Session

    def load(batch: list[str]) -> dict[str, PlayerFeatures]:
        with Session(engine) as session:
            return load_features(session=session, puuids=batch, max_matches=max_matches)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="riotjobs-analysis") as pool:
        ahead: Future[dict[str, PlayerFeatures]] | None = None
        for i, batch in enumerate(batches):
            features = ahead.result() if ahead is not None else load(batch)
            ahead = pool.submit(load, batches[i + 1]) if i + 1 < len(batches) else None
            yield batch, features
