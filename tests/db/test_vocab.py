"""The run vocabulary is defined once: the live CHECK constraints hold exactly the enums' values."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import pytest
from sqlalchemy import text

from riotjobs.db.vocab import FAILURES, NO_OUTCOME, Status, Trigger


def _allowed(engine: Any, name: str) -> set[str]:
    with engine.connect() as conn:
        definition = conn.execute(
            text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :n"),
            {"n": name},
        ).scalar_one()
    return set(re.findall(r"'([^']*)'", definition))


@pytest.mark.parametrize(
    ("constraint", "enum"),
    [("ck_job_executions_status", Status), ("ck_job_executions_trigger", Trigger)],
)
def test_the_migrated_check_allows_exactly_the_enum(
    engine: Any, constraint: str, enum: type[StrEnum]
) -> None:
    assert _allowed(engine, constraint) == {member.value for member in enum}


def test_the_check_refuses_a_word_outside_the_enum(engine: Any) -> None:
    import sqlalchemy.exc

    with pytest.raises(sqlalchemy.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO job_executions (job_id, status, trigger, host, pid, started_at, "
                "timeout_s) VALUES ('x', 'succeeded', 'cron', 'h', 1, now(), 5)"
            )
        )


def test_failures_and_no_outcome_are_disjoint_statuses() -> None:
    assert set(Status) >= FAILURES | NO_OUTCOME
    assert not FAILURES & NO_OUTCOME
    assert Status.SUCCESS not in FAILURES
