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
