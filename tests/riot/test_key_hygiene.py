"""The API key never appears in logs, errors, reprs or the database, whatever goes wrong."""

from __future__ import annotations

import logging
import socket
import time
import traceback
from collections.abc import Callable, Iterator

import psycopg
import pytest

from riotjobs.riot import RiotAPIError, RiotClient
from tests.riot.fakeriot import FakeRiot
from tests.riot.helpers import KEY, settings_for


@pytest.fixture
def fakes() -> Iterator[list[FakeRiot]]:
    made: list[FakeRiot] = []
    yield made
    for fake in made:
        fake.stop()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_key_never_leaks_across_a_run_that_fails_every_way(
    db_url: str, fakes: list[FakeRiot], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeRiot(key=KEY, app_limits="100:1")
    fake.force_429 = {2: ("service", 0), 4: ("method", 1), 8: ("application", 30)}
    down = FakeRiot(key=KEY, fail_rate=1.0)
    fakes.extend([fake, down])

    def make(base_url: str, key: str = KEY) -> RiotClient:
        return RiotClient(
            **settings_for(base_url, key=key).riot(), db_url=db_url, backoff_base=0.01, max_tries=2
        )

    clients = {
        "ok": make(fake.start()),
        "503": make(down.start()),
        "refused": make(f"http://127.0.0.1:{closed_port()}/{{routing}}"),
        "403": make(fake.base_url(), key="RGAPI-wrong"),
    }
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() >= logging.WARNING
    # Even a full DEBUG trace of the HTTP stack must not carry the key.
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    logging.getLogger("httpcore").setLevel(logging.DEBUG)

    errors: list[BaseException] = []
    calls: list[tuple[str, Callable[[RiotClient], object]]] = [
        ("ok", lambda c: c.summoner_by_puuid("p1", platform="na1")),
        ("ok", lambda c: c.summoner_by_puuid("p2", platform="na1")),  # service 429, retried
        ("ok", lambda c: c.summoner_by_puuid("missing", platform="na1")),
        ("ok", lambda c: c.summoner_by_puuid("broken", platform="na1")),
        ("ok", lambda c: c.summoner_by_puuid("invalid", platform="na1")),
        ("ok", lambda c: c.summoner_by_puuid("p3", platform="na1")),  # application 429: 30 s
        # Same key, so other platforms: na1's application scope is now blocked for 30 s.
        ("503", lambda c: c.summoner_by_puuid("p1", platform="euw1")),
        ("refused", lambda c: c.summoner_by_puuid("p1", platform="kr")),
        ("403", lambda c: c.summoner_by_puuid("p1", platform="na1")),
        ("403", lambda c: c.summoner_by_puuid("p1", platform="na1")),
    ]
    try:
        for name, call in calls:
            client = clients[name]
            client.deadline = time.monotonic() + 5
            client._requests.deadline = client.deadline
            try:
                call(client)
            except RiotAPIError as exc:
                errors.append(exc)
    finally:
        for client in clients.values():
            client.close()
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("httpcore").setLevel(logging.WARNING)

    kinds = {type(e).__name__ for e in errors}
    assert kinds == {
        "NotFoundError",
        "MalformedResponseError",
        "BadRequestError",
        "RateLimitBudgetExhausted",
        "ServerError",
        "RiotUnavailableError",
        "InvalidKeyError",
    }
    assert fake.rejected == {"service": 1, "method": 1, "application": 1}
    # The run's API usage counts each 429 by its type, on the endpoint and routing it hit.
    (usage,) = clients["ok"].counters.usage.rows()
    assert (usage.endpoint, usage.routing) == ("summoner-v4.by-puuid", "na1")
    answered_ok_key = sum(1 for hit in fake.hits if hit.status != 403)
    assert usage.requests == clients["ok"].counters.get("api_requests_made") == answered_ok_key
    assert usage.rate_limited == {"application": 1, "method": 1, "service": 1, "untyped": 0}

    texts = [caplog.text, *(repr(c) for c in clients.values())]
    texts += [repr(auth) for c in clients.values() for auth in c._http.auths()]
    for err in errors:
        texts += [str(err), repr(err), "".join(traceback.format_exception(err))]
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        texts.append(repr(conn.execute("SELECT * FROM rate_limit_scopes").fetchall()))
    assert clients["ok"].fingerprint in texts[-1]
    # The trace was on. The wire is http.client's (riotjobs.riot._wire), which logs nothing
    # and whose debug printing (set_debuglevel, which would print headers) is never turned on.
    assert any(r.name == "httpx" for r in caplog.records)
    for text in texts:
        assert KEY not in text
        assert "RGAPI-wrong" not in text
