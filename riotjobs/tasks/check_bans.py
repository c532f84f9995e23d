"""`check_bans`: phase 3 of `player_analyzer`: re-check flagged accounts for bans.

Players whose latest analysis says ``is_smurf`` and whose ``last_ban_check`` is empty or older
than ``ban_check_days`` are looked up through summoner-v4 by-puuid, at most
``ban_checks_per_run`` per run, never-checked first. 200: the account is active (its summoner
level is refreshed; a previously banned account whose ban was lifted is marked unbanned). 404:
likely banned: ``is_banned`` is set, ``banned_at`` keeps the first time, and a newly banned
account raises a ``banned`` event for the notifier. Any other API error skips the player. Every
completed check sets ``last_ban_check``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from riotjobs.tasks.base import Event, TaskConfig, TaskOutcome

if TYPE_CHECKING:
    from riotjobs.tasks.base import TaskContext

_SELECT = """
SELECT p.puuid, p.platform, p.game_name, p.tag_line, a.confidence
FROM players p
CROSS JOIN LATERAL (
    SELECT pa.is_smurf, pa.confidence FROM player_analysis pa
    WHERE pa.puuid = p.puuid ORDER BY pa.analyzed_at DESC, pa.id DESC LIMIT 1
) a
WHERE a.is_smurf AND (p.last_ban_check IS NULL OR p.last_ban_check < :cutoff)
ORDER BY p.last_ban_check NULLS FIRST, p.id
LIMIT :limit
"""


class Config(TaskConfig):
    ban_check_days: int = Field(default=7, ge=0, le=3650)
    ban_checks_per_run: int = Field(default=20, ge=1, le=10_000)


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    from datetime import timedelta

    from sqlalchemy import text

    from riotjobs.db.models import utcnow

    outcome = TaskOutcome()
    cutoff = utcnow() - timedelta(days=config.ban_check_days)
    with ctx.session() as session:
        players = session.execute(
            text(_SELECT), {"cutoff": cutoff, "limit": config.ban_checks_per_run}
        ).all()
    if not players:
        outcome.note = "no smurfs due for a ban check"
        return outcome
    ctx.progress.start("checking flagged accounts for bans", len(players))
    banned = 0
    for player in players:
        banned += _check(ctx, outcome, player)
        ctx.progress.advance()
    ctx.progress.finish()
    outcome.note = f"{len(players)} checked, {banned} newly banned"
    return outcome


def _check(ctx: TaskContext, outcome: TaskOutcome, player: Any) -> int:
    """Check one player; returns 1 when the account is newly banned."""
    from riotjobs.riot.errors import NotFoundError
    from riotjobs.tasks._history import is_item_error, skip

    level: int | None = None
    try:
        level = ctx.riot.summoner_by_puuid(player.puuid, platform=player.platform).summoner_level
        found = True
    except NotFoundError:
        found = False
    except Exception as exc:
        if not is_item_error(exc):
            raise
        skip(ctx, outcome, f"ban check of {player.puuid}", exc)
        return 0
    newly_banned = _record(ctx, puuid=player.puuid, found=found, level=level)
    ctx.counters.add("ban_checks")
    ctx.counters.add("records_updated")
    if not newly_banned:
        return 0
    riot_id = f"{player.game_name}#{player.tag_line}" if player.game_name else None
    ctx.log.info("newly banned: %s (%s)", riot_id or player.puuid, player.platform)
    ctx.events.append(
        _banned_event(player.puuid, riot_id, player.platform, float(player.confidence))
    )
    return 1


def _record(ctx: TaskContext, *, puuid: str, found: bool, level: int | None) -> bool:
    """Store the check's result; True when this check is the one that found the ban.

    The row lock makes two concurrent checkers (``player_analyzer`` and ``ban_checker``) agree
    on who saw the ban first, so the notification goes out once.
    """
    from sqlalchemy import text

    from riotjobs.db.models import utcnow

    now = utcnow()
    with ctx.session() as session:
        was_banned = session.execute(
            text("SELECT is_banned FROM players WHERE puuid = :puuid FOR UPDATE"),
            {"puuid": puuid},
        ).scalar_one()
        if found:
            if was_banned:
                ctx.log.info("%s answers again: ban lifted", puuid)
            session.execute(
                text(
                    "UPDATE players SET is_banned = false, last_ban_check = :now,"
                    " summoner_level = coalesce(:level, summoner_level), updated_at = :now"
                    " WHERE puuid = :puuid"
                ),
                {"now": now, "level": level, "puuid": puuid},
            )
        else:
            session.execute(
                text(
                    "UPDATE players SET is_banned = true, banned_at = coalesce(banned_at, :now),"
                    " last_ban_check = :now, updated_at = :now WHERE puuid = :puuid"
                ),
                {"now": now, "puuid": puuid},
            )
        session.commit()
    return not found and not was_banned


def _banned_event(puuid: str, riot_id: str | None, platform: str, confidence: float) -> Event:
    return Event(
        "banned",
        {"puuid": puuid, "riot_id": riot_id, "platform": platform, "confidence": confidence},
    )
