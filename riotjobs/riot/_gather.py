"""Running many requests on threads, one lane per routing value.

Riot's budgets are per routing value: americas and europe each have their own application and
method limits. One pool of threads over items queued region by region would spend all its
threads waiting on the first region's limiter while the others' budgets went unused. So items
may be split into lanes (by routing value): each lane has its own threads, keeps its items'
order, and waits only on its own budget.

A lane's first and last items run all at once (its *head*, the ``2 * workers`` items it would
submit anyway, and its *tail*, at most ``wide`` items): each of them gets a thread of its own,
and the tail starts once no more than ``wide`` of the lane's items are left (running or not
started). Those threads only wait at the limiter, whose leader hands a window to all of them in
one take, so the first window (whose time runs from the first request, while the lane waited
for its method's probe) and the last one leave at once instead of in waves of ``workers``, a
round trip apart. The windows in between keep ``workers`` threads: more threads there only
compete for the interpreter with the thread whose response must be stamped before the next
window opens (a head of 48 threads cost long B1 about 0.004 of utilization, 32 about half).
Wide threads say so (``on_wide_thread``): the transport gives them HTTP connections of their
own, so the steady threads' connection pool stays as short as their number.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from itertools import islice
from threading import local
from typing import Generic, TypeVar

from riotjobs.riot.errors import InvalidKeyError, RateLimitBudgetExhausted, RiotAPIError

T = TypeVar("T")
R = TypeVar("R")

# These stop a whole batch: nothing else in it can succeed.
FATAL = (InvalidKeyError, RateLimitBudgetExhausted)

_thread = local()


def _mark_wide() -> None:
    _thread.wide = True


def on_wide_thread() -> bool:
    """Whether this thread is a lane's wide thread (its head or tail): those use HTTP
    connections of their own, so the steady threads' pool stays short (``Connections``)."""
    return getattr(_thread, "wide", False)


class _Lane(Generic[T, R]):
    """One lane's threads and the items it has not started, in order. ``running`` is shared by
    every lane of a batch: each submitted future's item and lane."""

    def __init__(
        self,
        items: Iterator[T],
        workers: int,
        name: str,
        wide: int,
        left: int | None = None,
    ) -> None:
        self.items = items
        self.name = name
        self.workers = workers
        self.wide = wide
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self.wide_pool: ThreadPoolExecutor | None = None
        # Twice the threads in submitted futures, so a thread that finishes finds the next
        # item already queued rather than waiting for this generator's turn.
        self.depth = workers * 2
        self.submitted = 0  # futures of this lane not finished
        self.left = left  # items not finished (None: not counted, the items are read lazily)
        self.tail = False

    def start(self, fn: Callable[[T], R], running: dict[Future[R], tuple[T, _Lane[T, R]]]) -> None:
        """Submit the first items: the head, each on a thread of its own, or ``depth``."""
        head = min(self.wide, self.depth)  # the futures it submits anyway, each on a thread
        if self.left is not None and self.workers < min(self.left, head):
            self._go_wide(fn, running, list(islice(self.items, head)))
        self.top_up(fn, running)

    def top_up(self, fn: Callable[[T], R], running: dict[Future[R], tuple[T, _Lane[T, R]]]) -> None:
        """Keep ``depth`` futures submitted while items are left (lazily: a long list is never
        queued all at once)."""
        for item in islice(self.items, max(0, self.depth - self.submitted)):
            running[self.pool.submit(fn, item)] = (item, self)
            self.submitted += 1

    def finished_one(
        self, fn: Callable[[T], R], running: dict[Future[R], tuple[T, _Lane[T, R]]]
    ) -> None:
        """One item finished: queue the next, or start the tail once few enough are left."""
        self.submitted -= 1
        if self.left is not None:
            self.left -= 1
            if not self.tail and self.workers < self.left <= self.wide:
                self.tail = True
                # Items queued behind this lane's busy threads move to the wide pool, in order.
                queued = [f for f, (_, owner) in running.items() if owner is self and f.cancel()]
                todo = [running.pop(f)[0] for f in queued]
                self.submitted -= len(queued)
                self._go_wide(fn, running, [*todo, *self.items])
                return
        self.top_up(fn, running)

    def _go_wide(
        self, fn: Callable[[T], R], running: dict[Future[R], tuple[T, _Lane[T, R]]], todo: list[T]
    ) -> None:
        if not todo:
            return
        if self.wide_pool is None:  # a head or a tail never holds more than ``wide`` items
            self.wide_pool = ThreadPoolExecutor(
                max_workers=self.wide,
                thread_name_prefix=f"{self.name}-wide",
                initializer=_mark_wide,
            )
        for item in todo:
            running[self.wide_pool.submit(fn, item)] = (item, self)
        self.submitted += len(todo)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.wide_pool is not None:
            self.wide_pool.shutdown(wait=True, cancel_futures=True)


def gather_ready(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    lane: Callable[[T], Hashable] | None = None,
    wide: int = 0,
) -> Iterator[list[tuple[T, R | RiotAPIError]]]:
    """Run ``fn(item)`` on threads; yield every result that is ready at once as one list.

    Without ``lane`` the items share ``workers`` threads and are read lazily. With it, the
    items are read at once and split by ``lane(item)``; each lane gets up to ``workers``
    threads of its own, except its first ``2 * workers`` items (at most ``wide``) and, once at
    most ``wide`` of its items are left, those not started: each of them gets a thread
    (``wide`` is shared by the lanes with more than ``workers`` items). A ``RiotAPIError`` is
    yielded in place of its result, except the ``FATAL`` ones, which stop the batch: items not
    yet started are dropped, those running finish and are yielded (their requests were paid
    for), then the error is raised. Any other exception stops the batch the same way.
    """
    lanes: list[_Lane[T, R]] = _lanes(items, workers, lane, wide)
    running: dict[Future[R], tuple[T, _Lane[T, R]]] = {}  # each future's item and lane
    fatal: BaseException | None = None
    try:
        for each in lanes:
            each.start(fn, running)
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
                    # Not started: dropped (a head or tail queues many items at once).
                    for queued in [f for f in running if f.cancel()]:
                        del running[queued]
                if fatal is None:
                    owner.finished_one(fn, running)
            if ready:
                yield ready
        if fatal is not None:
            raise fatal
    finally:
        for each in lanes:
            each.shutdown()


def _lanes(
    items: Iterable[T], workers: int, lane: Callable[[T], Hashable] | None, wide: int
) -> list[_Lane[T, R]]:
    if lane is None:
        return [_Lane(iter(items), workers, "riot", workers)]
    split: dict[Hashable, list[T]] = {}
    for item in items:
        split.setdefault(lane(item), []).append(item)
    # A lane of three items needs three threads, not sixteen. The lanes that could go wide
    # share ``wide`` between them: every thread runs on one interpreter, and several regions'
    # lanes together already keep it busy (B8), where more threads only add contention.
    long = sum(len(mine) > workers for mine in split.values())
    each = max(workers, wide // max(1, long))
    return [
        _Lane(iter(mine), min(workers, len(mine)), f"riot-{key}", each, len(mine))
        for key, mine in split.items()
    ]
