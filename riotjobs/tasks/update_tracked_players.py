"""`update_tracked_players`: the work of the `tracked_player_updater` job.

For each tracked, active player (at most ``max_tracked_players``, least recently updated
first): list the ranked-solo (queue 420) match ids since the player's sync point (count 100;
never synced, the latest 100, and from then on back to the oldest of those, its floor, until
the sync point is set), drop ids already stored (one query), fetch up
to ``max_new_matches_per_player`` of the rest and store each match with its participants and
newly discovered players in one transaction. Fetch league entries and store a rank snapshot for
each queue whose rank changed; once a player's requests are all answered, refresh the summoner
level from the newest match and touch ``updated_at``.

The players overlap: all their id lists are requested concurrently, then all their new matches
and league entries go through one concurrent batch (``_history.fetch_batch``), so the rate
limit, not the player boundaries, sets the pace.

New matches are taken oldest first and committed in that order (whatever order the concurrent
responses arrive in). The sync point (``players.matches_synced_until``) then moves to the end of
the oldest-first run of listed matches that is stored, and never over a gap. So a backlog larger
than the cap, a killed process, a transient error, or a newer match of this player stored by
another job (``fetch_discovered_matches`` meets tracked players in their opponents' histories)
are all picked up by the next run, whose ``startTime`` is the sync point.
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

    from riotjobs.pipeline.ingest import stored_match_ids
    from riotjobs.pipeline.sync import set_sync_floors, sync_points
    from riotjobs.tasks._history import (
        MAX_IDS_PER_REQUEST,
        IdsQuery,
        Plan,
        fetch_batch,
        list_match_ids,
    )

    outcome = TaskOutcome()
    with ctx.session() as session:
        players = session.execute(text(_SELECT), {"limit": config.max_tracked_players}).all()
        # Listing starts at the player's sync point (the newest match up to which everything is
        # stored), not at the newest stored match: other jobs store this player's matches too.
        ends, floors = sync_points(session=session, puuids=[p.puuid for p in players])
    if not players:
        outcome.note = "no tracked players"
        return outcome
    ctx.progress.start("updating tracked players", len(players))
    queries = []
    for player in players:
        end = ends.get(player.puuid)
        start_time = int(end.timestamp()) if end is not None else None
        floor = floors.get(player.puuid)
        queries.append(
            IdsQuery(player.puuid, player.platform, MAX_IDS_PER_REQUEST, start_time, floor)
        )
    found = list_match_ids(ctx, outcome, queries)
    # A never-synced player's first listing opens its window: keep where it starts, so a run
    # that cannot store its oldest matches does not let the next listing (the newest 100 again)
    # move past them.
    first = {
        p.puuid: found[p.puuid][-1]
        for p in players
        if p.puuid not in ends and p.puuid not in floors and found.get(p.puuid)
    }
    with ctx.session() as session:
        set_sync_floors(session=session, floors=first)
        session.commit()
        known = stored_match_ids(
            session=session, match_ids=[m for ids in found.values() for m in ids]
        )
    plans = []
    for player in players:
        ids = found.get(player.puuid)
        if ids is None:  # skipped: no rank refresh, not touched, first in line next run
            ctx.progress.advance()
            continue
        # The API lists newest first; take the oldest new ones so the next run's startTime (the
        # newest stored match) never jumps over matches that did not fit under the cap.
        new = [match_id for match_id in reversed(ids) if match_id not in known]
        todo = new[: config.max_new_matches_per_player]
        if len(new) > len(todo):
            ctx.log.info(
                "%s: %d new matches, fetching the oldest %d", player.puuid, len(new), len(todo)
            )
        plans.append(Plan(player.puuid, player.platform, todo, sync_ids=tuple(ids)))
    fetch_batch(ctx, outcome, plans, in_order=True, ranks=True)
    ctx.progress.finish()
    return outcome
