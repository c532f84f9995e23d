"""The run vocabulary, defined once: how a run ended (``Status``) and who started it (``Trigger``).

The ``job_executions`` CHECK constraints, the ORM model, the read queries, the alert rules and
the CLI's choices all come from these enums; ``tests/db/test_vocab.py`` checks the live
constraints against them. Importing this module costs nothing (no SQLAlchemy).
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A ``job_executions.status``."""

    RUNNING = "running"
    SUCCESS = "success"
    PARTIAL = "partial"  # some items failed; the rest is stored
    FAILED = "failed"
    TIMEOUT = "timeout"
    ABANDONED = "abandoned"  # its process died; found by the next command through the lock
    SKIPPED = "skipped"  # another run of the job held the lock
    CANCELLED = "cancelled"  # a person asked it to stop (`riotjobs cancel`)


class Trigger(StrEnum):
    """A ``job_executions.trigger``."""

    CRON = "cron"
    MANUAL = "manual"
    CATCHUP = "catchup"  # a missed scheduled run, run once later (`riotjobs catch-up`)


# Runs that need a person: they raise alerts and count against the success rate.
FAILURES: frozenset[Status] = frozenset({Status.FAILED, Status.TIMEOUT, Status.ABANDONED})
# Runs that say nothing about the job's health: one still going, one that only found the lock
# taken, one a person cancelled. They neither raise nor clear an alert, a job's "last outcome"
# skips them, and the success rate, durations and API averages leave them out.
NO_OUTCOME: frozenset[Status] = frozenset({Status.RUNNING, Status.SKIPPED, Status.CANCELLED})


def check_constraint(column: str, values: type[StrEnum]) -> str:
    """The SQL of a CHECK that ``column`` holds one of ``values``: ``status IN ('a', 'b')``."""
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"
