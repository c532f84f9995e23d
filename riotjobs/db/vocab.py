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


class Trigger(StrEnum):
    """A ``job_executions.trigger``."""

    CRON = "cron"
    MANUAL = "manual"


# Runs that need a person: they raise alerts and count against the success rate.
FAILURES: frozenset[Status] = frozenset({Status.FAILED, Status.TIMEOUT, Status.ABANDONED})
# A run still going, or one that only found the lock taken, has no outcome yet.
NO_OUTCOME: frozenset[Status] = frozenset({Status.RUNNING, Status.SKIPPED})


def check_constraint(column: str, values: type[StrEnum]) -> str:
    """The SQL of a CHECK that ``column`` holds one of ``values``: ``status IN ('a', 'b')``."""
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"
