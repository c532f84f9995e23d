"""Tracked players: track, untrack, list and show (the library behind `riotjobs players`).

A player is named by a Riot ID (``Name#TAG``) or a puuid. Tracking a Riot ID resolves it through
account-v1 on the platform's region; a bare puuid is stored as given and, when a Riot client is
available, validated through summoner-v4. The number of tracked players is capped by
``max_tracked_players`` of the job that runs ``update_tracked_players`` (jobs.yaml merged with
the database overrides), because that job could not keep more of them current.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from riotjobs.errors import RiotJobsError, UsageError
from riotjobs.pipeline.ingest import RANKED_SOLO_QUEUE_ID

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from riotjobs.config import JobsConfig
    from riotjobs.riot.client import RiotClient
    from riotjobs.settings import Settings

UPDATER_TASK = "update_tracked_players"
_PUUID_RE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
Which = Literal["all", "tracked", "smurfs", "banned"]


class PlayerNotFoundError(RiotJobsError):
    """No such player: unknown to the database, or (when tracking) to Riot."""


class TrackingLimitError(UsageError):
    """Tracking one more player would exceed ``max_tracked_players`` (exit 2)."""


@dataclass(frozen=True)
class RiotId:
    game_name: str
    tag_line: str

    def __str__(self) -> str:
        return f"{self.game_name}#{self.tag_line}"


def parse_identifier(value: str) -> RiotId | str:
    """``Name#TAG`` becomes a ``RiotId``; anything else must look like a puuid."""
    value = value.strip()
    if "#" in value:
        name, _, tag = value.rpartition("#")
        if not name.strip() or not tag.strip():
            raise UsageError(f"invalid Riot ID {value!r}: expected NAME#TAG, e.g. Faker#KR1")
        return RiotId(name.strip(), tag.strip())
    if not _PUUID_RE.match(value):
        raise UsageError(f"{value!r} is neither a Riot ID (NAME#TAG) nor a puuid")
    return value


@dataclass
class PlayerRow:
    puuid: str
    riot_id: str | None
    platform: str
    summoner_level: int | None
    is_tracked: bool
    is_analyzed: bool
    is_banned: bool
    ranked_matches: int
    is_smurf: bool | None
    confidence: float | None
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrackResult:
    player: PlayerRow
    status: Literal["tracked", "already tracked"]


@dataclass
class PlayerDetail:
    player: PlayerRow
    tracked_at: datetime | None
    banned_at: datetime | None
    last_ban_check: datetime | None
    total_matches: int
    last_match_at: datetime | None
    ranks: list[dict[str, Any]] = field(default_factory=list)
    analysis: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_ROW_SQL = """
SELECT p.puuid, p.game_name, p.tag_line, p.platform, p.summoner_level, p.is_tracked,
       p.is_analyzed, p.is_banned, p.updated_at, p.tracked_at, p.banned_at, p.last_ban_check,
       c.n AS ranked_matches, a.is_smurf, a.confidence
FROM players p
CROSS JOIN LATERAL (
    SELECT count(*) AS n FROM match_participants mp JOIN matches m ON m.match_id = mp.match_id
    WHERE mp.puuid = p.puuid AND m.queue_id = :queue
) c
LEFT JOIN LATERAL (
    SELECT pa.is_smurf, pa.confidence FROM player_analysis pa
    WHERE pa.puuid = p.puuid ORDER BY pa.analyzed_at DESC, pa.id DESC LIMIT 1
) a ON true
"""

_FILTERS: dict[str, str] = {
    "all": "true",
    "tracked": "p.is_tracked",
    "smurfs": "a.is_smurf",
    "banned": "p.is_banned",
}


def _row(r: Any) -> PlayerRow:
    return PlayerRow(
        puuid=r.puuid,
        riot_id=f"{r.game_name}#{r.tag_line}" if r.game_name and r.tag_line else None,
        platform=r.platform,
        summoner_level=r.summoner_level,
        is_tracked=bool(r.is_tracked),
        is_analyzed=bool(r.is_analyzed),
        is_banned=bool(r.is_banned),
        ranked_matches=int(r.ranked_matches),
        is_smurf=None if r.is_smurf is None else bool(r.is_smurf),
        confidence=None if r.confidence is None else round(float(r.confidence), 4),
        updated_at=r.updated_at,
    )


