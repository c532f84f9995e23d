"""The in-process combining of slot requests and completions (no database: fake take/flush)."""

from __future__ import annotations

import threading
import time

import pytest

from riotjobs.riot.errors import RateLimitBudgetExhausted
from riotjobs.riot.limiter._combine import CompletionQueue, SlotQueue


class FakeBudget:
    """``take(n)``: up to ``free`` slots now, then ``refill`` more after ``every`` seconds."""

    def __init__(self, free: int, every: float = 0.05, refill: int = 0) -> None:
        self.free, self.every, self.refill = free, every, refill
        self.calls: list[int] = []
        self.given_back: list[int] = []
        self.next = 0
        self.lock = threading.Lock()

    def take(self, wanted: int) -> tuple[float, list[int]]:
        with self.lock:
            self.calls.append(wanted)
            time.sleep(0.01)  # a round trip, so waiters pile up behind the leader
            got = min(wanted, self.free)
            self.free -= got
            slots = list(range(self.next, self.next + got))
            self.next += got
            if not slots and self.refill:
                self.free += self.refill
            return (0.0 if slots else self.every), slots

    def give_back(self, slots: list[int]) -> None:
        self.given_back += slots


def run_threads(n: int, fn: object) -> list[object]:
    results: list[object] = [None] * n

    def one(i: int) -> None:
        try:
            results[i] = fn()  # type: ignore[operator]
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_waiters_share_a_take_and_each_gets_one_slot() -> None:
    budget = FakeBudget(free=100)
    queue: SlotQueue[int] = SlotQueue(budget.take, budget.give_back, "test")
    got = run_threads(12, lambda: queue.get(None))
    assert sorted(got) == list(range(12))  # type: ignore[type-var]
    assert len(budget.calls) < 12  # some takes served several waiters
    assert max(budget.calls) > 1
    assert budget.given_back == []


def test_a_waiter_past_its_deadline_is_refused_and_its_slot_is_not_lost() -> None:
    budget = FakeBudget(free=1, every=0.5, refill=1)
    queue: SlotQueue[int] = SlotQueue(budget.take, budget.give_back, "test")
    assert queue.get(None) == 0
    started = time.monotonic()
    # The next slot is 0.5 s away: a deadline 0.1 s out is refused at once, without sleeping.
    with pytest.raises(RateLimitBudgetExhausted, match="before the run's deadline"):
        queue.get(time.monotonic() + 0.1)
    assert time.monotonic() - started < 0.3
    assert queue.get(time.monotonic() + 5) == 1  # the refilled slot


def test_slots_taken_for_waiters_that_left_are_given_back() -> None:
    budget = FakeBudget(free=10)
    queue: SlotQueue[int] = SlotQueue(budget.take, budget.give_back, "test")
    # Simulate the race: the leader saw two waiters, one left before the take returned.
    original = budget.take

    def take(wanted: int) -> tuple[float, list[int]]:
        return original(wanted + 1)  # one more slot than there are waiters

    queue._take = take
    assert queue.get(None) == 0
    assert budget.given_back == [1]


def test_completions_are_written_in_batches_and_errors_reach_every_caller() -> None:
    batches: list[list[int]] = []

    def flush(batch: list[int]) -> None:
        time.sleep(0.02)
        batches.append(batch)

    queue: CompletionQueue[int] = CompletionQueue(flush)
    counter = iter(range(1000))
    lock = threading.Lock()

    def put() -> None:
        with lock:
            item = next(counter)
        queue.put(item)

    run_threads(10, put)
    assert sorted(x for b in batches for x in b) == list(range(10))
    assert len(batches) < 10

    def failing(batch: list[int]) -> None:
        time.sleep(0.02)
        raise RuntimeError("database gone")

    broken: CompletionQueue[int] = CompletionQueue(failing)
    results = run_threads(5, lambda: broken.put(1))
    assert all(isinstance(r, RuntimeError) for r in results)


def test_slots_nobody_waits_for_wait_as_spares_until_they_expire() -> None:
    budget = FakeBudget(free=100)
    queue = SlotQueue(
        lambda n: budget.take(n + 3), budget.give_back, "x", keep=lambda s: True, spare_life=0.2
    )
    assert queue.get(None) == 0  # the leader took four: one for itself, three spares
    assert [queue.get(None), queue.get(None)] == [1, 2]
    assert budget.calls == [4]  # the spares came without asking again
    time.sleep(0.25)
    assert queue.get(None) == 4  # the last spare expired: handed back, and a fresh take
    assert budget.given_back == [3]
    assert queue.drain() == [5, 6, 7]


def test_slots_that_may_not_be_kept_are_handed_back_at_once() -> None:
    budget = FakeBudget(free=100)
    queue = SlotQueue(lambda n: budget.take(n + 3), budget.give_back, "x", keep=lambda s: s > 2)
    assert queue.get(None) == 0
    assert budget.given_back == [1, 2] and queue.drain() == [3]


def test_late_completions_are_written_by_the_timer_or_a_full_batch() -> None:
    written: list[list[int]] = []
    queue = CompletionQueue(written.append, delay=0.05, batch=3)
    queue.put_later(1)
    assert written == []  # returned at once
    time.sleep(0.1)
    assert written == [[1]]  # the timer wrote it
    for item in (2, 3, 4):
        queue.put_later(item)
    assert written == [[1], [2, 3, 4]]  # the third filled the batch: written by its thread
    queue.put_later(5)
    queue.put(6)  # a waiting completion takes the late ones along
    assert written[-1] == [5, 6]
    queue.put_later(7)
    queue.flush_now()
    assert written[-1] == [7]
