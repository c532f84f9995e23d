"""The shared limiter on real Postgres, and the header parsing it learns from."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from riotjobs.riot.errors import RateLimitBudgetExhausted
from riotjobs.riot.headers import RateHeaders, fingerprint, format_limits, parse_limits
from riotjobs.riot.limiter import Announced, Limiter, Scope, Slot
from riotjobs.riot.limiter._slots import excess
from tests.riot.helpers import FP, pending, stored, wait_of


@pytest.fixture
def limiters(db_url: str) -> Iterator[tuple[Limiter, Limiter]]:
    """Two limiters on one database: two processes' worth of state, sharing only Postgres."""
    pair = (Limiter(db_url, margin=0.01), Limiter(db_url, margin=0.01))
    yield pair
    for limiter in pair:
        limiter.close()


def scopes(app: str = "5:1", method: str = "100:10") -> tuple[Scope, Scope]:
    return Scope.application(FP, "na1", app), Scope.method(FP, "na1", "match-v5.match", method)


def learn(limiter: Limiter, pair: tuple[Scope, Scope], slot: Slot | None = None) -> None:
    """A response announcing the scopes' limits (and ending ``slot``'s request)."""
    limiter.observe(
        [Announced(s, parse_limits(s.default_limits), None) for s in pair], answered=True, slot=slot
    )


def done(limiter: Limiter, pair: tuple[Scope, Scope], slot: Slot) -> None:
    """``slot``'s request is back, with no headers."""
    limiter.observe([Announced(s, None, None) for s in pair], answered=True, slot=slot)


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


def take_with(db_url: str, limits: str, ages: list[float], *, pending: float | None = None):
    """Call riotjobs_rl_take on one scope whose completed stamps are ``ages`` seconds old
    (and, with ``pending``, one request in flight since that many seconds): (slots, wait)."""
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        now = conn.execute("SELECT extract(epoch FROM clock_timestamp())::float8").fetchone()
        assert now is not None
        done = sorted(now[0] - a for a in ages)
        out = [now[0] - pending] if pending else []
        conn.execute(
            "INSERT INTO rate_limit_scopes (scope, limits, learned, done, pending) VALUES"
            " ('s', %s, true, %s::float8[], %s::float8[])",
            (limits, done, out),
        )
        got = conn.execute(
            "SELECT slots, wait_s FROM riotjobs_rl_take(ARRAY['s'], 5, 'fp', 0.01, 30, 10, 0.05,"
            " 0.25, 1, 0, 1)"  # the normal lane, no reserve
        ).fetchone()
        conn.execute("DELETE FROM rate_limit_scopes")
    assert got is not None
    return got[0], got[1]


def test_the_slot_check_is_a_sliding_log_with_margin(db_url: str) -> None:
    """The database function counts stamps within ``window + margin`` for every limit."""
    slots, wait = take_with(db_url, "2:1,3:10", [])
    assert len(slots) == 2 and wait == 0  # the 2:1 limit leaves room for two
    slots, wait = take_with(db_url, "2:1,3:10", [0.5])
    assert len(slots) == 1
    # Two in the last second: wait until the older one is 1.01 s old.
    slots, wait = take_with(db_url, "2:1,3:10", [0.5, 0.2])
    assert slots == [] and wait == pytest.approx(0.51, abs=0.03)
    # Three in ten seconds: the oldest of them must age out of 10.01 s.
    slots, wait = take_with(db_url, "2:1,3:10", [9.0, 5.0, 1.5])
    assert slots == [] and wait == pytest.approx(1.01, abs=0.03)
    # A request in flight for 20 s counts as completing now: a full window to wait.
    slots, wait = take_with(db_url, "1:1", [], pending=20.0)
    assert slots == [] and wait == pytest.approx(1.01, abs=0.03)
    # ... but past the 30 s hold it counts as completed at acquire + hold.
    slots, wait = take_with(db_url, "1:1", [], pending=40.0)
    assert len(slots) == 1
    assert take_with(db_url, "0:1", [])[1] == 1.0  # a zero limit: look again a window later


