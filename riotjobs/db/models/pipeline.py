"""The pipeline's tables: players, their matches and ranks, and their smurf analyses.

Unique keys make re-ingestion idempotent: ``players.puuid``, ``matches.match_id`` and
``match_participants (match_id, puuid)``. ``match_participants.puuid`` has no foreign key on
purpose: a match is stored before its newly discovered players are, and the data-quality job
reports participants whose player row is missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from riotjobs.db.models._columns import flag, timestamptz, utcnow

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
    is_tracked: bool = flag(False)
    is_active: bool = flag(True)
    is_analyzed: bool = flag(False)
    is_banned: bool = flag(False)
    banned_at: datetime | None = timestamptz()
    last_ban_check: datetime | None = timestamptz()
    tracked_at: datetime | None = timestamptz()
    # Tracked updater only: every ranked match of the player up to here is stored, so the next
    # match-id listing starts here. Not derived from the newest stored match, because other jobs
    # store matches too and would move the start past matches the updater has not fetched yet.
    matches_synced_until: datetime | None = timestamptz()
    # Tracked updater only: the oldest match id of the player's first listing (its newest 100).
    # Until the sync point is set, later listings page back to it, so the first window is kept
    # even when its oldest matches could not be stored in the first run.
    sync_floor_match_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)
    updated_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)

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
    game_creation: datetime = timestamptz(nullable=False)
    game_start: datetime | None = timestamptz()
    game_end: datetime | None = timestamptz()
    game_duration: int = 0  # seconds
    # Participant rows this match should have (bots excluded); data quality compares against it.
    participant_count: int = 0
    end_of_game_result: str | None = Field(default=None, max_length=40)
    created_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)


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
    recorded_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)


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
    analyzed_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)
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
