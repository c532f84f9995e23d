"""The Riot API client's exception tree (a subtree of ``riotjobs.errors.RiotJobsError``).

::

    RiotAPIError                    base of every Riot API failure (exit 1)
    ├── InvalidKeyError             401/403: the key is wrong or expired; the run stops (exit 1)
    ├── RateLimitBudgetExhausted    no request slot before the run's deadline: end the task
    ├── RiotUnavailableError        connection errors or timeouts after every retry (exit 69)
    ├── NotFoundError               404: e.g. a banned account or an unknown match
    ├── BadRequestError             400: riotjobs built a bad request
    ├── ServerError                 5xx after every retry
    └── MalformedResponseError      a body that does not match the typed model

Messages name the endpoint (its path template, e.g. ``match-v5.match``), the routing value and the
status; they never contain the API key, which is only ever sent in the ``X-Riot-Token`` header.
"""

from __future__ import annotations

from riotjobs.errors import ExitCode, RiotJobsError


class RiotAPIError(RiotJobsError):
    """Base class of all Riot API failures.

    ``endpoint`` is the endpoint's name (``match-v5.match``), ``status`` the HTTP status when
    there was a response.
    """

    def __init__(self, message: str, *, endpoint: str | None = None, status: int | None = None):
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status


class InvalidKeyError(RiotAPIError):
    """The API answered 401 or 403: the key is missing, wrong or expired."""

    def __init__(self, status: int = 403, *, endpoint: str | None = None) -> None:
        super().__init__(
            f"Riot API rejected the key ({status}): dev keys expire every 24 h; set RIOT_API_KEY",
            endpoint=endpoint,
            status=status,
        )


class RateLimitBudgetExhausted(RiotAPIError):
    """The next free request slot lies past the run's deadline; the task should end now."""


class RiotUnavailableError(RiotAPIError):
    """The API could not be reached (connection errors or timeouts) after every retry."""

    exit_code = ExitCode.UNAVAILABLE


class NotFoundError(RiotAPIError):
    """404: the resource does not exist (for summoner-v4 by-puuid: likely banned)."""


class BadRequestError(RiotAPIError):
    """400: the request was malformed (a bug in riotjobs or a bad argument)."""


class ServerError(RiotAPIError):
    """5xx after every retry."""


class MalformedResponseError(RiotAPIError):
    """The body is not JSON or does not match the typed model; the message names the field."""


__all__ = [
    "BadRequestError",
    "InvalidKeyError",
    "MalformedResponseError",
    "NotFoundError",
    "RateLimitBudgetExhausted",
    "RiotAPIError",
    "RiotUnavailableError",
    "ServerError",
]
