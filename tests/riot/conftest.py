"""Helpers for the Riot client tests: settings for a key and base URL, and client factories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from riotjobs.config import Settings
from riotjobs.riot.client import RiotClient

KEY = "RGAPI-fake-test-key-0000"


def settings_for(base_url: str = "https://{routing}.api.test", key: str = KEY) -> Settings:
    return Settings(_env_file=None, RIOT_API_KEY=key, RIOTJOBS_RIOT_BASE_URL=base_url)


Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def mock_client(db_url: str) -> Iterator[Callable[..., RiotClient]]:
    """``mock_client(handler, **options)``: a RiotClient whose HTTP goes to ``handler``."""
    made: list[RiotClient] = []

    def make(handler: Handler, **options: Any) -> RiotClient:
        options.setdefault("backoff_base", 0.01)
        options.setdefault("service_backoff", 0.05)
        client = RiotClient(
            settings_for(options.pop("base_url", "https://{routing}.api.test")),
            db_url=db_url,
            transport=httpx.MockTransport(handler),
            **options,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


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
