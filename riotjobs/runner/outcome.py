"""How a run ends: aggregate task outcomes and classify a task's exception (README: Exit codes).

- an item-level failure makes the run ``partial`` (exit 3);
- ``RateLimitBudgetExhausted`` escaping a task ends that task as partial; the job goes on;
- ``InvalidKeyError`` and any other ``RiotJobsError`` fail the run with their own exit code;
- a database ``OperationalError`` fails it with exit 69; anything else with exit 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from riotjobs.errors import ExitCode, RiotJobsError, first_line, is_database_error
from riotjobs.riot.errors import RateLimitBudgetExhausted
from riotjobs.runner.watchdog import Abort


@dataclass(frozen=True)
class Failure:
    exit_code: int
    error: str


def verdict(
    partial: str | None, failure: Failure | None, abort: Abort | None
) -> tuple[str, int, str | None]:
    if abort is not None:
        return abort.status, abort.exit_code, abort.error
    if failure is not None:
        return "failed", failure.exit_code, failure.error
    if partial is not None:
        return "partial", int(ExitCode.PARTIAL), partial
    return "success", int(ExitCode.SUCCESS), None


def line(exc: BaseException) -> str:
    return first_line(exc, limit=500)


def is_budget_exhausted(exc: BaseException) -> bool:
    return isinstance(exc, RateLimitBudgetExhausted)


def classify(exc: Exception) -> tuple[int, str]:
    """Exit code and one-line message of a task's exception."""
    if isinstance(exc, RiotJobsError):
        return int(exc.exit_code), line(exc)
    if is_database_error(exc):
        return int(ExitCode.UNAVAILABLE), f"database error: {line(exc)}"
    return int(ExitCode.FAILED), f"{type(exc).__name__}: {line(exc)}"
