"""The shared rate limiter's tables: one row per scope (its limits, completed and in-flight
requests), the latest anchor per scope and window, and keys Riot rejected. The database
functions in ``riotjobs/db/sql`` read and write them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    String,
)
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION
from sqlmodel import Field, SQLModel

from riotjobs.db.models._columns import flag, floats, timestamptz, utcnow


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
    learned: bool = flag(False)
    done: list[float] = floats()
    pending: list[float] = floats()
    blocked_until: float | None = Field(default=None, sa_type=DOUBLE_PRECISION)
    probe_until: float | None = Field(default=None, sa_type=DOUBLE_PRECISION)
    updated_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)


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
    updated_at: datetime = timestamptz(nullable=False, default_factory=utcnow, now=True)
