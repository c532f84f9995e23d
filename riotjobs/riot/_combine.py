"""Combining: the threads of one process that want slots for the same scopes share one database
transaction, and so do the threads that hand slots back.

The limiter's rows are locked for every acquire and every completion, so one process doing a
transaction per request is capped at one request per couple of round trips, and its threads
queue behind each other for the row lock. Here they queue in memory instead:

- ``SlotQueue``: waiters line up first in, first out; one of them (the *leader*) asks the
  database for as many slots as there are waiters, hands out what it got in order, and sleeps
  until the next slot frees when it got fewer. Leadership passes on once the leader's own
  ticket is served.
- ``CompletionQueue``: a group commit. The first thread to hand back a slot writes every
  completion queued behind it in one statement; those that arrive meanwhile wait for the next.

Both only change how many requests share a round trip, not the rules: a slot is still taken
under the rows' locks, and a completion that waits for its batch is counted as pending (as
completing *now*) until it lands, which errs towards waiting.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from riotjobs.riot.errors import RateLimitBudgetExhausted

S = TypeVar("S")
T = TypeVar("T")


@dataclass(eq=False)
class _Ticket(Generic[S]):
    deadline: float | None  # time.monotonic()
    slot: S | None = None
    error: str | None = None


class SlotQueue(Generic[S]):
    """This process's waiters for one scope set. ``take(n)`` asks the database for up to ``n``
    slots and returns ``(seconds until the next one frees, slots taken)``; ``give_back`` returns
    slots nobody waits for any more (their waiters gave up at their deadline meanwhile)."""

    def __init__(
        self,
        take: Callable[[int], tuple[float, list[S]]],
        give_back: Callable[[list[S]], None],
        label: str,
    ) -> None:
        self._take = take
        self._give_back = give_back
        self._label = label
        self._cond = threading.Condition()
        self._waiting: deque[_Ticket[S]] = deque()
        self._leading = False
        self._next_free: float | None = None  # while the leader sleeps: when it will look again
        self._nudged = threading.Event()

    def get(self, deadline: float | None) -> S:
        """A slot, in arrival order. Raises ``RateLimitBudgetExhausted`` at once when the next
        free slot is known to lie past ``deadline``, and at ``deadline`` if none came."""
        ticket: _Ticket[S] = _Ticket(deadline)
        with self._cond:
            if deadline is not None and self._next_free is not None and self._next_free > deadline:
                self._refuse(ticket, self._next_free)
                return self._result(ticket)
            self._waiting.append(ticket)
            while ticket.slot is None and ticket.error is None and self._leading:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    self._waiting.remove(ticket)
                    ticket.error = self._past_deadline("the requests queued before this one")
                    break
                self._cond.wait(left)
            if ticket.slot is not None or ticket.error is not None:
                return self._result(ticket)
            self._leading = True
        try:
            self._lead(ticket)
        finally:
            with self._cond:
                self._leading = False
                self._next_free = None
                self._cond.notify_all()
        return self._result(ticket)

    def _lead(self, ticket: _Ticket[S]) -> None:
        while True:
            with self._cond:
                wanted = len(self._waiting)
            # Cleared before asking, so a lesson learned after this take still wakes the sleep.
            self._nudged.clear()
            wait, slots = self._take(wanted)
            spare = []
            with self._cond:
                for slot in slots:
                    if self._waiting:
                        self._waiting.popleft().slot = slot
                    else:
                        spare.append(slot)
                if slots:
                    self._cond.notify_all()
            if spare:
                self._give_back(spare)
            with self._cond:
                if ticket.slot is not None:
                    return
                if slots:
                    continue  # some were left: ask again at once
                wait = max(wait, 0.001)
                wake = time.monotonic() + wait
                late = [t for t in self._waiting if t.deadline is not None and t.deadline < wake]
                for waiter in late:
                    self._waiting.remove(waiter)
                    self._refuse(waiter, wake)
                if late:
                    self._cond.notify_all()
                if ticket.error is not None:
                    return
                self._next_free = wake
            # A little jitter so processes woken for the same slot do not all collide.
            self._nudged.wait(wait + random.uniform(0, 0.002))
            with self._cond:
                self._next_free = None

    def nudge(self) -> None:
        """Wake a sleeping leader now: something this process learned may have freed a slot
        (a probe taught the limits), which other processes only see at their next look."""
        self._nudged.set()

    def _refuse(self, ticket: _Ticket[S], wake: float) -> None:
        ticket.error = self._past_deadline(f"the next is {wake - time.monotonic():.1f}s away")

    def _past_deadline(self, why: str) -> str:
        return f"rate limit: no request slot for {self._label} before the run's deadline ({why})"

    @staticmethod
    def _result(ticket: _Ticket[S]) -> S:
        if ticket.slot is None:
            raise RateLimitBudgetExhausted(ticket.error or "rate limit: no request slot")
        return ticket.slot


@dataclass(eq=False)
class _Entry(Generic[T]):
    item: T
    done: bool = False
    error: BaseException | None = None


class CompletionQueue(Generic[T]):
    """A group commit: ``put`` returns once ``flush`` has written a batch holding ``item``."""

    def __init__(self, flush: Callable[[list[T]], None]) -> None:
        self._flush = flush
        self._cond = threading.Condition()
        self._queued: list[_Entry[T]] = []
        self._flushing = False

    def put(self, item: T) -> None:
        entry = _Entry(item)
        with self._cond:
            self._queued.append(entry)
            while not entry.done and self._flushing:
                self._cond.wait()
            if entry.done:
                if entry.error is not None:
                    raise entry.error
                return
            batch, self._queued = self._queued, []
            self._flushing = True
        error: BaseException | None = None
        try:
            self._flush([e.item for e in batch])
        except BaseException as exc:
            error = exc
            raise
        finally:
            with self._cond:
                for other in batch:
                    other.done, other.error = True, error
                self._flushing = False
                self._cond.notify_all()
