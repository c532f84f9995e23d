"""Column helpers shared by the table modules: every datetime is timezone-aware UTC
(``timestamptz``), and counters and flags carry server defaults so raw SQL inserts agree with
the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, text
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamptz(nullable: bool = True, now: bool = False, default_factory: Any = None) -> Any:
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


def flag(default: bool = False) -> Any:
    return Field(default=default, sa_column_kwargs={"server_default": text(str(default).lower())})


def count() -> Any:
    return Field(default=0, sa_column_kwargs={"server_default": text("0")})


def floats() -> Any:
    """A ``float8[]`` column, empty by default."""
    return Field(
        default_factory=list,
        sa_column=Column(
            ARRAY(DOUBLE_PRECISION), nullable=False, server_default=text("'{}'::float8[]")
        ),
    )


def big_count() -> Any:
    return Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": text("0")})
