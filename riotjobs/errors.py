"""Every error riotjobs raises on purpose, and the exit code each one maps to.

The tree::

    RiotJobsError                       exit 1, the base of everything below
    ├── ConfigError                     exit 78: settings or jobs.yaml are wrong
    │   ├── UnknownJobError             a job id that jobs.yaml does not define (exit 2)
    │   └── SchemaOutdatedError         the database schema is behind: run `riotjobs db upgrade`
    ├── UsageError                      exit 2: a bad argument, e.g. an unknown config key
    ├── DatabaseUnavailableError        exit 69: cannot reach Postgres
    ├── JobTimeoutError                 exit 124: a run outlived its timeout
    └── RiotAPIError                    see riotjobs.riot.errors for the subtree
        ├── InvalidKeyError             401/403: the key is wrong or expired (exit 1)
        ├── RateLimitBudgetExhausted    no slot before the run's deadline: end the task
        ├── RiotUnavailableError        exit 69: the API could not be reached after retries
        ├── NotFoundError               404: callers test for it
        ├── BadRequestError             400
        ├── ServerError                 5xx after every retry
        └── MalformedResponseError      a body that does not match the typed model

Only the CLI layer turns these into exit codes and one-line messages. Library code raises them
and never calls ``sys.exit``.
"""

from __future__ import annotations

import re
import sys
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every riotjobs command (documented in the README and `run --help`)."""

    SUCCESS = 0
    FAILED = 1
    USAGE = 2
    PARTIAL = 3
    UNAVAILABLE = 69
    SKIPPED = 75
    CONFIG = 78
    TIMEOUT = 124
    SIGINT = 130
    CANCELLED = 130  # `riotjobs cancel` (an alias of SIGINT: a person stopped the run)
    # The reader of stdout went away (`riotjobs history job | head -1`): what a shell reports
    # for any filter that SIGPIPE stops, so `set -o pipefail` scripts see the usual status.
    SIGPIPE = 141
    SIGTERM = 143


class RiotJobsError(Exception):
    """Base class of all riotjobs errors. ``exit_code`` is what the CLI exits with."""

    exit_code: int = ExitCode.FAILED


class ConfigError(RiotJobsError):
    """Settings or jobs.yaml are invalid. The message names the file, line and key."""

    exit_code = ExitCode.CONFIG


class UnknownJobError(ConfigError):
    """The job id is not defined in jobs.yaml."""

    exit_code = ExitCode.USAGE


class SchemaOutdatedError(ConfigError):
    """The database's schema is older than this riotjobs version expects."""


class UsageError(RiotJobsError):
    """A command-line argument is wrong, e.g. an unknown config key in `jobs set`."""

    exit_code = ExitCode.USAGE


class DatabaseUnavailableError(RiotJobsError):
    """Postgres cannot be reached. The message names host and port, never the password."""

    exit_code = ExitCode.UNAVAILABLE


class JobTimeoutError(RiotJobsError):
    """A run exceeded its timeout."""

    exit_code = ExitCode.TIMEOUT


def first_line(exc: BaseException, *, limit: int = 300, empty: str | None = None) -> str:
    """The first line of an exception's message, at most ``limit`` characters.

    A SQLAlchemy error wraps the driver's (``orig``), whose text is the useful part. An empty
    message gives ``empty``, or the exception's class name.
    """
    text = str(getattr(exc, "orig", None) or exc).strip()
    line = (text.splitlines() or [empty or type(exc).__name__])[0][:limit]
    # Driver messages may quote a connection string: never its credentials.
    return re.sub(r"://[^@/\s]*@", "://***@", re.sub(r"(?i)password=\S+", "password=***", line))


def is_database_error(exc: BaseException) -> bool:
    """Whether ``exc`` is an ``OperationalError`` of psycopg or SQLAlchemy: the database went
    away or refused us.

    The classes are looked up among the modules already loaded: a process that never imported a
    driver cannot have raised its errors, and importing one here would slow every command down.
    """
    for module, name in (("sqlalchemy.exc", "OperationalError"), ("psycopg", "OperationalError")):
        kind = getattr(sys.modules.get(module), name, None)
        if isinstance(kind, type) and isinstance(exc, kind):
            return True
    return False


_GONE_STATES = ("57P01", "57P02", "57P03")


def connection_lost(exc: BaseException) -> bool:
    """A database error that means no answer: the connection failed or was closed, or the
    server is shutting down. A statement timeout (SQLSTATE 57014) is an answer."""
    if not is_database_error(exc):
        return False
    state = getattr(getattr(exc, "orig", None) or exc, "sqlstate", None)
    return state is None or state.startswith("08") or state in _GONE_STATES
