"""A refused key and a 429's Retry-After stop requests everywhere: in the client that saw the
refusal, in its other threads, and in another client (another process's worth of limiter
state) sharing the key. Asserted from the server's request log: the times requests arrived,
relative to the refusal, and how many there were: each of a client's threads may have had one
request already on its way (its slot taken before the refusal was recorded), no more."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from riotjobs.riot import InvalidKeyError, RiotAPIError, RiotClient
from riotjobs.riot.limiter import Limiter, Scope
from tests.riot.helpers import SUMMONER_JSON, announced

MakeClient = Callable[..., RiotClient]
IN_FLIGHT = 0.1  # seconds: requests already on their way when the refusal left the server
WORKERS = 4


@dataclass
class Log:
    """A Riot look-alike's request log; ``refuse(n)`` gives the response to the n-th request
    (None: a normal answer)."""

    refuse: Callable[[int], httpx.Response | None]
    app: str = "4:1,100:10"
    latency: float = 0.0  # seconds to answer a normal request
    arrivals: list[float] = field(default_factory=list)
    refused_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.arrivals.append(time.monotonic())
            n = len(self.arrivals)
        response = self.refuse(n)
        if response is None:
            time.sleep(self.latency)
            return announced(json=SUMMONER_JSON, app=self.app, app_count="1:1,1:10")
        with self.lock:
            if self.refused_at is None:
                self.refused_at = time.monotonic()
        return response

    def after_refusal(self) -> list[float]:
        """The arrivals after the first refusal was answered, in seconds after it."""
        assert self.refused_at is not None, "nothing was refused"
        return [t - self.refused_at for t in self.arrivals if t > self.refused_at]


def hammer(client: RiotClient, n: int, errors: list[BaseException]) -> None:
    try:
        for _, result in client.gather(
            lambda i: client.summoner_by_puuid(f"p{i}", platform="na1"), range(n)
        ):
            assert not isinstance(result, RiotAPIError) or result.status in (403, 429)
    except Exception as exc:  # the batch's fatal error
        errors.append(exc)


def run_both(clients: list[RiotClient], n: int) -> list[BaseException]:
    errors: list[BaseException] = []
    threads = [threading.Thread(target=hammer, args=(c, n, errors)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def test_after_a_403_no_request_leaves_any_client_of_the_key(mock_client: MakeClient) -> None:
    log = Log(lambda n: httpx.Response(403, json={}) if n > 6 else None)
    clients = [mock_client(log, max_workers=WORKERS) for _ in range(2)]
    errors = run_both(clients, 40)
    assert errors and all(isinstance(e, InvalidKeyError) for e in errors), errors
    # Requests queued for the next window must not go out once the key is known refused.
    after = log.after_refusal()
    assert len(after) <= 2 * WORKERS - 1 and all(t < IN_FLIGHT for t in after), after


def test_after_an_application_429_no_client_sends_before_retry_after(
    mock_client: MakeClient,
) -> None:
    limited = announced(
        429,
        app="4:1,100:10",
        app_count="5:1,5:10",
        Retry_After="3",
        X_Rate_Limit_Type="application",
    )
    log = Log(lambda n: limited if n == 7 else None)
    clients = [mock_client(log, max_workers=WORKERS) for _ in range(2)]
    assert run_both(clients, 16) == []
    after = log.after_refusal()
    assert after and after[-1] >= 3.0, "the clients never resumed"
    early = [t for t in after if t < 3.0]
    assert len(early) <= 2 * WORKERS - 1 and all(t < IN_FLIGHT for t in early), after


def test_a_429_far_below_the_limits_is_not_passed_by_a_spare_slot(
    mock_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Far below the limits a client keeps spare slots in memory; none may be used for a
    request into a scope once a 429's block is recorded (requests that went out between the
    429 leaving the server and the client recording it are fine: the server is instant here)."""
    big = "10000:1,100000:10"
    limited = announced(
        429, app=big, app_count="2:1,2:10", Retry_After="3", X_Rate_Limit_Type="application"
    )
    # Requests take 20 ms, so the spares taken with one call outlast the moment of the 429.
    log = Log(lambda k: limited if k == 30 else None, app=big, latency=0.02)
    client = mock_client(log, max_workers=WORKERS)
    limiter = client._limiter
    recorded: list[float] = []

    def block(scope: Scope, seconds: float) -> None:
        Limiter.block(limiter, scope, seconds)
        recorded.append(time.monotonic())

    monkeypatch.setattr(limiter, "block", block)
    assert run_both([client], 60) == []
    assert log.refused_at is not None and recorded
    after = [t - recorded[0] for t in log.arrivals if t > recorded[0]]
    assert after and after[-1] >= 2.9, "the client never resumed"
    # Each other thread may have had one request on its way when the block was recorded.
    early = [t for t in after if t + recorded[0] < log.refused_at + 3.0]
    assert len(early) <= WORKERS - 1 and all(t < IN_FLIGHT for t in early), after
