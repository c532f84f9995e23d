"""Which host serves which endpoint: platform and regional routing values.

Facts from riotapi-schema's ``routesTable.json``: every League platform belongs to one regional
route (``me1`` is served by europe; oc1, ph2, sg2, th2, tw2 and vn2 by sea), match-v5 is regional,
and account-v1 exists only on americas, asia and europe, so sea platforms look accounts up on
asia. summoner-v4, league-v4 and lol-status-v4 are served by the platform itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal
from urllib.parse import quote, unquote

PLATFORM_REGION: dict[str, str] = {
    "br1": "americas",
    "la1": "americas",
    "la2": "americas",
    "na1": "americas",
    "pbe1": "americas",
    "eun1": "europe",
    "euw1": "europe",
    "me1": "europe",
    "ru": "europe",
    "tr1": "europe",
    "jp1": "asia",
    "kr": "asia",
    "oc1": "sea",
    "ph2": "sea",
    "sg2": "sea",
    "th2": "sea",
    "tw2": "sea",
    "vn2": "sea",
}
REGIONS = ("americas", "asia", "europe", "sea")
ACCOUNT_REGIONS = ("americas", "asia", "europe")

Routing = Literal["platform", "region", "account"]


@dataclass(frozen=True)
class Endpoint:
    """One API method. ``name`` keys its method rate-limit scope and names it in errors."""

    name: str
    path: str  # with {placeholders}, filled URL-quoted by ``url_path``
    routing: Routing

    def routing_value(self, platform: str) -> str:
        """The host's routing value for a request on behalf of ``platform``."""
        if self.routing == "platform":
            return check_platform(platform)
        if self.routing == "account":
            return account_region(platform)
        return region_for(platform)

    def budget_of(self, platform: str) -> str:
        """The routing value whose budgets a request on behalf of ``platform`` spends: a lane
        for ``RiotClient.gather``. An unknown platform gets its own (its request will fail)."""
        try:
            return self.routing_value(platform)
        except ValueError:
            return platform

    def url_path(self, **params: str) -> str:
        return self.path.format(**{k: quote(v, safe="") for k, v in params.items()})

    def match(self, path: str) -> dict[str, str] | None:
        """The parameters of a request path this endpoint serves (unquoted, in path order), or
        None: ``url_path`` read backwards, for the fake servers that answer the client."""
        found = _pattern(self.path).match(path)
        return None if found is None else {k: unquote(v) for k, v in found.groupdict().items()}


ACCOUNT_BY_RIOT_ID = Endpoint(
    "account-v1.by-riot-id", "/riot/account/v1/accounts/by-riot-id/{gameName}/{tagLine}", "account"
)
SUMMONER_BY_PUUID = Endpoint(
    "summoner-v4.by-puuid", "/lol/summoner/v4/summoners/by-puuid/{puuid}", "platform"
)
LEAGUE_ENTRIES_BY_PUUID = Endpoint(
    "league-v4.entries-by-puuid", "/lol/league/v4/entries/by-puuid/{puuid}", "platform"
)
MATCH_IDS_BY_PUUID = Endpoint(
    "match-v5.ids-by-puuid", "/lol/match/v5/matches/by-puuid/{puuid}/ids", "region"
)
MATCH_BY_ID = Endpoint("match-v5.match", "/lol/match/v5/matches/{matchId}", "region")
PLATFORM_STATUS = Endpoint(
    "lol-status-v4.platform-data", "/lol/status/v4/platform-data", "platform"
)

ENDPOINTS: tuple[Endpoint, ...] = (
    ACCOUNT_BY_RIOT_ID,
    SUMMONER_BY_PUUID,
    LEAGUE_ENTRIES_BY_PUUID,
    MATCH_IDS_BY_PUUID,
    MATCH_BY_ID,
    PLATFORM_STATUS,
)


def endpoint_of(path: str) -> tuple[Endpoint, dict[str, str]] | None:
    """The endpoint serving a request path (without host or query) and its parameters."""
    for endpoint in ENDPOINTS:
        params = endpoint.match(path)
        if params is not None:
            return endpoint, params
    return None


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)  # literal, name, literal, name, ..., literal
    body = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
    )
    return re.compile(f"^{body}$")


def check_platform(platform: str) -> str:
    """The platform, lower-cased; ``ValueError`` for one the routing table does not know."""
    value = platform.lower()
    if value not in PLATFORM_REGION:
        raise ValueError(f"unknown platform {platform!r}; known: {', '.join(PLATFORM_REGION)}")
    return value


def region_for(platform: str) -> str:
    """The regional route serving ``platform`` (match-v5)."""
    return PLATFORM_REGION[check_platform(platform)]


def account_region(platform: str) -> str:
    """The region for account-v1, which has no sea cluster: sea platforms use asia."""
    region = region_for(platform)
    return region if region in ACCOUNT_REGIONS else "asia"


def base_url(template: str, routing: str) -> str:
    """Fill ``{routing}`` in the configured base URL template."""
    return template.replace("{routing}", routing).rstrip("/")
