"""The runs' tables: job executions and their API usage, stored overrides, cancel requests,
incidents and the notification outbox. Indexes follow the status and history queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from riotjobs.db.models._columns import big_count, count, timestamptz, utcnow
from riotjobs.db.vocab import Status, Trigger, check_constraint


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
    updated_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)


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
    started_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)
    finished_at: datetime | None = timestamptz()
    duration_ms: int | None = Field(default=None, sa_type=BigInteger)
    exit_code: int | None = None
    error: str | None = Field(default=None, sa_type=Text)
    log: str | None = Field(default=None, sa_type=Text)
    api_requests_made: int = count()
    rate_limited_responses: int = count()
    records_created: int = count()
    records_updated: int = count()
    players_processed: int = count()
    matches_fetched: int = count()
    players_discovered: int = count()
    players_analyzed: int = count()
    smurfs_detected: int = count()
    ban_checks: int = count()
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
    requests: int = count()
    rate_limited_application: int = count()
    rate_limited_method: int = count()
    rate_limited_service: int = count()
    rate_limited_untyped: int = count()


class ApiUsageTotal(SQLModel, table=True):
    """``job_execution_api_usage`` added up per job and endpoint at every run's finish, never
    pruned: the monotonic counters of `riotjobs metrics`, read without scanning the runs."""

    __tablename__ = "api_usage_totals"

    job_id: str = Field(primary_key=True, max_length=63)
    endpoint: str = Field(primary_key=True, max_length=64)
    requests: int = big_count()
    rate_limited_application: int = big_count()
    rate_limited_method: int = big_count()
    rate_limited_service: int = big_count()
    rate_limited_untyped: int = big_count()
    updated_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)


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
    requested_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)
    requested_by: str = Field(max_length=100)  # the OS user who ran `riotjobs cancel`
    host: str = Field(max_length=255)
    pid: int
    reason: str | None = Field(default=None, sa_type=Text)


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
    opened_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)
    closed_at: datetime | None = timestamptz()
    consecutive_failures: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    last_execution_id: int | None = Field(default=None, sa_type=BigInteger)
    alerted_at: datetime | None = timestamptz()


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
    created_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)
    delivered_at: datetime | None = timestamptz()
    attempts: int = count()
    last_error: str | None = Field(default=None, sa_type=Text)
