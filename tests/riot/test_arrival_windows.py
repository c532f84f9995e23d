"""Riot's fixed windows, seen where Riot sees them: at each request's arrival.

Riot counts a request when it arrives, and a window starts at the first arrival it counts. The
delay between our limiter slot and that arrival varies (thread scheduling, connection set-up, a
TLS handshake, a cold first request). These tests make some requests arrive 300 ms after their
slot and others at once, then check every window of ``W`` seconds that starts at any arrival:
none may hold more than the limit. (With stamps at acquire time and a 50 ms margin, a request
delayed 300 ms opens a window that the next second's fast requests overfill.)
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence

import httpx

from riotjobs.riot import RiotClient
from tests.riot.fakeriot import FakeRiot, FixedWindows
from tests.riot.helpers import KEY, announced, settings_for

LIMIT, WINDOW = 3, 1.0
SLOW = 0.3


def busiest_window(arrivals: Sequence[float], window: float) -> int:
    """The most arrivals any of Riot's windows counted: each opens at the first arrival after
    the previous one ended and lasts ``window`` seconds."""
    counts: list[int] = []
    end = float("-inf")
    for t in sorted(arrivals):
        if t >= end:
            end = t + window
            counts.append(0)
        counts[-1] += 1
    return max(counts, default=0)


def delays(count: int) -> list[float]:
    """The first request is slow (a cold start), then a seeded mix of slow and fast ones."""
    rng = random.Random(11)
    return [SLOW] + [rng.choice([0.0, 0.0, 0.02, SLOW]) for _ in range(count - 1)]


def fetch_all(client: RiotClient, count: int) -> None:
    results = list(
        client.gather(
            lambda p: client.summoner_by_puuid(p, platform="na1"),
            [f"puuid-{n}" for n in range(count)],
            max_workers=4,
        )
    )
    failures = [r for _, r in results if isinstance(r, Exception)]
    assert not failures, failures


def test_uneven_delays_never_overfill_a_window(mock_client: Callable[..., RiotClient]) -> None:
    count = 12
    plan = delays(count)
    arrivals: list[float] = []
    lock = threading.Lock()
    windows = FixedWindows(f"{LIMIT}:{WINDOW:g}")

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            delay = plan[len(arrivals)] if len(arrivals) < count else 0.0
            arrivals.append(-1.0)  # reserve this request's place in the plan
            index = len(arrivals) - 1
        time.sleep(delay)  # before Riot sees it: the request is still on its way
        with lock:
            arrivals[index] = time.monotonic()
            windows.check(arrivals[index])  # counts it; an overfull window fails the assert
            counted = windows.count_header()
        time.sleep(0.02)  # Riot's own latency before the response
        puuid = request.url.path.rsplit("/", 1)[-1]
        return announced(
            json={"puuid": puuid, "profileIconId": 1, "revisionDate": 1, "summonerLevel": 30},
            app=f"{LIMIT}:{WINDOW:g}",
            app_count=counted,
        )

    client = mock_client(handler, app_limits=f"{LIMIT}:{WINDOW:g}")
    fetch_all(client, count)
    assert len(arrivals) == count
    assert busiest_window(arrivals, WINDOW) <= LIMIT, sorted(round(a, 3) for a in arrivals)


def test_uneven_delays_over_real_http_get_no_429(db_url: str) -> None:
    count = 12
    fake = FakeRiot(key=KEY, app_limits=f"{LIMIT}:{WINDOW:g}")
    fake.slow = {n + 1: d for n, d in enumerate(delays(count))}

    try:
        with RiotClient(**settings_for(fake.start()).riot(), db_url=db_url) as client:
            fetch_all(client, count)
    finally:
        fake.stop()
    assert len(fake.hits) == count
    assert fake.rejected["application"] == 0 and fake.rejected["method"] == 0
    assert busiest_window([hit.at for hit in fake.hits], WINDOW) <= LIMIT


def test_two_processes_with_jitter_both_ways_never_overfill_a_window(db_url: str) -> None:
    """Anchors and completions under delays before Riot counts a request and after: two
    clients (two processes' limiters) share one key; Riot's windows never overfill."""
    count = 24
    fake = FakeRiot(key=KEY, app_limits=f"{LIMIT}:{WINDOW:g}", reply_jitter=0.12)
    rng = random.Random(5)
    fake.slow = {n + 1: rng.choice([0.0, 0.0, 0.05, 0.25]) for n in range(count)}
    base = fake.start()
    try:
        with (
            RiotClient(**settings_for(base).riot(), db_url=db_url) as one,
            RiotClient(**settings_for(base).riot(), db_url=db_url) as two,
        ):
            jobs = [threading.Thread(target=fetch_all, args=(c, count // 2)) for c in (one, two)]
            for job in jobs:
                job.start()
            for job in jobs:
                job.join()
    finally:
        fake.stop()
    assert len(fake.hits) == count
    assert fake.rejected["application"] == 0 and fake.rejected["method"] == 0
    assert busiest_window([hit.at for hit in fake.hits], WINDOW) <= LIMIT
