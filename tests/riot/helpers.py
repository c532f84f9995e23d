"""Helpers for the Riot client tests: settings for a key and base URL, responses that announce
limits, and a look at the limiter's rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import psycopg

from riotjobs.riot.headers import fingerprint
from riotjobs.riot.limiter import Limiter, Scope
from riotjobs.settings import Settings

KEY = "RGAPI-fake-test-key-0000"
SUMMONER_JSON = {"puuid": "p1", "summonerLevel": 31, "profileIconId": 7, "revisionDate": 5}
FP = fingerprint("RGAPI-limiter-test")  # the scopes of the limiter tests


def settings_for(base_url: str = "https://{routing}.api.test", key: str = KEY) -> Settings:
    return Settings(RIOT_API_KEY=key, RIOTJOBS_RIOT_BASE_URL=base_url)


Handler = Callable[[httpx.Request], httpx.Response]


def announced(
    status: int = 200,
    json: Any = None,
    app: str = "20:1,100:120",
    app_count: str = "1:1,1:120",
    method: str = "2000:10",
    method_count: str = "1:10",
    **headers: str,
) -> httpx.Response:
    """A response with Riot's rate-limit headers."""
    base = {
        "X-App-Rate-Limit": app,
        "X-App-Rate-Limit-Count": app_count,
        "X-Method-Rate-Limit": method,
        "X-Method-Rate-Limit-Count": method_count,
    }
    base.update({k.replace("_", "-"): v for k, v in headers.items()})
    return httpx.Response(status, json=json if json is not None else {}, headers=base)


def wait_of(limiter: Limiter, pair: tuple[Scope, ...]) -> float:
    """The wait a new request would face now; 0 means it took a slot (left pending)."""
    wait, taken = limiter._take(pair, 1)
    return 0.0 if taken else wait


def stored(db_url: str) -> dict[str, list[float]]:
    """Each scope's logged completions."""
    return _column(db_url, "done")


def pending(db_url: str) -> dict[str, list[float]]:
    """Each scope's requests in flight (their acquire times)."""
    return _column(db_url, "pending")


def _column(db_url: str, column: str) -> dict[str, list[float]]:
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        rows = conn.execute(f"SELECT scope, {column} FROM rate_limit_scopes").fetchall()
    return {scope: list(stamps) for scope, stamps in rows}
