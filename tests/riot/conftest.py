"""Fixtures for the Riot client tests: a client whose HTTP goes to a handler (helpers are in
``helpers.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from riotjobs.riot.client import RiotClient
from tests.riot.helpers import Handler, settings_for


@pytest.fixture
def mock_client(db_url: str) -> Iterator[Callable[..., RiotClient]]:
    """``mock_client(handler, **options)``: a RiotClient whose HTTP goes to ``handler``."""
    made: list[RiotClient] = []

    def make(handler: Handler, **options: Any) -> RiotClient:
        options.setdefault("backoff_base", 0.01)
        options.setdefault("service_backoff", 0.05)
        client = RiotClient(
            **settings_for(options.pop("base_url", "https://{routing}.api.test")).riot(),
            db_url=db_url,
            transport=httpx.MockTransport(handler),
            **options,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