def test_our_count_uses_the_counting_rule_and_riot_s_excess_becomes_phantoms(
    db_url: str,
) -> None:
    """riotjobs_rl_ours counts completions, and pending requests as completing now (or at
    acquire + hold), within window + reach; Riot's counts beyond that are phantoms."""
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        got = conn.execute(
            "SELECT riotjobs_rl_ours(ARRAY[90, 99.9], ARRAY[99.5, 50], 100, 30, ARRAY[1, 10, 60],"
            " 0.26)"
        ).fetchone()
    # Within 1.26 s of 100: 99.9 and the pending 99.5 (counted at 100); the one pending
    # since 50 counts at 80; within 10.26 s also 90; within 60.26 s, all four.
    assert got is not None and got[0] == [2, 3, 4]
    assert excess(((5, 1.0),), {1.0: 1}) == 4
    assert excess(((1, 1.0), (3, 10.0)), {1.0: 1, 10.0: 3}) == 0


def test_a_request_is_logged_at_its_completion(
    limiters: tuple[Limiter, Limiter], db_url: str
) -> None:
    """The stamp is pending (stored negated) while the request is out, then moves to the
    moment its response came back, on the database clock."""
    limiter = limiters[0]
    pair = scopes(app="1:1")
    learn(limiter, pair, limiter.acquire(pair))
    time.sleep(1.1)
    slot = limiter.acquire(pair)
    for stamps in pending(db_url).values():
        assert stamps == [slot.stamp]
    time.sleep(0.4)  # the request is slow: Riot may have counted it as late as now
    done(limiter, pair, slot)
    app_stamps = stored(db_url)[pair[0].id]
    assert app_stamps[-1] == pytest.approx(slot.stamp + 0.4, abs=0.05)
    assert pending(db_url)[pair[0].id] == []
    # The next request waits a full window from the completion, not from the acquire.
    assert wait_of(limiter, pair) > 0.9


def test_a_pending_request_counts_until_it_completes(limiters: tuple[Limiter, Limiter]) -> None:
    first, second = limiters
    pair = scopes(app="2:1")
    learn(first, pair, first.acquire(pair))
    time.sleep(1.1)
    slow = first.acquire(pair)
    time.sleep(1.1)  # older than the window, but still in flight: it may not have arrived yet
    second.acquire(pair)
    assert wait_of(second, pair) > 0.9
    done(first, pair, slow)
    assert wait_of(first, pair) > 0.9  # now stamped at its completion, a moment ago


def test_a_crashed_request_stops_counting_after_the_hold(db_url: str) -> None:
    limiter = Limiter(db_url, margin=0.01, pending_hold=0.3)
    try:
        pair = scopes(app="1:1")
        learn(limiter, pair, limiter.acquire(pair))
        time.sleep(1.1)
        limiter.acquire(pair)  # never completed: its process died
        started = time.monotonic()
        learn(limiter, pair, limiter.acquire(pair))
        # It counted as completed at acquire + hold, so the next slot came a window later.
        assert 1.2 <= time.monotonic() - started < 3
    finally:
        limiter.close()


def test_two_limiters_share_one_budget(limiters: tuple[Limiter, Limiter]) -> None:
    first, second = limiters
    pair = scopes(app="4:1")
    learn(first, pair, first.acquire(pair))
    done(first, pair, first.acquire(pair))
    done(second, pair, second.acquire(pair))
    done(second, pair, second.acquire(pair))
    # Four requests in the last second between them: the fifth must wait, in either process.
    assert wait_of(first, pair) > 0.5
    assert wait_of(second, pair) > 0.5
    started = time.monotonic()
    second.acquire(pair)
    assert time.monotonic() - started >= 0.5


def test_a_slot_past_the_deadline_raises_without_sleeping(
    limiters: tuple[Limiter, Limiter],
) -> None:
    limiter = limiters[0]
    pair = scopes(app="1:10")
    learn(limiter, pair, limiter.acquire(pair))
    started = time.monotonic()
    with pytest.raises(RateLimitBudgetExhausted, match=r"match-v5.match on na1 before the run"):
        limiter.acquire(pair, deadline=time.monotonic() + 5)
    assert time.monotonic() - started < 1


def test_unlearned_scopes_admit_one_probe_at_a_time(limiters: tuple[Limiter, Limiter]) -> None:
    first, second = limiters
    pair = scopes(app="100:1")
    probe = first.acquire(pair)
    assert wait_of(second, pair) > 0  # the probe is still out
    first.observe([Announced(s, None, None) for s in pair], answered=False, slot=probe)  # no lesson
    assert wait_of(second, pair) == 0  # so the next request probes
    learn(second, pair)
    assert wait_of(first, pair) == 0 and wait_of(second, pair) == 0


