"""Running many requests on threads, one lane per routing value.

Riot's budgets are per routing value: americas and europe each have their own application and
method limits. One pool of threads over items queued region by region would spend all its
threads waiting on the first region's limiter while the others' budgets went unused. So items
may be split into lanes (by routing value): each lane has its own threads, keeps its items'
order, and waits only on its own budget.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

from riotjobs.riot.errors import InvalidKeyError, RateLimitBudgetExhausted, RiotAPIError

T = TypeVar("T")
R = TypeVar("R")

# These stop a whole batch: nothing else in it can succeed.
FATAL = (InvalidKeyError, RateLimitBudgetExhausted)


class _Lane(Generic[T, R]):
    """One lane's threads and the items it has not started, in order."""

    def __init__(self, items: Iterator[T], workers: int, name: str) -> None:
        self.items = items
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        # Twice the threads in submitted futures, so a thread that finishes finds the next
        # item already queued rather than waiting for this generator's turn.
        self.depth = workers * 2
        self.running = 0

    def submit_next(
        self, fn: Callable[[T], R], running: dict[Future[R], tuple[T, _Lane[T, R]]]
    ) -> None:
        for item in self.items:  # lazily: a long list is never queued all at once
            running[self.pool.submit(fn, item)] = (item, self)
            self.running += 1
            return


def gather_ready(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    lane: Callable[[T], Hashable] | None = None,
) -> Iterator[list[tuple[T, R | RiotAPIError]]]:
    """Run ``fn(item)`` on threads; yield every result that is ready at once as one list.

    Without ``lane`` the items share ``workers`` threads and are read lazily. With it, the
    items are read at once and split by ``lane(item)``; each lane gets up to ``workers``
    threads of its own. A ``RiotAPIError`` is yielded in place of its result, except the
    ``FATAL`` ones, which stop the batch: items not yet started are dropped, those running
    finish and are yielded (their requests were paid for), then the error is raised. Any other
    exception stops the batch the same way.
    """
    lanes: list[_Lane[T, R]] = _lanes(items, workers, lane)
    running: dict[Future[R], tuple[T, _Lane[T, R]]] = {}  # each future's item and lane
    fatal: BaseException | None = None
    try:
        for each in lanes:
            for _ in range(each.depth):
                each.submit_next(fn, running)
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            ready: list[tuple[T, R | RiotAPIError]] = []
            for future in done:
                item, owner = running.pop(future)
                exc = future.exception()
                if exc is None:
                    ready.append((item, future.result()))
                elif isinstance(exc, RiotAPIError) and not isinstance(exc, FATAL):
                    ready.append((item, exc))
                elif fatal is None:
                    fatal = exc
                if fatal is None:
                    owner.submit_next(fn, running)
            if ready:
                yield ready
        if fatal is not None:
            raise fatal
    finally:
        for each in lanes:
            each.pool.shutdown(wait=True, cancel_futures=True)


def _lanes(
    items: Iterable[T], workers: int, lane: Callable[[T], Hashable] | None
) -> list[_Lane[T, R]]:
    if lane is None:
        return [_Lane(iter(items), workers, "riot")]
    split: dict[Hashable, list[T]] = {}
    for item in items:
        split.setdefault(lane(item), []).append(item)
    # A lane of three items needs three threads, not sixteen.
    return [
        _Lane(iter(mine), min(workers, len(mine)), f"riot-{key}") for key, mine in split.items()
    ]
