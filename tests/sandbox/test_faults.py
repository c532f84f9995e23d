"""Injected faults arrive at their configured rates, deterministically for a seed."""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pytest

from riotjobs.sandbox import serve_in_thread
from tests.sandbox.helpers import small_config

N = 1500


def _classify(response: httpx.Response) -> str:
    if response.status_code == 429:
        assert "Retry-After" not in response.headers
        assert response.headers.get("X-Rate-Limit-Type", "service") == "service"
        return "service_429"
    if response.status_code >= 500:
        assert response.status_code in (500, 502, 503, 504)
        return "5xx"
    assert response.status_code == 200
    try:
        doc = json.loads(response.content)
    except ValueError:
        return "malformed"
    return "ok" if isinstance(doc, list) and all(isinstance(m, str) for m in doc) else "malformed"


def _run() -> tuple[list[str], dict[str, object]]:
    config = small_config(fault_rate=0.1, service_429_rate=0.05, malformed_rate=0.08)
    with (
        serve_in_thread(config) as sb,
        httpx.Client(base_url=sb.root_url, headers={"X-Riot-Token": sb.api_key}) as client,
    ):
        puuid = sb.players(1)[0]["puuid"]
        url = f"/americas/lol/match/v5/matches/by-puuid/{puuid}/ids"
        kinds = [_classify(client.get(url)) for _ in range(N)]
        return kinds, sb.stats()


def test_fault_rates_and_determinism() -> None:
    kinds, stats = _run()
    seen = Counter(kinds)
    # Binomial 3-sigma bands around 10 %, 5 % and 8 % of 1500.
    assert 150 - 35 <= seen["5xx"] <= 150 + 35
    assert 75 - 26 <= seen["service_429"] <= 75 + 26
    assert 120 - 32 <= seen["malformed"] <= 120 + 32
    assert stats["faults"] == {k: seen[k] for k in ("5xx", "malformed", "service_429")}
    assert stats["rate_limited"] == {
        "total": seen["service_429"],
        "by_type": {"service": seen["service_429"]},
        "by_scope": {"americas service:ids": seen["service_429"]},
    }
    again, _ = _run()
    assert again == kinds


def test_latency_is_async_and_does_not_serialise_requests() -> None:
    import concurrent.futures
    import time

    with serve_in_thread(small_config(latency_ms=300)) as sb:
        url = f"{sb.root_url}/na1/lol/status/v4/platform-data"
        headers = {"X-Riot-Token": sb.api_key}
        began = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            codes = list(pool.map(lambda _: httpx.get(url, headers=headers).status_code, range(10)))
        elapsed = time.monotonic() - began
        assert codes == [200] * 10
        # Ten 300 ms answers in parallel: a blocking sleep would need 3 s.
        assert 0.3 <= elapsed < 2.5


def test_latency_runs_from_arrival_and_includes_the_time_spent_answering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A remote server's latency does not grow with the CPU the sandbox spends on an answer
    (a burst of match bodies on a machine it shares with the client): the answer goes out
    ``latency`` after the request arrived, or at once when building it took longer."""
    import asyncio

    from riotjobs.sandbox.app import SandboxApp

    sandbox = SandboxApp(small_config(latency_ms=80))
    clock = [100.0]
    # time is the module the app reads; nothing else in this test runs meanwhile.
    monkeypatch.setattr("riotjobs.sandbox.app.time.monotonic", lambda: clock[0])
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("riotjobs.sandbox.app.asyncio.sleep", fake_sleep)
    answer = sandbox._answer
    build = [0.0]

    def slow_answer(*args: object) -> object:
        clock[0] += build[0]  # the answer takes this many seconds of this process's time
        return answer(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(sandbox, "_answer", slow_answer)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/na1/lol/status/v4/platform-data",
        "headers": [(b"x-riot-token", sandbox.config.api_key.encode())],
        "query_string": b"",
    }
    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    for seconds in (0.03, 0.2):
        build[0] = seconds
        asyncio.run(sandbox(scope, receive, send))
    assert slept == [pytest.approx(0.05)]  # 80 ms less the 30 ms; none after a 200 ms build
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [200, 200]
