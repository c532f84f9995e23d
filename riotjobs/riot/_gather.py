"""Running many requests on threads, one lane per routing value.

Riot's budgets are per routing value: americas and europe each have their own application and
method limits. One pool of threads over items queued region by region would spend all its
threads waiting on the first region's limiter while the others' budgets went unused. So items
may be split into lanes (by routing value): each lane has its own threads, keeps its items'
order, and waits only on its own budget.

A lane's last items run all at once (its *tail*): once no more than ``tail`` of them are left
(running or not started), every one that has not started gets a thread of its own. Each of
those threads only waits at the limiter, whose leader then hands the last window to all of them
in one take, so it leaves at once instead of in waves of ``workers``, a round trip apart. The
lane's earlier windows keep ``workers`` threads: more threads there would only compete for the
interpreter with the thread whose response must be stamped before the next window opens.
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

    def __init__(
        self, items: Iterator[T], workers: int, name: str, left: int | None = None
    ) -> None:
        self.items = items
        self.name = name
        self.workers = workers
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self.tail_pool: ThreadPoolExecutor | None = None
        # Twice the threads in submitted futures, so a thread that finishes finds the next
        # item already queued rather than waiting for this generator's turn.
        self.depth = workers * 2
        self.left = left  # items not finished (None: not counted, the items are read lazily)

    def submit_next(
        self, fn: Callable[[T], R], running: dict[Future[R], tuple[T, _Lane[T, R]]]
    ) -> None:
        for item in self.items:  # lazily: a long list is never queued all at once
            running[self.pool.submit(fn, item)] = (item, self)
            return

    def finished_one(
        self, fn: Callable[[T], R], running: dict[Future[R], tuple[T, _Lane[T, R]]], tail: int
    ) -> None:
        """One item finished: queue the next, or start the tail once few enough are left."""
        if self.left is not None:
            self.left -= 1
            if self.tail_pool is None and self.workers < self.left <= tail:
                self._start_tail(fn, running)
                return
        self.submit_next(fn, running)

    def _start_tail(
        self, fn: Callable[[T], R], running: dict[Future[R], tuple[T, _Lane[T, R]]]
    ) -> None:
        # Items queued behind this lane's busy threads move to the tail's, in order.
        queued = [f for f, (_, owner) in running.items() if owner is self and f.cancel()]
        todo = [running.pop(f)[0] for f in queued]
        todo += list(self.items)
        if not todo:
            return
        self.tail_pool = ThreadPoolExecutor(
            max_workers=len(todo), thread_name_prefix=f"{self.name}-tail"
        )
        for item in todo:
            running[self.tail_pool.submit(fn, item)] = (item, self)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.tail_pool is not None:
            self.tail_pool.shutdown(wait=True, cancel_futures=True)


def gather_ready(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    lane: Callable[[T], Hashable] | None = None,
    tail: int = 0,
) -> Iterator[list[tuple[T, R | RiotAPIError]]]:
    """Run ``fn(item)`` on threads; yield every result that is ready at once as one list.

    Without ``lane`` the items share ``workers`` threads and are read lazily. With it, the
    items are read at once and split by ``lane(item)``; each lane gets up to ``workers``
    threads of its own, and once at most ``tail`` of a lane's items are left (more than
    ``workers``), each of them that has not started gets a thread. A ``RiotAPIError`` is
    yielded in place of its result, except the
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
                    # Not started: dropped (a tail queues every item it has left).
                    for queued in [f for f in running if f.cancel()]:
                        del running[queued]
                if fatal is None:
                    owner.finished_one(fn, running, tail)
            if ready:
                yield ready
        if fatal is not None:
            raise fatal
    finally:
        for each in lanes:
            each.shutdown()


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
        _Lane(iter(mine), min(workers, len(mine)), f"riot-{key}", len(mine))
        for key, mine in split.items()
    ]
