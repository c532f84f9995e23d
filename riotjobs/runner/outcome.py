"""How a run ends: aggregate task outcomes and classify a task's exception (README: Exit codes).

- an item-level failure makes the run ``partial`` (exit 3);
- ``RateLimitBudgetExhausted`` escaping a task ends that task as partial; the job goes on;
- ``InvalidKeyError`` and any other ``RiotJobsError`` fail the run with their own exit code;
- a lost or unreachable database fails it with exit 69; a database that answered with an error
  (a statement timeout, a canceled statement) and anything else with exit 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from riotjobs.errors import (
    DatabaseUnavailableError,
    ExitCode,
    RiotJobsError,
    connection_lost,
    first_line,
    is_database_error,
)
from riotjobs.riot.errors import RateLimitBudgetExhausted
from riotjobs.runner.watchdog import Abort

if TYPE_CHECKING:
    from riotjobs.riot.client import Reach


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


# SQLSTATEs of a server that is going away: the database is unavailable, not wrong.


def classify(exc: Exception) -> tuple[int, str]:
    """Exit code and one-line message of a task's exception."""
    if isinstance(exc, RiotJobsError):
        return int(exc.exit_code), line(exc)
    if connection_lost(exc):
        return int(ExitCode.UNAVAILABLE), f"database unavailable: {line(exc)}"
    if is_database_error(exc):
        return int(ExitCode.FAILED), f"database error: {line(exc)}"
    return int(ExitCode.FAILED), f"{type(exc).__name__}: {line(exc)}"


def api_verdict(
    status: str, code: int, error: str | None, reach: Reach | None, base_url: str
) -> tuple[str, int, str | None]:
    """A partial run whose Riot requests never got an answer failed (69, unreachable); one whose
    every request got the same refusal failed too (1): a dead or misconfigured API is not a
    quiet partial. The error names the host and the cause."""
    if status != "partial" or reach is None or reach.requests == 0 or reach.ok:
        return status, code, error
    host = urlsplit(base_url.replace("{routing}", "ROUTING")).netloc.replace("ROUTING", "{routing}")
    if reach.answered == 0:
        cause = reach.cause or "no answer"
        message = f"the Riot API at {host} did not answer any of {reach.requests} requests: {cause}"
        return "failed", int(ExitCode.UNAVAILABLE), message
    if len(reach.statuses) == 1:
        [answer] = reach.statuses
        return (
            "failed",
            int(ExitCode.FAILED),
            (
                f"the Riot API at {host} answered all {reach.requests} requests with HTTP "
                f"{answer}: check RIOTJOBS_RIOT_BASE_URL and RIOT_API_KEY"
            ),
        )
    return status, code, error


def unrecorded(exc: BaseException, where: str) -> RiotJobsError:
    """Why the run's row could not be finalized: the database went away (exit 69), or it
    answered with an error, e.g. a statement timeout behind another session's lock (1)."""
    then = "the next riotjobs command marks the run abandoned"
    if isinstance(exc, TimeoutError) or connection_lost(exc):
        return DatabaseUnavailableError(
            f"lost the database connection during {where}: {line(exc)}; {then}"
        )
    return RiotJobsError(f"database error recording {where}: {line(exc)}; {then}")
