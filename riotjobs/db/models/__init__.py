"""SQLModel tables, one module per area: ``pipeline`` (players, matches, ranks, analyses),
``runs`` (executions, overrides, incidents, notifications) and ``limiter`` (the shared rate
limiter's state). Every datetime is timezone-aware UTC (``timestamptz``)."""

from riotjobs.db.models._columns import utcnow
from riotjobs.db.models.limiter import RateLimitAnchor, RateLimitKey, RateLimitScope
from riotjobs.db.models.pipeline import (
    SCORE_NAMES,
    Match,
    MatchParticipant,
    Player,
    PlayerAnalysis,
    PlayerRank,
)
from riotjobs.db.models.runs import (
    ApiUsageTotal,
    JobCancelRequest,
    JobConfiguration,
    JobExecution,
    JobExecutionApiUsage,
    JobIncident,
    Notification,
)

__all__ = [
    "SCORE_NAMES",
    "ApiUsageTotal",
    "JobCancelRequest",
    "JobConfiguration",
    "JobExecution",
    "JobExecutionApiUsage",
    "JobIncident",
    "Match",
    "MatchParticipant",
    "Notification",
    "Player",
    "PlayerAnalysis",
    "PlayerRank",
    "RateLimitAnchor",
    "RateLimitKey",
    "RateLimitScope",
    "utcnow",
]
