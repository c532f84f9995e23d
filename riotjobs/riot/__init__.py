"""The Riot API client: routing, a rate limiter shared through Postgres, typed models, errors.

Import from here (``from riotjobs.riot import RiotClient, NotFoundError``); the submodules are
``client``, ``routing``, ``limiter``, ``models``, ``headers`` and ``errors``.

The names load lazily (PEP 562): ``riotjobs.riot.errors`` is cheap to import, and importing it
must not pull in httpx and the client, which cost a third of a second at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "RiotClient": "client",
    **dict.fromkeys(
        [
            "BadRequestError",
            "InvalidKeyError",
            "MalformedResponseError",
            "NotFoundError",
            "RateLimitBudgetExhausted",
            "RiotAPIError",
            "RiotUnavailableError",
            "ServerError",
        ],
        "errors",
    ),
    **dict.fromkeys(
        [
            "Account",
            "InfoDto",
            "LeagueEntry",
            "MatchDto",
            "Metadata",
            "ParticipantDto",
            "PlatformData",
            "Summoner",
            "TeamDto",
        ],
        "models",
    ),
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'riotjobs.riot' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"riotjobs.riot.{home}"), name)
    globals()[name] = value
    return value
