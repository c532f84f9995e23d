"""`fetch_discovered_matches`: phase 1 of the `player_analyzer` job (README: The pipeline).

Discovered players (untracked, active, not banned) with fewer than ``target_matches`` stored
ranked-solo (queue 420) matches get up to ``players_per_run`` at a time, least recently updated
first. For each: list their most recent queue-420 match ids (``target_matches`` of them, so the
ones already stored can be skipped and still leave enough), fetch the missing ones, newest
first, and store them as they arrive (a match and its participants always in one
transaction). With ``fetch_ranks`` the player's league entries are read too (the analysis
compares rank with performance). ``updated_at`` is touched
even when nothing was found, so the queue rotates past players who do not play ranked.

The batch overlaps: all id lists are requested concurrently, then every player's missing
matches and league entries go through one concurrent batch (``_history.fetch_batch``); a match
two claimed players share is fetched once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field

from riotjobs.tasks.base import TaskConfig, TaskOutcome

if TYPE_CHECKING:
    from riotjobs.tasks.base import TaskContext

# Claim the batch: lock the due rows (skipping rows another run has locked) and move them to the
# back of the queue at once, so `player_analyzer` and `match_fetcher` running together work on
# different players instead of fetching the same matches twice.
_CLAIM = """
WITH due AS (
    SELECT p.id, c.n
    FROM players p
    CROSS JOIN LATERAL (
        SELECT count(*) AS n
        FROM match_participants mp JOIN matches m ON m.match_id = mp.match_id
        WHERE mp.puuid = p.puuid AND m.queue_id = :queue
    ) c
    WHERE NOT p.is_tracked AND p.is_active AND NOT p.is_banned AND c.n < :target
    ORDER BY p.updated_at, p.id
    LIMIT :limit
    FOR UPDATE OF p SKIP LOCKED
)
UPDATE players p SET updated_at = :now
FROM due WHERE p.id = due.id
RETURNING p.id, p.puuid, p.platform, due.n AS stored
"""


# Claims take turns (until the claiming transaction commits). With LIMIT and SKIP LOCKED alone,
# a claim whose snapshot predates another's commit could lock rows that one had just claimed
# (Postgres re-checks the row, not the ORDER BY and LIMIT), and both runs fetched the same players.
_CLAIM_LOCK = "SELECT pg_advisory_xact_lock(hashtext('riotjobs.tasks.fetch_discovered_matches'))"


class Config(TaskConfig):
    target_matches: int = Field(default=20, ge=1, le=100)
    players_per_run: int = Field(default=10, ge=1, le=10_000)
    fetch_ranks: bool = True


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    from sqlalchemy import text

    from riotjobs.db.models import utcnow
    from riotjobs.pipeline.ingest import RANKED_SOLO_QUEUE_ID

    outcome = TaskOutcome()
    with ctx.session() as session:
        session.execute(text(_CLAIM_LOCK))
        claimed = session.execute(
            text(_CLAIM),
            {
                "queue": RANKED_SOLO_QUEUE_ID,
                "target": config.target_matches,
                "limit": config.players_per_run,
                "now": utcnow(),
            },
        ).all()
        session.commit()
    players = sorted(claimed, key=lambda row: row.id)
    if not players:
        outcome.note = "no discovered players need matches"
        return outcome
    ctx.progress.start("fetching matches of discovered players", len(players))
    _fill(ctx, outcome, config, players)
    ctx.progress.finish()
    return outcome


def _fill(ctx: TaskContext, outcome: TaskOutcome, config: Config, players: Sequence[Any]) -> None:
    """List the batch's match ids concurrently, then fetch every player's missing matches (and
    league entries) in one concurrent batch."""
    from riotjobs.pipeline.ingest import stored_match_ids
    from riotjobs.pipeline.sync import touch_player
    from riotjobs.tasks._history import IdsQuery, Plan, fetch_batch, list_match_ids

    queries = [IdsQuery(p.puuid, p.platform, config.target_matches) for p in players]
    found = list_match_ids(ctx, outcome, queries)
    with ctx.session() as session:
        known = stored_match_ids(
            session=session, match_ids=[m for ids in found.values() for m in ids]
        )
        for player in players:
            if player.puuid not in found:
                # Rotate the queue anyway, so one failing player cannot hold its head.
                touch_player(session=session, puuid=player.puuid)
                ctx.progress.advance()
        session.commit()
    plans = []
    for player in players:
        ids = found.get(player.puuid)
        if ids is not None:
            missing = config.target_matches - int(player.stored)
            todo = [match_id for match_id in ids if match_id not in known][:missing]
            plans.append(Plan(player.puuid, player.platform, todo))
    fetch_batch(ctx, outcome, plans, in_order=False, ranks=config.fetch_ranks)
