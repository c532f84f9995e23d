"""The thread lanes behind ``RiotClient.gather``: one lane waiting never holds up another."""

from __future__ import annotations

import threading

import pytest

from riotjobs.riot._gather import gather_ready
from riotjobs.riot.errors import NotFoundError, RateLimitBudgetExhausted


def test_a_lane_stuck_on_its_budget_leaves_the_others_going() -> None:
    americas_open = threading.Event()
    items = [("americas", i) for i in range(40)] + [("europe", i) for i in range(40)]

    def fetch(item: tuple[str, int]) -> str:
        if item[0] == "americas":
            assert americas_open.wait(10), "europe never finished while americas waited"
        return f"{item[0]}-{item[1]}"

    seen: list[str] = []
    for ready in gather_ready(fetch, items, workers=4, lane=lambda item: item[0]):
        seen += [result for _, result in ready if isinstance(result, str)]
        if sum(s.startswith("europe") for s in seen) == 40:
            americas_open.set()  # only now: every europe item finished while americas waited
    assert sorted(seen) == sorted(f"{region}-{i}" for region, i in items)


def test_one_thread_per_lane_keeps_each_lanes_order() -> None:
    items = [(region, i) for i in range(10) for region in ("asia", "sea")]
    order: list[tuple[str, int]] = []
    lock = threading.Lock()

    def fetch(item: tuple[str, int]) -> None:
        with lock:
            order.append(item)

    for _ in gather_ready(fetch, items, workers=1, lane=lambda item: item[0]):
        pass
    for region in ("asia", "sea"):
        assert [i for r, i in order if r == region] == list(range(10))


def test_item_errors_are_results_and_a_fatal_one_stops_every_lane() -> None:
    def fetch(item: tuple[str, int]) -> int:
        if item == ("europe", 0):
            raise NotFoundError("gone", endpoint="x", status=404)
        if item == ("americas", 3):
            raise RateLimitBudgetExhausted("out of time", endpoint="x")
        return item[1]

    items = [(region, i) for region in ("americas", "europe") for i in range(200)]
    got: list[object] = []
    with pytest.raises(RateLimitBudgetExhausted):
        for ready in gather_ready(fetch, items, workers=2, lane=lambda item: item[0]):
            got += [result for _, result in ready]
    assert any(isinstance(r, NotFoundError) for r in got)  # started before the stop: yielded
    assert len(got) < 399  # items not yet started were dropped


def test_a_lanes_first_and_last_items_each_get_a_thread() -> None:
    # Items 0-7 (the head: twice the lane's threads) and 50-59 (the tail: ``wide``) only
    # finish once all of their group are running at once: with four threads the barriers break.
    head = threading.Barrier(8, timeout=30)
    tail = threading.Barrier(10, timeout=30)
    running = 0
    peak = 0
    lock = threading.Lock()

    def fetch(item: tuple[str, int]) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            if item[0] == "americas" and item[1] < 8:
                head.wait()
            elif item[0] == "americas" and item[1] >= 50:
                tail.wait()
            return item[1]
        finally:
            with lock:
                running -= 1

    items = [("americas", i) for i in range(60)] + [("na1", i) for i in range(3)]
    got: list[object] = []
    for ready in gather_ready(fetch, items, workers=4, lane=lambda item: item[0], wide=10):
        got += [result for _, result in ready]
    assert sorted(got, key=str) == sorted([*range(60), *range(3)], key=str)
    assert peak <= 10 + 4 + 3  # the wide threads, the lane's own, the small lane's


def test_lanes_that_could_go_wide_share_it() -> None:
    # Two long lanes share wide=8: four each, no more than their own workers, so neither
    # lane ever runs more than four items at once.
    running: dict[str, int] = {"europe": 0, "asia": 0}
    peak: dict[str, int] = {"europe": 0, "asia": 0}
    lock = threading.Lock()

    def fetch(item: tuple[str, int]) -> None:
        with lock:
            running[item[0]] += 1
            peak[item[0]] = max(peak[item[0]], running[item[0]])
        with lock:
            running[item[0]] -= 1

    items = [(region, i) for region in ("europe", "asia") for i in range(40)]
    for _ in gather_ready(fetch, items, workers=4, lane=lambda item: item[0], wide=8):
        pass
    assert max(peak.values()) <= 4


def test_the_head_and_tail_run_on_wide_threads_with_their_own_connections() -> None:
    """Wide threads say so (``on_wide_thread``), and ``Connections`` gives them clients of their
    own: the steady threads' pool keeps only as many connections as they are (httpcore looks at
    every idle one each time a request starts or ends)."""
    import httpx

    from riotjobs.riot._gather import on_wide_thread
    from riotjobs.riot._transport import Connections

    def fetch(item: tuple[str, int]) -> bool:
        return on_wide_thread()

    items = [("americas", i) for i in range(60)] + [("na1", i) for i in range(3)]
    wide: dict[tuple[str, int], object] = {}
    for ready in gather_ready(fetch, items, workers=4, lane=lambda item: item[0], wide=10):
        wide.update(ready)
    assert {i for (lane, i), flag in wide.items() if lane == "americas" and flag} == {
        *range(8),  # the head: twice the lane's threads
        *range(50, 60),  # the tail: wide=10
    }
    assert not any(flag for (lane, _), flag in wide.items() if lane == "na1")  # 3 items: none
    assert not on_wide_thread()

    made: list[bool] = []

    def make(for_wide: bool) -> httpx.Client:
        made.append(for_wide)
        return httpx.Client()

    connections = Connections(make)
    try:
        steady = connections.for_routing("americas")
        assert connections.for_routing("americas", wide=True) is not steady
        assert connections.for_routing("americas") is steady
        assert made == [False, True]
    finally:
        connections.close()
