"""`update_tracked_players`: the Tracked Player Updater of seed 001.

For each tracked, active player (at most ``max_tracked_players``, least recently updated
first): list the ranked-solo (queue 420) match ids since the end of their newest stored match
(count 100; with nothing stored, the latest 100), drop ids already stored (one query), fetch up
to ``max_new_matches_per_player`` of the rest concurrently and store each match with its
participants and newly discovered players in one transaction. Then refresh the summoner level
from the newest match, fetch league entries and store a rank snapshot for each queue whose rank
changed, and touch ``updated_at``.

New matches are taken oldest first and committed in that order (whatever order the concurrent
responses arrive in), so the stored history is always gap-free up to its newest match: a backlog
larger than the cap, a killed process or a transient error are picked up by the next run, whose
``startTime`` is that newest match's end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from riotjobs.tasks.base import TaskConfig, TaskOutcome

if TYPE_CHECKING:
    from riotjobs.tasks.base import TaskContext

_SELECT = """
SELECT puuid, platform, game_name, tag_line FROM players
WHERE is_tracked AND is_active
ORDER BY updated_at, id
LIMIT :limit
"""


class Config(TaskConfig):
    max_tracked_players: int = Field(default=10, ge=1, le=1000)
    max_new_matches_per_player: int = Field(default=20, ge=1, le=100)


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    from sqlalchemy import text

    outcome = TaskOutcome()
    with ctx.session() as session:
        players = session.execute(text(_SELECT), {"limit": config.max_tracked_players}).all()
    if not players:
        outcome.note = "no tracked players"
        return outcome
    ctx.progress.start("updating tracked players", len(players))
    for player in players:
        _update_player(ctx, outcome, config, puuid=player.puuid, platform=player.platform)
        ctx.progress.advance()
    ctx.progress.finish()
    return outcome


def _update_player(
    ctx: TaskContext, outcome: TaskOutcome, config: Config, *, puuid: str, platform: str
) -> None:
    from riotjobs.ingest import RANKED_SOLO_QUEUE_ID, last_ranked_match_end, stored_match_ids
    from riotjobs.tasks._history import (
        MAX_IDS_PER_REQUEST,
        fetch_matches,
        finish_player,
        is_item_error,
        refresh_rank,
        skip,
    )

    with ctx.session() as session:
        last_end = last_ranked_match_end(session=session, puuid=puuid)
    start_time = int(last_end.timestamp()) if last_end is not None else None
    try:
        ids = ctx.riot.match_ids_by_puuid(
            puuid,
            platform=platform,
            start_time=start_time,
            queue=RANKED_SOLO_QUEUE_ID,
            count=MAX_IDS_PER_REQUEST,
        )
    except Exception as exc:
        if not is_item_error(exc):
            raise
        skip(ctx, outcome, f"match ids of {puuid}", exc)
        return
    with ctx.session() as session:
        known = stored_match_ids(session=session, match_ids=ids)
    # The API lists newest first; take the oldest new ones so the next run's startTime (the
    # newest stored match) never jumps over matches that did not fit under the cap.
    new = [match_id for match_id in reversed(ids) if match_id not in known]
    todo = new[: config.max_new_matches_per_player]
    if len(new) > len(todo):
        ctx.log.info("%s: %d new matches, fetching the oldest %d", puuid, len(new), len(todo))
    fetched = fetch_matches(ctx, outcome, platform=platform, match_ids=todo, in_order=True)
    refresh_rank(ctx, outcome, puuid=puuid, platform=platform)
    finish_player(ctx, puuid=puuid, new_matches=fetched.stored > 0)
    ctx.log.debug("%s: %d matches stored, %d failed", puuid, fetched.stored, fetched.failed)
