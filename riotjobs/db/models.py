"""SQLModel tables. Every datetime is timezone-aware UTC (``timestamptz``).

Unique keys make re-ingestion idempotent: ``players.puuid``, ``matches.match_id`` and
``match_participants (match_id, puuid)``. Indexes follow the jobs' selection queries and the
status/history queries. ``match_participants.puuid`` has no foreign key on purpose: a match is
stored before its newly discovered players are, and the data-quality job reports participants
whose player row is missing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, JSONB
from sqlmodel import Field, SQLModel

from riotjobs.db.vocab import Status, Trigger, check_constraint

SCORE_NAMES = (
    "win_rate",
    "kda",
    "account_level",
    "rank_discrepancy",
    "rank_progression",
    "win_rate_trend",
    "performance_consistency",
    "performance_trends",
    "role_performance",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _tz(nullable: bool = True, now: bool = False, default_factory: Any = None) -> Any:
    """A ``timestamptz`` column; ``now`` adds a server default of now()."""
    kwargs: dict[str, Any] = {}
    if default_factory is not None:
        kwargs["default_factory"] = default_factory
    elif nullable:
        kwargs["default"] = None
    return Field(
        sa_type=DateTime(timezone=True),
        nullable=nullable,
        sa_column_kwargs={"server_default": text("now()")} if now else {},
        **kwargs,
    )


def _flag(default: bool = False) -> Any:
    return Field(default=default, sa_column_kwargs={"server_default": text(str(default).lower())})


def _count() -> Any:
    return Field(default=0, sa_column_kwargs={"server_default": text("0")})


def _floats() -> Any:
    """A ``float8[]`` column, empty by default."""
    return Field(
        default_factory=list,
        sa_column=Column(
            ARRAY(DOUBLE_PRECISION), nullable=False, server_default=text("'{}'::float8[]")
        ),
    )


class Player(SQLModel, table=True):
    __tablename__ = "players"
    __table_args__ = (
        Index("ix_players_tracked", "is_tracked", "is_active"),
        Index("ix_players_unanalyzed", "is_analyzed", postgresql_where=text("NOT is_tracked")),
        Index("ix_players_banned", "is_banned", postgresql_where=text("is_banned")),
    )

    id: int | None = Field(default=None, primary_key=True)
    puuid: str = Field(max_length=100, unique=True)
    game_name: str | None = Field(default=None, max_length=64)
    tag_line: str | None = Field(default=None, max_length=16)
    platform: str = Field(max_length=8)
    summoner_level: int | None = None
    is_tracked: bool = _flag(False)
    is_active: bool = _flag(True)
    is_analyzed: bool = _flag(False)
    is_banned: bool = _flag(False)
    banned_at: datetime | None = _tz()
    last_ban_check: datetime | None = _tz()
    tracked_at: datetime | None = _tz()
    # Tracked updater only: every ranked match of the player up to here is stored, so the next
    # match-id listing starts here. Not derived from the newest stored match, because other jobs
    # store matches too and would move the start past matches the updater has not fetched yet.
    matches_synced_until: datetime | None = _tz()
    # Tracked updater only: the oldest match id of the player's first listing (its newest 100).
    # Until the sync point is set, later listings page back to it, so the first window is kept
    # even when its oldest matches could not be stored in the first run.
    sync_floor_match_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)
    updated_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)

    @property
    def riot_id(self) -> str | None:
        if self.game_name and self.tag_line:
            return f"{self.game_name}#{self.tag_line}"
        return None


class Match(SQLModel, table=True):
    __tablename__ = "matches"
    __table_args__ = (Index("ix_matches_queue_end", "queue_id", "game_end"),)

    match_id: str = Field(primary_key=True, max_length=40)
    platform_id: str = Field(max_length=8)
    queue_id: int
    game_mode: str | None = Field(default=None, max_length=40)
    game_type: str | None = Field(default=None, max_length=40)
    game_version: str | None = Field(default=None, max_length=40)
    map_id: int | None = None
    game_creation: datetime = _tz(nullable=False)
    game_start: datetime | None = _tz()
    game_end: datetime | None = _tz()
    game_duration: int = 0  # seconds
    # Participant rows this match should have (bots excluded); data quality compares against it.
    participant_count: int = 0
    end_of_game_result: str | None = Field(default=None, max_length=40)
    created_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)


class MatchParticipant(SQLModel, table=True):
    __tablename__ = "match_participants"
    __table_args__ = (
        UniqueConstraint("match_id", "puuid", name="uq_match_participants_match_puuid"),
        Index("ix_match_participants_puuid", "puuid"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    match_id: str = Field(
        sa_column=Column(
            String(40), ForeignKey("matches.match_id", ondelete="CASCADE"), nullable=False
        )
    )
    puuid: str = Field(max_length=100)
    participant_id: int
    team_id: int
    champion_id: int
    champion_name: str | None = Field(default=None, max_length=40)
    team_position: str | None = Field(default=None, max_length=16)
    individual_position: str | None = Field(default=None, max_length=16)
    lane: str | None = Field(default=None, max_length=16)
    role: str | None = Field(default=None, max_length=16)
    win: bool
    kills: int = 0
    deaths: int = 0
    assists: int = 0
    champ_level: int = 0
    summoner_level: int | None = None
    gold_earned: int = 0
    total_damage_dealt_to_champions: int = 0
    total_damage_taken: int = 0
    total_minions_killed: int = 0
    neutral_minions_killed: int = 0
    vision_score: int = 0
    time_played: int = 0  # seconds
    placement: int | None = None
    riot_id_game_name: str | None = Field(default=None, max_length=64)
    riot_id_tagline: str | None = Field(default=None, max_length=16)


class PlayerRank(SQLModel, table=True):
    __tablename__ = "player_ranks"
    __table_args__ = (Index("ix_player_ranks_puuid_queue", "puuid", "queue_type", "recorded_at"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    puuid: str = Field(
        sa_column=Column(
            String(100), ForeignKey("players.puuid", ondelete="CASCADE"), nullable=False
        )
    )
    queue_type: str = Field(max_length=40)
    tier: str | None = Field(default=None, max_length=16)
    rank: str | None = Field(default=None, max_length=4)
    league_points: int = 0
    wins: int = 0
    losses: int = 0
    recorded_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)


class PlayerAnalysis(SQLModel, table=True):
    __tablename__ = "player_analysis"
    __table_args__ = (
        Index("ix_player_analysis_puuid_at", "puuid", "analyzed_at"),
        Index("ix_player_analysis_smurf_at", "is_smurf", "analyzed_at"),
        CheckConstraint(
            "confidence >= 0 AND confidence <= 1", name="ck_player_analysis_confidence"
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    puuid: str = Field(
        sa_column=Column(
            String(100), ForeignKey("players.puuid", ondelete="CASCADE"), nullable=False
        )
    )
    analysis_version: str = Field(max_length=16)
    analyzed_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)
    sample_size: int  # matches the scores used
    total_matches: int  # ranked matches stored at analysis time; drives re-analysis
    win_rate_score: float = Field(sa_type=Float)
    kda_score: float = Field(sa_type=Float)
    account_level_score: float = Field(sa_type=Float)
    rank_discrepancy_score: float = Field(sa_type=Float)
    rank_progression_score: float = Field(sa_type=Float)
    win_rate_trend_score: float = Field(sa_type=Float)
    performance_consistency_score: float = Field(sa_type=Float)
    performance_trends_score: float = Field(sa_type=Float)
    role_performance_score: float = Field(sa_type=Float)
    confidence: float = Field(sa_type=Float)
    is_smurf: bool
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)


class JobConfiguration(SQLModel, table=True):
    """Operator overrides on top of jobs.yaml: enabled state and typed config values."""

    __tablename__ = "job_configurations"

    job_id: str = Field(primary_key=True, max_length=63)
    enabled: bool | None = None  # None: follow jobs.yaml
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        sa_type=JSONB,
        sa_column_kwargs={"server_default": text("'{}'::jsonb")},
    )
    updated_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)


class JobExecution(SQLModel, table=True):
    __tablename__ = "job_executions"
    __table_args__ = (
        Index("ix_job_executions_job_started", "job_id", "started_at"),
        Index("ix_job_executions_started", "started_at"),
        Index("ix_job_executions_running", "job_id", postgresql_where=text("status = 'running'")),
        CheckConstraint(
            check_constraint("status", Status),
            name="ck_job_executions_status",
        ),
        CheckConstraint(
            check_constraint("trigger", Trigger),
            name="ck_job_executions_trigger",
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    job_id: str = Field(max_length=63)
    trigger: str = Field(max_length=8)
    status: str = Field(max_length=16)
    host: str = Field(max_length=255)
    pid: int
    timeout_s: int
    started_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)
    finished_at: datetime | None = _tz()
    duration_ms: int | None = Field(default=None, sa_type=BigInteger)
    exit_code: int | None = None
    error: str | None = Field(default=None, sa_type=Text)
    log: str | None = Field(default=None, sa_type=Text)
    api_requests_made: int = _count()
    rate_limited_responses: int = _count()
    records_created: int = _count()
    records_updated: int = _count()
    players_processed: int = _count()
    matches_fetched: int = _count()
    players_discovered: int = _count()
    players_analyzed: int = _count()
    smurfs_detected: int = _count()
    ban_checks: int = _count()
    # Written at finish (runs.executions.finalize): the median of the job's previous 20
    # successful runs' durations (once there are 5), and whether this successful run took more
    # than its job's slow_factor times that. NULL: not judged.
    slow: bool | None = None
    baseline_ms: int | None = Field(default=None, sa_type=BigInteger)


class JobExecutionApiUsage(SQLModel, table=True):
    """A run's Riot requests to one endpoint on one routing value, and the 429s among them by
    ``X-Rate-Limit-Type`` (``untyped``: none or unknown). Deleted with its execution."""

    __tablename__ = "job_execution_api_usage"

    execution_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("job_executions.id", ondelete="CASCADE"), primary_key=True
        )
    )
    endpoint: str = Field(primary_key=True, max_length=64)  # riot.routing.Endpoint.name
    routing: str = Field(primary_key=True, max_length=16)
    requests: int = _count()
    rate_limited_application: int = _count()
    rate_limited_method: int = _count()
    rate_limited_service: int = _count()
    rate_limited_untyped: int = _count()


def _big_count() -> Any:
    return Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": text("0")})


class ApiUsageTotal(SQLModel, table=True):
    """``job_execution_api_usage`` added up per job and endpoint at every run's finish, never
    pruned: the monotonic counters of `riotjobs metrics`, read without scanning the runs."""

    __tablename__ = "api_usage_totals"

    job_id: str = Field(primary_key=True, max_length=63)
    endpoint: str = Field(primary_key=True, max_length=64)
    requests: int = _big_count()
    rate_limited_application: int = _big_count()
    rate_limited_method: int = _big_count()
    rate_limited_service: int = _big_count()
    rate_limited_untyped: int = _big_count()
    updated_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)


class JobCancelRequest(SQLModel, table=True):
    """Someone asked a running execution to stop (`riotjobs cancel`): who, from where, why.

    The first request wins; the run's error names it. Deleted with its execution."""

    __tablename__ = "job_cancel_requests"

    execution_id: int = Field(
        sa_column=Column(
            BigInteger,
            ForeignKey("job_executions.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    requested_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)
    requested_by: str = Field(max_length=100)  # the OS user who ran `riotjobs cancel`
    host: str = Field(max_length=255)
    pid: int
    reason: str | None = Field(default=None, sa_type=Text)


class RateLimitScope(SQLModel, table=True):
    """Shared limiter state for one scope (application or method, per key and routing).

    ``scope`` is ``app:<fp>:<routing>`` or ``method:<fp>:<routing>:<endpoint>``, where ``fp`` is
    the key's fingerprint (12 hex digits of sha256(key), never the key). ``done`` holds the
    database-clock epoch seconds of recent requests' completions, ascending, trimmed to the
    longest window; ``pending`` the acquire times of requests still in flight. How they count
    is ``riotjobs_rl_counted`` (``db/sql``); every process using the same key and database
    reads and writes the row under its lock.
    ``learned`` turns true once a response announced the scope's limits; until then one request
    at a time probes (``probe_until``). ``blocked_until`` is set by a 429's ``Retry-After``.
    """

    __tablename__ = "rate_limit_scopes"

    scope: str = Field(primary_key=True, max_length=200)
    limits: str = Field(max_length=200)  # e.g. "20:1,100:120", learned from response headers
    learned: bool = _flag(False)
    done: list[float] = _floats()
    pending: list[float] = _floats()
    blocked_until: float | None = Field(default=None, sa_type=DOUBLE_PRECISION)
    probe_until: float | None = Field(default=None, sa_type=DOUBLE_PRECISION)
    updated_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)


class RateLimitAnchor(SQLModel, table=True):
    """The latest response of a scope that Riot counted first in its ``win``-second window:
    acquired at ``sent``, completed at ``done`` (migration 0004 explains how completions use
    it). Dropped once too old to anchor any request still in flight."""

    __tablename__ = "rate_limit_anchors"

    scope: str = Field(
        sa_column=Column(
            String(200),
            ForeignKey("rate_limit_scopes.scope", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    win: float = Field(sa_column=Column(DOUBLE_PRECISION, primary_key=True))
    sent: float = Field(sa_type=DOUBLE_PRECISION)
    done: float = Field(sa_type=DOUBLE_PRECISION)


class RateLimitKey(SQLModel, table=True):
    """A key Riot refused (``status`` 401 or 403), by fingerprint: no process sharing it takes
    a request slot before ``rejected_until`` (database-clock epoch seconds)."""

    __tablename__ = "rate_limit_keys"

    fp: str = Field(primary_key=True, max_length=64)
    status: int
    rejected_until: float = Field(sa_type=DOUBLE_PRECISION)
    updated_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)


class JobIncident(SQLModel, table=True):
    """A run of bad executions of one job: failed ones (``kind`` failure) or slow successful
    ones (``slow``); at most one of each kind is open per job."""

    __tablename__ = "job_incidents"
    __table_args__ = (
        Index(
            "uq_job_incidents_open",
            "job_id",
            "kind",
            unique=True,
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=63)
    kind: str = Field(
        default="failure", max_length=16, sa_column_kwargs={"server_default": text("'failure'")}
    )
    opened_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)
    closed_at: datetime | None = _tz()
    consecutive_failures: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    last_execution_id: int | None = Field(default=None, sa_type=BigInteger)
    alerted_at: datetime | None = _tz()


class Notification(SQLModel, table=True):
    """Outbox of webhook messages; undelivered ones are retried by the next run."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index(
            "ix_notifications_pending", "created_at", postgresql_where=text("delivered_at IS NULL")
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    kind: str = Field(max_length=16)  # alert, recovery, slow, banned, test
    job_id: str | None = Field(default=None, max_length=63)
    execution_id: int | None = Field(default=None, sa_type=BigInteger)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    created_at: datetime = _tz(nullable=False, default_factory=utcnow, now=True)
    delivered_at: datetime | None = _tz()
    attempts: int = _count()
    last_error: str | None = Field(default=None, sa_type=Text)