def _find(session: Session, identifier: str) -> Any:
    from sqlalchemy import text

    ident = parse_identifier(identifier)
    if isinstance(ident, RiotId):
        where = "lower(p.game_name) = lower(:name) AND lower(p.tag_line) = lower(:tag)"
        params: dict[str, Any] = {"name": ident.game_name, "tag": ident.tag_line}
    else:
        where, params = "p.puuid = :puuid", {"puuid": ident}
    row = session.execute(
        text(_ROW_SQL + f" WHERE {where} ORDER BY p.is_tracked DESC, p.id LIMIT 1"),
        {**params, "queue": RANKED_SOLO_QUEUE_ID},
    ).first()
    if row is None:
        raise PlayerNotFoundError(f"no player {identifier!r} in the database")
    return row


def max_tracked_players(*, session: Session, jobs: JobsConfig) -> int:
    """The cap in force: the smallest ``max_tracked_players`` over the jobs that run
    ``update_tracked_players`` (jobs.yaml plus DB overrides); the task default without one."""
    from riotjobs.db.models import JobConfiguration
    from riotjobs.tasks.update_tracked_players import Config

    caps = []
    for job in jobs.jobs.values():
        if UPDATER_TASK not in job.spec.tasks:
            continue
        stored = session.get(JobConfiguration, job.id)
        config = job.effective_config(stored.overrides if stored else None)
        caps.append(int(getattr(config, "max_tracked_players")))  # noqa: B009
    return min(caps) if caps else Config().max_tracked_players


def track_player(
    *,
    session: Session,
    identifier: str,
    platform: str,
    limit: int,
    client: RiotClient | None,
) -> TrackResult:
    """Mark a player tracked, creating the row when needed. Commits.

    Raises ``PlayerNotFoundError`` for an unknown Riot ID (or a puuid summoner-v4 does not know)
    and ``TrackingLimitError`` when ``limit`` players are tracked already.
    """
    from sqlalchemy import text

    from riotjobs.db.models import utcnow
    from riotjobs.riot.errors import BadRequestError, NotFoundError

    ident = parse_identifier(identifier)
    game_name = tag_line = None
    level = None
    if isinstance(ident, RiotId):
        if client is None:
            raise UsageError("tracking by Riot ID needs RIOT_API_KEY to look the account up")
        try:
            account = client.account_by_riot_id(ident.game_name, ident.tag_line, platform=platform)
        except NotFoundError:
            raise PlayerNotFoundError(
                f"no Riot account {ident} (looked up for {platform})"
            ) from None
        puuid = account.puuid
        game_name = account.game_name or ident.game_name
        tag_line = account.tag_line or ident.tag_line
    else:
        puuid = ident
        if client is not None:
            try:
                level = client.summoner_by_puuid(puuid, platform=platform).summoner_level
            except (NotFoundError, BadRequestError):  # Riot answers 400 to a malformed puuid
                raise PlayerNotFoundError(f"no summoner with puuid {puuid} on {platform}") from None

    # One tracker at a time, so two concurrent `track` commands cannot both pass the cap.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('riotjobs.ops.players.track'))"))
    existing = session.execute(
        text("SELECT is_tracked FROM players WHERE puuid = :puuid"), {"puuid": puuid}
    ).first()
    if existing is not None and existing.is_tracked:
        session.rollback()
        return TrackResult(_row(_find(session, puuid)), "already tracked")
    tracked = session.execute(text("SELECT count(*) FROM players WHERE is_tracked")).scalar_one()
    if tracked >= limit:
        session.rollback()
        raise TrackingLimitError(
            f"cannot track {identifier}: {tracked} players are tracked and max_tracked_players"
            f" is {limit}; untrack one (riotjobs players untrack ID) or raise it with"
            " riotjobs jobs set tracked_player_updater max_tracked_players=N"
        )
    now = utcnow()
    session.execute(
        text(
            "INSERT INTO players (puuid, game_name, tag_line, platform, summoner_level,"
            " is_tracked, tracked_at, created_at, updated_at)"
            " VALUES (:puuid, :game_name, :tag_line, :platform, :level, true, :now, :now, :now)"
            " ON CONFLICT (puuid) DO UPDATE SET is_tracked = true, tracked_at = :now,"
            " is_active = true, updated_at = :now, platform = EXCLUDED.platform,"
            " game_name = coalesce(EXCLUDED.game_name, players.game_name),"
            " tag_line = coalesce(EXCLUDED.tag_line, players.tag_line),"
            " summoner_level = coalesce(EXCLUDED.summoner_level, players.summoner_level)"
        ),
        {
            "puuid": puuid,
            "game_name": game_name,
            "tag_line": tag_line,
            "platform": platform,
            "level": level,
            "now": now,
        },
    )
    session.commit()
    return TrackResult(_row(_find(session, puuid)), "tracked")


