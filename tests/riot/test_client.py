"""RiotClient behaviour over ``httpx.MockTransport``: routing, headers, retries, errors, gather.

The limiter runs on the real test database throughout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
import pytest

from riotjobs.counters import Counters
from riotjobs.errors import ConfigError
from riotjobs.riot import (
    BadRequestError,
    InvalidKeyError,
    MalformedResponseError,
    NotFoundError,
    RateLimitBudgetExhausted,
    RiotAPIError,
    RiotClient,
    RiotUnavailableError,
    ServerError,
)
from riotjobs.riot.headers import fingerprint
from tests.riot.helpers import KEY, announced, settings_for

SUMMONER = {"puuid": "p1", "summonerLevel": 31, "profileIconId": 7, "revisionDate": 5}
MakeClient = Callable[..., RiotClient]


def rows(db_url: str) -> dict[str, tuple[Any, ...]]:
    url = db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        recs = conn.execute(
            "SELECT scope, limits, learned, done, blocked_until, "
            "extract(epoch FROM clock_timestamp())::float8 FROM rate_limit_scopes"
        ).fetchall()
    return {r[0]: r[1:] for r in recs}


def test_routes_each_endpoint_to_its_host_with_the_key_in_a_header(
    mock_client: MakeClient,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if "/accounts/" in path:
            return announced(json={"puuid": "p1", "gameName": "Faker", "tagLine": "KR1"})
        if path.endswith("/ids"):
            return announced(json=["KR_1", "KR_2"])
        if "/entries/" in path:
            return announced(json=[])
        return announced(json=SUMMONER)

    client = mock_client(handler)
    account = client.account_by_riot_id("Hide on bush", "KR1", platform="oc1")
    assert account.game_name == "Faker"
    client.summoner_by_puuid("p/1", platform="me1")
    ids = client.match_ids_by_puuid("p1", platform="vn2", queue=420, start_time=100, count=100)
    assert ids == ["KR_1", "KR_2"]
    assert client.league_entries_by_puuid("p1", platform="kr") == []

    hosts = [r.url.host for r in seen]
    assert hosts == ["asia.api.test", "me1.api.test", "sea.api.test", "kr.api.test"]
    assert seen[0].url.raw_path == b"/riot/account/v1/accounts/by-riot-id/Hide%20on%20bush/KR1"
    assert seen[1].url.raw_path == b"/lol/summoner/v4/summoners/by-puuid/p%2F1"
    assert dict(seen[2].url.params) == {"startTime": "100", "queue": "420", "start": "0",
                                        "count": "100"}  # fmt: skip
    assert all(r.headers["X-Riot-Token"] == KEY for r in seen)
    assert all(KEY not in str(r.url) for r in seen)
    assert client.counters.get("api_requests_made") == 4


def test_limits_are_learned_from_headers_into_the_shared_rows(
    mock_client: MakeClient, db_url: str
) -> None:
    client = mock_client(lambda r: announced(json=SUMMONER, app="30:1,500:600", method="7:5"))
    client.summoner_by_puuid("p1", platform="na1")
    fp = fingerprint(KEY)
    state = rows(db_url)
    assert state[f"app:{fp}:na1"][:2] == ("30:1,500:600", True)
    assert state[f"method:{fp}:na1:summoner-v4.by-puuid"][:2] == ("7:5", True)
    assert all(KEY not in scope for scope in state)


def test_server_counting_more_than_we_did_adds_phantom_stamps(
    mock_client: MakeClient, db_url: str
) -> None:
    client = mock_client(
        lambda r: announced(json=SUMMONER, app="20:1,100:120", app_count="1:1,40:120")
    )
    client.summoner_by_puuid("p1", platform="na1")
    stamps = rows(db_url)[f"app:{fingerprint(KEY)}:na1"][2]
    assert len(stamps) == 40  # our one request plus 39 Riot saw from elsewhere


def test_5xx_and_connection_errors_retry_then_succeed(mock_client: MakeClient) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(calls) == 2:
            raise httpx.ReadTimeout("slow", request=request)
        if len(calls) == 3:
            return httpx.Response(502)
        return announced(json=SUMMONER)

    client = mock_client(handler, max_tries=4)
    assert client.summoner_by_puuid("p1", platform="na1").summoner_level == 31
    assert client.counters.get("api_requests_made") == 4


def test_retries_end_in_server_error_or_unavailable(mock_client: MakeClient) -> None:
    client = mock_client(lambda r: httpx.Response(500), max_tries=3)
    with pytest.raises(ServerError, match=r"summoner-v4.by-puuid on na1: HTTP 500 after retries"):
        client.summoner_by_puuid("p1", platform="na1")
    assert client.counters.get("api_requests_made") == 3

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    down = mock_client(refuse, max_tries=2)
    with pytest.raises(RiotUnavailableError) as info:
        down.match("NA1_1", platform="na1")
    assert info.value.exit_code == 69


@pytest.mark.parametrize(
    ("status", "error"), [(404, NotFoundError), (400, BadRequestError), (418, RiotAPIError)]
)
def test_client_errors_are_not_retried(
    mock_client: MakeClient, status: int, error: type[RiotAPIError]
) -> None:
    client = mock_client(lambda r: announced(status))
    with pytest.raises(error) as info:
        client.summoner_by_puuid("gone", platform="euw1")
    assert info.value.status == status
    assert "summoner-v4.by-puuid on euw1" in str(info.value)
    assert client.counters.get("api_requests_made") == 1


def test_invalid_key_fails_fast_and_is_remembered(mock_client: MakeClient) -> None:
    client = mock_client(lambda r: httpx.Response(401))
    with pytest.raises(InvalidKeyError) as info:
        client.summoner_by_puuid("p1", platform="na1")
    assert str(info.value) == (
        "Riot API rejected the key (401): dev keys expire every 24 h; set RIOT_API_KEY"
    )
    assert info.value.exit_code == 1
    with pytest.raises(InvalidKeyError):
        client.match("NA1_1", platform="na1")
    assert client.counters.get("api_requests_made") == 1


def test_malformed_bodies_name_endpoint_and_field(mock_client: MakeClient) -> None:
    broken = dict(SUMMONER)
    del broken["summonerLevel"]
    client = mock_client(lambda r: announced(json=broken))
    with pytest.raises(
        MalformedResponseError, match=r"summoner-v4.by-puuid on na1: .*summonerLevel"
    ):
        client.summoner_by_puuid("p1", platform="na1")

    text = mock_client(lambda r: httpx.Response(200, text="<html>oops</html>"))
    with pytest.raises(MalformedResponseError, match="not JSON"):
        text.match("NA1_1", platform="na1")


def test_service_429_backs_off_without_blocking_the_app_scope(
    mock_client: MakeClient, db_url: str
) -> None:
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return httpx.Response(429)  # a service 429 may carry no headers at all
        return announced(json=SUMMONER)

    client = mock_client(handler, service_backoff=0.3)
    client.summoner_by_puuid("p1", platform="na1")
    assert calls[1] - calls[0] >= 0.3
    assert client.counters.get("rate_limited_responses") == 1
    assert all(row[3] is None for row in rows(db_url).values())  # nothing blocked


def test_method_429_blocks_the_scope_for_every_process(
    mock_client: MakeClient, db_url: str
) -> None:
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return announced(429, X_Rate_Limit_Type="method", Retry_After="1")
        return announced(json=SUMMONER)

    client = mock_client(handler)
    client.summoner_by_puuid("p1", platform="na1")
    assert calls[1] - calls[0] >= 0.95
    state = rows(db_url)
    fp = fingerprint(KEY)
    assert state[f"method:{fp}:na1:summoner-v4.by-puuid"][3] is not None
    assert state[f"app:{fp}:na1"][3] is None


def test_a_slot_past_the_deadline_raises_at_once(mock_client: MakeClient) -> None:
    client = mock_client(
        lambda r: announced(429, X_Rate_Limit_Type="application", Retry_After="60"),
        deadline=time.monotonic() + 5,
    )
    started = time.monotonic()
    with pytest.raises(RateLimitBudgetExhausted, match="deadline"):
        client.summoner_by_puuid("p1", platform="na1")
    assert time.monotonic() - started < 2


def test_gather_yields_item_errors_and_stops_on_fatal_ones(mock_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        puuid = request.url.path.rsplit("/", 1)[-1]
        if puuid == "missing":
            return announced(404)
        return announced(json={**SUMMONER, "puuid": puuid})

    client = mock_client(handler)
    items = ["a", "missing", "b", "c"]
    results = dict(client.gather(lambda p: client.summoner_by_puuid(p, platform="na1"), items))
    assert set(results) == set(items)
    assert isinstance(results["missing"], NotFoundError)
    assert results["a"].puuid == "a"  # type: ignore[union-attr]

    def not_api(item: str) -> str:
        raise ValueError("a bug, not an API error")

    with pytest.raises(ValueError, match="a bug"):
        list(client.gather(not_api, ["x"]))


def test_gather_runs_requests_concurrently(mock_client: MakeClient) -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return announced(json=SUMMONER, app="1000:1", method="1000:1")

    client = mock_client(handler, max_workers=8)
    done = list(
        client.gather(
            lambda p: client.summoner_by_puuid(p, platform="na1"), [f"p{i}" for i in range(32)]
        )
    )
    assert len(done) == 32
    assert peak > 1


def test_gather_ready_hands_over_what_finished_while_the_consumer_was_busy(
    mock_client: MakeClient,
) -> None:
    client = mock_client(
        lambda r: announced(json=SUMMONER, app="1000:1", method="1000:1"), max_workers=8
    )
    items = [f"p{i}" for i in range(40)]
    batches = []
    for ready in client.gather_ready(lambda p: client.summoner_by_puuid(p, platform="na1"), items):
        batches.append([item for item, _ in ready])
        time.sleep(0.05)  # a slow consumer (storing a batch): the pool keeps requesting meanwhile
    assert sorted(x for b in batches for x in b) == sorted(items)
    assert max(len(b) for b in batches) > 1


def test_a_missing_key_is_a_config_error(db_url: str) -> None:
    settings = settings_for(key=" ")
    with pytest.raises(ConfigError, match="RIOT_API_KEY"):
        RiotClient(**settings.riot(), db_url=db_url)


def test_counters_are_shared_with_the_run(mock_client: MakeClient) -> None:
    counters = Counters()
    client = mock_client(lambda r: announced(json=SUMMONER), counters=counters)
    client.summoner_by_puuid("p1", platform="na1")
    assert counters.get("api_requests_made") == 1
