"""The Riot API client: routing, a rate limiter shared through Postgres, typed models, errors.

Import from here (``from riotjobs.riot import RiotClient, NotFoundError``); the submodules are
``client``, ``routing``, ``limiter``, ``models`` and ``errors``.
"""

from riotjobs.riot.client import RiotClient
from riotjobs.riot.errors import (
    BadRequestError,
    InvalidKeyError,
    MalformedResponseError,
    NotFoundError,
    RateLimitBudgetExhausted,
    RiotAPIError,
    RiotUnavailableError,
    ServerError,
)
from riotjobs.riot.models import (
    Account,
    InfoDto,
    LeagueEntry,
    MatchDto,
    Metadata,
    ParticipantDto,
    PlatformData,
    Summoner,
    TeamDto,
)

__all__ = [
    "Account",
    "BadRequestError",
    "InfoDto",
    "InvalidKeyError",
    "LeagueEntry",
    "MalformedResponseError",
    "MatchDto",
    "Metadata",
    "NotFoundError",
    "ParticipantDto",
    "PlatformData",
    "RateLimitBudgetExhausted",
    "RiotAPIError",
    "RiotClient",
    "RiotUnavailableError",
    "ServerError",
    "Summoner",
    "TeamDto",
]