def untrack_player(*, session: Session, identifier: str) -> PlayerRow:
    """Stop tracking a player (its data stays). Commits. Unknown players raise."""
    from sqlalchemy import text

    from riotjobs.db.models import utcnow

    row = _find(session, identifier)
    session.execute(
        text("UPDATE players SET is_tracked = false, updated_at = :now WHERE puuid = :puuid"),
        {"now": utcnow(), "puuid": row.puuid},
    )
    session.commit()
    return _row(_find(session, row.puuid))


def list_players(*, session: Session, which: Which = "all", limit: int = 100) -> list[PlayerRow]:
    """Players matching ``which``: tracked first, then the most recently updated."""
    from sqlalchemy import text

    rows = session.execute(
        text(
            _ROW_SQL + f" WHERE {_FILTERS[which]}"
            " ORDER BY p.is_tracked DESC, p.updated_at DESC, p.id LIMIT :limit"
        ),
        {"queue": RANKED_SOLO_QUEUE_ID, "limit": limit},
    )
    return [_row(r) for r in rows]


def show_player(*, session: Session, identifier: str, rank_history: int = 20) -> PlayerDetail:
    """One player: flags, match counts, rank history (newest first) and latest analysis."""
    from sqlalchemy import text

    from riotjobs.analysis import latest_analysis

    r = _find(session, identifier)
    counts = session.execute(
        text(
            "SELECT count(*) AS n, max(coalesce(m.game_end, m.game_creation)) AS last"
            " FROM match_participants mp JOIN matches m ON m.match_id = mp.match_id"
            " WHERE mp.puuid = :puuid"
        ),
        {"puuid": r.puuid},
    ).one()
    ranks = session.execute(
        text(
            "SELECT queue_type, tier, rank, league_points, wins, losses, recorded_at"
            " FROM player_ranks WHERE puuid = :puuid"
            " ORDER BY recorded_at DESC, id DESC LIMIT :n"
        ),
        {"puuid": r.puuid, "n": rank_history},
    )
    analysis = latest_analysis(session=session, puuid=r.puuid)
    return PlayerDetail(
        player=_row(r),
        tracked_at=r.tracked_at,
        banned_at=r.banned_at,
        last_ban_check=r.last_ban_check,
        total_matches=int(counts.n),
        last_match_at=counts.last,
        ranks=[dict(x._mapping) for x in ranks],
        analysis=None if analysis is None else analysis.as_dict(),
    )


def track(
    *, settings: Settings, engine: Engine, db_url: str, identifier: str, platform: str | None
) -> TrackResult:
    """`riotjobs players track`: the cap from the jobs in force, a Riot client when a key is set
    (required for a Riot ID, used to validate a puuid), then ``track_player``."""
    from sqlmodel import Session

    from riotjobs.config import load_jobs_for
    from riotjobs.settings import PLATFORMS
    from riotjobs.tasks.registry import REGISTRY

    where = (platform or settings.platform).lower()
    if where not in PLATFORMS:
        raise UsageError(f"unknown platform {where!r}; choose one of {', '.join(PLATFORMS)}")
    needs_key = isinstance(parse_identifier(identifier), RiotId)
    client = None
    if needs_key or settings.riot_api_key is not None:
        from riotjobs.riot.client import RiotClient

        client = RiotClient(
            **settings.riot(), app_limits=settings.riot_app_limits, db_url=db_url
        )  # raises ConfigError without a key
    try:
        with Session(engine, expire_on_commit=False) as session:
            limit = max_tracked_players(
                session=session, jobs=load_jobs_for(settings, registry=REGISTRY)
            )
            session.rollback()
            return track_player(
                session=session, identifier=identifier, platform=where, limit=limit, client=client
            )
    finally:
        if client is not None:
            client.close()
