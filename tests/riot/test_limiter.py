"""The shared limiter on real Postgres, and the header parsing it learns from."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from riotjobs.riot._headers import RateHeaders, fingerprint, format_limits, parse_limits
from riotjobs.riot.errors import RateLimitBudgetExhausted
from riotjobs.riot.limiter import Limiter, Scope, phantoms, slot_wait

FP = fingerprint("RGAPI-limiter-test")


@pytest.fixture
def limiters(db_url: str) -> Iterator[tuple[Limiter, Limiter]]:
    """Two limiters on one database: two processes' worth of state, sharing only Postgres."""
    pair = (Limiter(db_url, margin=0.05), Limiter(db_url, margin=0.05))
    yield pair
    for limiter in pair:
        limiter.close()


def scopes(app: str = "5:1", method: str = "100:10") -> tuple[Scope, Scope]:
    return Scope.application(FP, "na1", app), Scope.method(FP, "na1", "match-v5.match", method)


def learn(limiter: Limiter, pair: tuple[Scope, Scope]) -> None:
    limiter.observe([(s, parse_limits(s.default_limits), None) for s in pair], answered=True)


def test_parse_limits_and_headers() -> None:
    assert parse_limits("100:120,20:1") == ((20, 1.0), (100, 120.0))
    assert parse_limits("") is None and parse_limits("20") is None and parse_limits("a:1") is None
    assert format_limits(((20, 1.0), (100, 120.0))) == "20:1,100:120"
    facts = RateHeaders.from_headers(
        {"x-app-rate-limit": "20:1", "x-rate-limit-type": "Method", "retry-after": "3"}
    )
    assert facts.app_limits == ((20, 1.0),) and facts.method_limits is None
    assert facts.limit_type == "method" and facts.retry_after == 3.0
    assert len(fingerprint("k")) == 12 and fingerprint("k") != fingerprint("k2")


def test_slot_wait_is_a_sliding_log_with_margin() -> None:
    limits = ((2, 1.0), (3, 10.0))
    assert slot_wait(limits, [], 100.0, 0.05) == 0
    assert slot_wait(limits, [99.5], 100.0, 0.05) == 0
    # Two in the last second: wait until the older one is 1.05 s old.
    assert slot_wait(limits, [99.5, 99.8], 100.0, 0.05) == pytest.approx(0.55)
    # Three in ten seconds: the oldest of them must age out of 10.05 s.
    assert slot_wait(limits, [91.0, 95.0, 99.0], 100.0, 0.05) == pytest.approx(1.05)
    assert phantoms(((5, 1.0),), [99.9], 100.0, 0.05) == 4
    assert phantoms(((1, 1.0),), [99.9], 100.0, 0.05) == 0


def test_two_limiters_share_one_budget(limiters: tuple[Limiter, Limiter]) -> None:
    first, second = limiters
    pair = scopes(app="4:1")
    first.acquire(pair)
    learn(first, pair)
    first.acquire(pair)
    second.acquire(pair)
    second.acquire(pair)
    # Four requests in the last second between them: the fifth must wait, in either process.
    assert first._try_acquire(pair) > 0.5
    assert second._try_acquire(pair) > 0.5
    started = time.monotonic()
    second.acquire(pair)
    assert time.monotonic() - started >= 0.5


def test_a_slot_past_the_deadline_raises_without_sleeping(
    limiters: tuple[Limiter, Limiter],
) -> None:
    limiter = limiters[0]
    pair = scopes(app="1:10")
    limiter.acquire(pair)
    learn(limiter, pair)
    started = time.monotonic()
    with pytest.raises(RateLimitBudgetExhausted, match=r"match-v5.match on na1 before the run"):
        limiter.acquire(pair, deadline=time.monotonic() + 5)
    assert time.monotonic() - started < 1


def test_unlearned_scopes_admit_one_probe_at_a_time(limiters: tuple[Limiter, Limiter]) -> None:
    first, second = limiters
    pair = scopes(app="100:1")
    first.acquire(pair)
    assert second._try_acquire(pair) > 0  # the probe is still out
    second.observe([(s, None, None) for s in pair], answered=False)  # it failed: no lesson
    assert second._try_acquire(pair) == 0  # so the next request probes
    learn(second, pair)
    assert first._try_acquire(pair) == 0 and second._try_acquire(pair) == 0


def test_a_probe_waiter_proceeds_once_limits_are_learned(
    limiters: tuple[Limiter, Limiter],
) -> None:
    first, second = limiters
    pair = scopes(app="100:1")
    first.acquire(pair)
    timer = threading.Timer(0.3, learn, (first, pair))
    timer.start()
    started = time.monotonic()
    second.acquire(pair)
    assert 0.25 <= time.monotonic() - started < 3
    timer.join()


def test_block_holds_every_process_until_retry_after(limiters: tuple[Limiter, Limiter]) -> None:
    first, second = limiters
    pair = scopes(app="100:1")
    first.acquire(pair)
    learn(first, pair)
    first.block(pair[0], 0.6)
    started = time.monotonic()
    second.acquire(pair)
    assert time.monotonic() - started >= 0.55
    with pytest.raises(RateLimitBudgetExhausted):
        first.block(pair[1], 30)
        second.acquire(pair, deadline=time.monotonic() + 1)


def test_learned_limits_replace_the_configured_ones(
    limiters: tuple[Limiter, Limiter], db_url: str
) -> None:
    limiter = limiters[0]
    pair = scopes(app="100:1")
    limiter.acquire(pair)
    limiter.observe(
        [(pair[0], ((2, 1.0),), ((1, 1.0),)), (pair[1], ((50, 10.0),), ((1, 10.0),))],
        answered=True,
    )
    limiter.acquire(pair)
    assert limiter._try_acquire(pair) > 0.5  # 2:1 now, not the configured 100:1
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        got: dict[str, str] = dict(
            conn.execute("SELECT scope, limits FROM rate_limit_scopes").fetchall()
        )
    assert got == {pair[0].id: "2:1", pair[1].id: "50:10"}


def test_deleted_rows_are_recreated(limiters: tuple[Limiter, Limiter], db_url: str) -> None:
    limiter = limiters[0]
    pair = scopes()
    limiter.acquire(pair)
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute("DELETE FROM rate_limit_scopes")
    limiter.acquire(pair, deadline=time.monotonic() + 5)