def test_a_probe_waiter_proceeds_once_limits_are_learned(
    limiters: tuple[Limiter, Limiter],
) -> None:
    first, second = limiters
    pair = scopes(app="100:1")
    probe = first.acquire(pair)
    timer = threading.Timer(0.3, learn, (first, pair, probe))
    timer.start()
    started = time.monotonic()
    second.acquire(pair)
    assert 0.25 <= time.monotonic() - started < 3
    timer.join()


def test_block_holds_every_process_until_retry_after(limiters: tuple[Limiter, Limiter]) -> None:
    first, second = limiters
    pair = scopes(app="100:1")
    learn(first, pair, first.acquire(pair))
    first.block(pair[0], 0.6)
    started = time.monotonic()
    second.acquire(pair)
    assert time.monotonic() - started >= 0.55
    with pytest.raises(RateLimitBudgetExhausted):
        first.block(pair[1], 30)
        second.acquire(pair, deadline=time.monotonic() + 1)


def test_learned_limits_and_counts_apply_on_completion(
    limiters: tuple[Limiter, Limiter], db_url: str
) -> None:
    limiter = limiters[0]
    pair = scopes(app="100:1")
    slot = limiter.acquire(pair)
    # Riot announces 2:1 and has counted 2 requests in this second (another user of the key):
    # one phantom stamp joins our completed one, so the budget is spent.
    limiter.observe(
        [
            Announced(pair[0], ((2, 1.0),), ((2, 1.0),)),
            Announced(pair[1], ((50, 10.0),), ((1, 10.0),)),
        ],
        answered=True,
        slot=slot,
    )
    assert wait_of(limiter, pair) > 0.5  # 2:1 now, not the configured 100:1
    app_stamps = stored(db_url)[pair[0].id]
    assert len(app_stamps) == 2 and pending(db_url)[pair[0].id] == []
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        got: dict[str, str] = dict(
            conn.execute("SELECT scope, limits FROM rate_limit_scopes").fetchall()
        )
    assert got == {pair[0].id: "2:1", pair[1].id: "50:10"}


def test_deleted_rows_are_recreated(limiters: tuple[Limiter, Limiter], db_url: str) -> None:
    limiter = limiters[0]
    pair = scopes()
    slot = limiter.acquire(pair)
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute("DELETE FROM rate_limit_scopes")
    done(limiter, pair, slot)  # its rows are gone: nothing to complete, and no error
    limiter.acquire(pair, deadline=time.monotonic() + 5)


def test_a_slot_that_waited_is_checked_against_a_block_recorded_meanwhile(
    limiters: tuple[Limiter, Limiter], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A starved process may run its request long after the slot was taken; a 429 that another
    process got meanwhile must stop it (the next take waits the block out)."""
    mine, other = limiters
    pair = scopes(app="100:1")
    learn(mine, pair, mine.acquire(pair))
    slot = mine.acquire(pair)
    done(mine, pair, slot)
    queue = mine._slot_queue(pair, mine.lane)
    real_get = queue.get
    handed: list[Slot] = []
    block_after_take: list[bool] = []

    def stale_once(deadline: float | None) -> Slot:
        if handed:
            return real_get(deadline)
        got = real_get(deadline)
        handed.append(got)
        if block_after_take:  # the other process's 429 lands while this thread is starved
            other.block(pair[0], 5.0)
        return Slot(got.stamp, got.taken - 1.0, got.roomy)  # as if its thread ran a second late

    monkeypatch.setattr(queue, "get", stale_once)
    fresh = mine.acquire(pair)  # stale, but nothing was recorded meanwhile: it is used
    assert fresh.stamp == handed[0].stamp
    done(mine, pair, fresh)
    handed.clear()
    block_after_take.append(True)
    with pytest.raises(RateLimitBudgetExhausted):
        mine.acquire(pair, deadline=time.monotonic() + 1.0)
    assert handed, "the stale slot was taken"
    assert pending(db_url)[pair[0].id] == []  # handed back, not left to count as in flight
