"""Where a tracked player's match listings start: the sync point and the floor.

``players.matches_synced_until`` is the end time of the newest match of the player's stored,
oldest-first run of listed matches: the next listing asks for matches from there
(``startTime``). A player never synced has none; its first listing may record a floor
(``players.sync_floor_match_id``, its oldest listed id), and until a sync point is set later
listings page back to that id, so newer games cannot push the first window's oldest matches out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import text

from riotjobs.db.models import utcnow

if TYPE_CHECKING:
    from sqlmodel import Session


def sync_points(
    *, session: Session, puuids: Sequence[str]
) -> tuple[dict[str, datetime], dict[str, str]]:
    """Where each player's next listing starts: ``players.matches_synced_until`` of the players
    synced so far, and ``players.sync_floor_match_id`` of those never synced that have one."""
    rows = session.execute(
        text(
            "SELECT puuid, matches_synced_until, sync_floor_match_id FROM players"
            " WHERE puuid = ANY(:puuids)"
            " AND (matches_synced_until IS NOT NULL OR sync_floor_match_id IS NOT NULL)"
        ),
        {"puuids": list(puuids)},
    ).all()
    ends = {r.puuid: r.matches_synced_until for r in rows if r.matches_synced_until is not None}
    floors = {
        r.puuid: r.sync_floor_match_id
        for r in rows
        if r.matches_synced_until is None and r.sync_floor_match_id is not None
    }
    return ends, floors


def set_sync_floors(*, session: Session, floors: dict[str, str]) -> None:
    """Record the oldest id of each never-synced player's first listing (once: never moved)."""
    if not floors:
        return
    session.execute(
        text(
            "UPDATE players p SET sync_floor_match_id = f.match_id"
            " FROM unnest(CAST(:puuids AS text[]), CAST(:ids AS text[])) AS f(puuid, match_id)"
            " WHERE p.puuid = f.puuid AND p.sync_floor_match_id IS NULL"
            " AND p.matches_synced_until IS NULL"
        ),
        {"puuids": list(floors), "ids": list(floors.values())},
    )


def advance_sync_point(*, session: Session, puuid: str, listed: Sequence[str]) -> None:
    """Move the player's sync point to the end of the oldest-first run of ``listed`` (newest
    first, as match-v5 lists) that is stored. It only moves forward and never over a gap."""
    stored = {
        row.match_id: row.game_end
        for row in session.execute(
            text("SELECT match_id, game_end FROM matches WHERE match_id = ANY(:ids)"),
            {"ids": list(listed)},
        )
    }
    ends = []
    for match_id in reversed(listed):
        if match_id not in stored:
            break
        if stored[match_id] is not None:
            ends.append(stored[match_id])
    if ends:
        session.execute(
            text(
                "UPDATE players SET matches_synced_until = :until WHERE puuid = :puuid"
                " AND (matches_synced_until IS NULL OR matches_synced_until < :until)"
            ),
            {"until": max(ends), "puuid": puuid},
        )


def touch_player(*, session: Session, puuid: str) -> None:
    """Set ``updated_at`` to now, which also rotates the discovered-players queue."""
    session.execute(
        text("UPDATE players SET updated_at = :now WHERE puuid = :puuid"),
        {"now": utcnow(), "puuid": puuid},
    )
