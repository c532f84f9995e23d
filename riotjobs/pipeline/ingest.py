"""Store Riot API data: a match with its participants and discovered players, rank snapshots.

``ingest_matches`` writes typed ``MatchDto`` documents in ONE transaction (match rows,
participant rows, player rows for everyone not yet known) and commits it, so a killed process
never leaves a match without its participants; ``ingest_match`` is the batch of one. Every
insert is ``ON CONFLICT DO NOTHING`` on the natural key (``matches.match_id``,
``match_participants (match_id, puuid)``, ``players.puuid``), which makes re-ingestion and two
jobs discovering the same player at once harmless.

Queues: every match is stored whatever its queue (ARAM, Arena with 16 players, 1-3 player modes,
aborted games with no participants, co-op vs AI). Bot participants (puuid ``"BOT"``) are not
stored, and ``participant_count`` is the number of participant rows the match should have. Only
queue 420 (``RANKED_SOLO_QUEUE_ID``) counts toward analysis; see ``ranked_match_count``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from pydantic_core import to_json
from sqlalchemy import Table, text
from sqlmodel import SQLModel

from riotjobs.db.models import Match, MatchParticipant, Player, utcnow

if TYPE_CHECKING:
    from sqlmodel import Session

    from riotjobs.riot.models import LeagueEntry, MatchDto, ParticipantDto

RANKED_SOLO_QUEUE_ID = 420
BOT_PUUID = "BOT"


@dataclass(frozen=True)
class IngestResult:
    """What one ``ingest_match`` call wrote (zero everywhere when the match was already stored)."""

    match_id: str
    match_created: bool
    participants_created: int
    players_discovered: int

    @property
    def records_created(self) -> int:
        return int(self.match_created) + self.participants_created + self.players_discovered


def _table(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def _ms(value: int | None) -> datetime | None:
    """Epoch milliseconds to an aware UTC datetime; Riot uses 0 for "unknown"."""
    if not value:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def _clip(value: str | None, size: int) -> str | None:
    """Empty strings become NULL; over-long ones are cut to the column size rather than failing
    the whole transaction on an odd name."""
    if not value:
        return None
    return value[:size]


def match_platform(match: MatchDto) -> str:
    """The platform a match was played on, lower case (``na1``). Aborted games have an empty
    ``platformId``; their match id still starts with it (``EUW1_6834713231``)."""
    platform = match.info.platform_id or match.metadata.match_id.partition("_")[0]
    return platform.lower()


def _match_row(match: MatchDto) -> dict[str, Any]:
    info = match.info
    start = _ms(info.game_start_timestamp)
    end = _ms(info.game_end_timestamp)
    if end is None and start is not None:
        end = datetime.fromtimestamp(
            info.game_start_timestamp / 1000 + info.duration_seconds, tz=UTC
        )
    creation = _ms(info.game_creation) or start or end or datetime.fromtimestamp(0, tz=UTC)
    return {
        "match_id": match.metadata.match_id,
        "platform_id": match_platform(match).upper(),
        "queue_id": info.queue_id,
        "game_mode": _clip(info.game_mode, 40),
        "game_type": _clip(info.game_type, 40),
        "game_version": _clip(info.game_version, 40),
        "map_id": info.map_id,
        "game_creation": creation,
        "game_start": start,
        "game_end": end,
        "game_duration": info.duration_seconds,
        "participant_count": len(humans(match)),
        "end_of_game_result": _clip(info.end_of_game_result, 40),
    }


def _participant_row(match_id: str, p: ParticipantDto) -> dict[str, Any]:
    return {
        "match_id": match_id,
        "puuid": p.puuid,
        "participant_id": p.participant_id,
        "team_id": p.team_id,
        "champion_id": p.champion_id,
        "champion_name": _clip(p.champion_name, 40),
        "team_position": _clip(p.team_position, 16),
        "individual_position": _clip(p.individual_position, 16),
        "lane": _clip(p.lane, 16),
        "role": _clip(p.role, 16),
        "win": p.win,
        "kills": p.kills,
        "deaths": p.deaths,
        "assists": p.assists,
        "champ_level": p.champ_level,
        "summoner_level": p.summoner_level,
        "gold_earned": p.gold_earned,
        "total_damage_dealt_to_champions": p.total_damage_dealt_to_champions,
        "total_damage_taken": p.total_damage_taken,
        "total_minions_killed": p.total_minions_killed,
        "neutral_minions_killed": p.neutral_minions_killed,
        "vision_score": p.vision_score,
        "time_played": p.time_played,
        "placement": p.placement,
        "riot_id_game_name": _clip(p.riot_id_game_name, 64),
        "riot_id_tagline": _clip(p.riot_id_tagline, 16),
    }


def humans(match: MatchDto) -> list[ParticipantDto]:
    """The participants that get a row: bots share the puuid ``BOT`` and are left out."""
    seen: set[str] = set()
    result = []
    for p in match.info.participants:
        if p.puuid and p.puuid != BOT_PUUID and p.puuid not in seen:
            seen.add(p.puuid)
            result.append(p)
    return result


# The keys of ``_match_row`` / ``_participant_row`` / ``_player_row``: the columns written.
_MATCH_COLUMNS = (
    "match_id", "platform_id", "queue_id", "game_mode", "game_type", "game_version", "map_id",
    "game_creation", "game_start", "game_end", "game_duration", "participant_count",
    "end_of_game_result",
)  # fmt: skip
_PARTICIPANT_COLUMNS = (
    "match_id", "puuid", "participant_id", "team_id", "champion_id", "champion_name",
    "team_position", "individual_position", "lane", "role", "win", "kills", "deaths", "assists",
    "champ_level", "summoner_level", "gold_earned", "total_damage_dealt_to_champions",
    "total_damage_taken", "total_minions_killed", "neutral_minions_killed", "vision_score",
    "time_played", "placement", "riot_id_game_name", "riot_id_tagline",
)  # fmt: skip
_PLAYER_COLUMNS = (
    "puuid", "game_name", "tag_line", "platform", "summoner_level", "is_tracked", "is_analyzed",
)  # fmt: skip


# A player first stored by puuid alone (`players track PUUID`, or a discovery whose match
# carried no Riot ID) gets the Riot ID from a later match, so `players show 'Name#TAG'`
# finds them. Only rows still without a name are touched (and locked).
_FILL_RIOT_IDS = (
    "UPDATE players p SET game_name = r.game_name, tag_line = r.tag_line"
    " FROM json_to_recordset(CAST(%s AS json)) AS r(puuid varchar, game_name varchar,"
    " tag_line varchar)"
    " WHERE p.puuid = r.puuid AND (p.game_name IS NULL OR p.tag_line IS NULL)"
)


@cache
def _inserts() -> tuple[str, str, str]:
    """The three ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` statements, built once.

    Rows arrive as ONE JSON array per table (``json_to_recordset``) rather than as a multi-row
    ``VALUES`` list: the statement text stays the same whatever the row count, so psycopg
    prepares it once and the server keeps its plan, and a batch of matches costs three
    statements, not three per match.
    """
    return (
        _recordset_insert(Match, _MATCH_COLUMNS, "(match_id)", "match_id"),
        _recordset_insert(MatchParticipant, _PARTICIPANT_COLUMNS, "(match_id, puuid)", "match_id"),
        _recordset_insert(Player, _PLAYER_COLUMNS, "(puuid)", "puuid"),
    )


def _recordset_insert(
    model: type[SQLModel], columns: Sequence[str], conflict: str, returning: str
) -> str:
    """``INSERT INTO t (cols) SELECT cols FROM json_to_recordset(%s) ... RETURNING``, with
    the record types taken from the model so they cannot drift from the table."""
    from sqlalchemy.dialects import postgresql

    table = _table(model)
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    types = ", ".join(f"{name} {table.c[name].type.compile(dialect=dialect)}" for name in columns)
    names = ", ".join(columns)
    return (
        f"INSERT INTO {table.name} ({names}) SELECT {names}"
        f" FROM json_to_recordset(CAST(%s AS json)) AS r({types})"
        f" ON CONFLICT {conflict} DO NOTHING RETURNING {returning}"
    )


def _json(rows: list[dict[str, Any]]) -> str:
    # pydantic-core's encoder (aware datetimes become ISO 8601): several times json.dumps' speed.
    return to_json(rows).decode()


def ingest_match(*, session: Session, match: MatchDto) -> IngestResult:
    """Store a match, its participants and any new players, and commit (one transaction)."""
    return ingest_matches(session=session, matches=[match])[0]


def ingest_matches(*, session: Session, matches: Sequence[MatchDto]) -> list[IngestResult]:
    """Store matches with their participants and any new players, and commit: ONE transaction
    and three statements for the whole batch, sent in one round trip (psycopg's pipeline mode on
    the session's connection), then the commit. One result per distinct match, in input order.

    Rows are written in a fixed order (matches by id, participants by match id and puuid,
    players by puuid) so two jobs storing overlapping batches at once wait on each other
    instead of deadlocking. A player new to the database is credited to the first match of
    the batch, in that order, that has them.
    """
    unique = {m.metadata.match_id: m for m in matches}
    if not unique:
        return []
    match_rows: list[dict[str, Any]] = []
    participant_rows: list[dict[str, Any]] = []
    player_rows: dict[str, tuple[dict[str, Any], str]] = {}  # puuid -> (row, crediting match)
    for match_id, match in sorted(unique.items()):
        match_rows.append(_match_row(match))
        platform = match_platform(match)
        for p in sorted(humans(match), key=lambda p: p.puuid):
            participant_rows.append(_participant_row(match_id, p))
            player_rows.setdefault(p.puuid, (_player_row(p, platform), match_id))
    matches_sql, participants_sql, players_sql = _inserts()
    people = [row for _, (row, _) in sorted(player_rows.items())]
    try:
        # The storing thread competes for the GIL with the request threads, and every round
        # trip costs it a wait to get it back: the batch goes out as one pipeline.
        conn = session.connection().connection.driver_connection
        assert conn is not None
        with conn.pipeline():
            made = conn.execute(matches_sql, (_json(match_rows),))
            # Also run for an already stored match: it repairs a partial legacy row for free.
            # json_to_recordset yields the rows in array order, which keeps the lock order.
            found = conn.execute(participants_sql, (_json(participant_rows),))
            new = conn.execute(players_sql, (_json(people),))
            named = [r for r in people if r["game_name"] and r["tag_line"]]
            if named:
                conn.execute(_FILL_RIOT_IDS, (_json(named),))
        created = {r[0] for r in made.fetchall()}
        participants = Counter(r[0] for r in found.fetchall())
        discovered = Counter(player_rows[r[0]][1] for r in new.fetchall())
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return [
        IngestResult(match_id, match_id in created, participants[match_id], discovered[match_id])
        for match_id in unique
    ]


def _player_row(p: ParticipantDto, platform: str) -> dict[str, Any]:
    """A discovered player: minimal data, not tracked, not analyzed."""
    return {
        "puuid": p.puuid,
        "game_name": _clip(p.riot_id_game_name, 64),
        "tag_line": _clip(p.riot_id_tagline, 16),
        "platform": platform[:8],
        "summoner_level": p.summoner_level,
        "is_tracked": False,
        "is_analyzed": False,
    }


def stored_match_ids(*, session: Session, match_ids: Sequence[str]) -> set[str]:
    """The subset of ``match_ids`` already in ``matches`` (one query)."""
    if not match_ids:
        return set()
    rows = session.execute(
        text("SELECT match_id FROM matches WHERE match_id = ANY(:ids)"), {"ids": list(match_ids)}
    )
    return {row[0] for row in rows}


def last_ranked_match_end(*, session: Session, puuid: str) -> datetime | None:
    """End time of the player's newest stored queue-420 match, or None."""
    value = session.execute(
        text(
            "SELECT max(coalesce(m.game_end, m.game_creation)) FROM matches m"
            " JOIN match_participants mp ON mp.match_id = m.match_id"
            " WHERE mp.puuid = :puuid AND m.queue_id = :queue"
        ),
        {"puuid": puuid, "queue": RANKED_SOLO_QUEUE_ID},
    ).scalar_one_or_none()
    return value if isinstance(value, datetime) else None


def last_ranked_match_ends(*, session: Session, puuids: Sequence[str]) -> dict[str, datetime]:
    """``last_ranked_match_end`` for many players in one query; players with none are left out."""
    if not puuids:
        return {}
    rows = session.execute(
        text(
            "SELECT mp.puuid, max(coalesce(m.game_end, m.game_creation)) FROM matches m"
            " JOIN match_participants mp ON mp.match_id = m.match_id"
            " WHERE mp.puuid = ANY(:puuids) AND m.queue_id = :queue GROUP BY mp.puuid"
        ),
        {"puuids": list(puuids), "queue": RANKED_SOLO_QUEUE_ID},
    )
    return {row[0]: row[1] for row in rows if isinstance(row[1], datetime)}


def ranked_match_count(*, session: Session, puuid: str) -> int:
    """Stored queue-420 matches of a player: what analysis eligibility counts."""
    value = session.execute(
        text(
            "SELECT count(*) FROM match_participants mp"
            " JOIN matches m ON m.match_id = mp.match_id"
            " WHERE mp.puuid = :puuid AND m.queue_id = :queue"
        ),
        {"puuid": puuid, "queue": RANKED_SOLO_QUEUE_ID},
    ).scalar_one()
    return int(value)


def refresh_summoner_level(*, session: Session, puuid: str) -> bool:
    """Set ``players.summoner_level`` from the player's newest stored match. True if changed.

    Costs no API request: every participant row carries the level at the time of the match.
    """
    result = session.execute(
        text(
            "UPDATE players p SET summoner_level = newest.level FROM ("
            "  SELECT mp.summoner_level AS level FROM match_participants mp"
            "  JOIN matches m ON m.match_id = mp.match_id"
            "  WHERE mp.puuid = :puuid AND mp.summoner_level IS NOT NULL"
            "  ORDER BY m.game_creation DESC LIMIT 1"
            ") AS newest"
            " WHERE p.puuid = :puuid AND p.summoner_level IS DISTINCT FROM newest.level"
        ),
        {"puuid": puuid},
    )
    return bool(getattr(result, "rowcount", 0))


_RANK_FIELDS = ("tier", "rank", "league_points", "wins", "losses")


def record_ranks(*, session: Session, puuid: str, entries: Iterable[LeagueEntry]) -> int:
    """Insert a ``player_ranks`` snapshot for each queue whose rank changed since the last one.

    Returns the number of snapshots written. The caller commits.
    """
    written = 0
    for entry in entries:
        current: dict[str, Any] = {
            "tier": _clip(entry.tier, 16),
            "rank": _clip(entry.rank, 4),
            "league_points": entry.league_points,
            "wins": entry.wins,
            "losses": entry.losses,
        }
        queue_type = _clip(entry.queue_type, 40) or "UNKNOWN"
        last = session.execute(
            text(
                "SELECT tier, rank, league_points, wins, losses FROM player_ranks"
                " WHERE puuid = :puuid AND queue_type = :queue"
                " ORDER BY recorded_at DESC, id DESC LIMIT 1"
            ),
            {"puuid": puuid, "queue": queue_type},
        ).first()
        if last is not None and dict(zip(_RANK_FIELDS, last, strict=True)) == current:
            continue
        session.execute(
            text(
                "INSERT INTO player_ranks"
                " (puuid, queue_type, tier, rank, league_points, wins, losses, recorded_at)"
                " VALUES (:puuid, :queue, :tier, :rank, :league_points, :wins, :losses, :at)"
            ),
            {"puuid": puuid, "queue": queue_type, "at": utcnow(), **current},
        )
        written += 1
    return written
