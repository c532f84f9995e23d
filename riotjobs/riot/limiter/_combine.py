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

Far below the limits (see ``Limiter``), the leader may take more slots than there are waiters:
the extra ones wait here as *spares* for the next threads, for at most ``spare_life`` seconds,
and are handed back after that. Their pending stamps count meanwhile, so a spare only ever
holds budget back. Completions of such requests can be queued without waiting (``put_later``):
a timer or the queue's next writer writes them shortly after.
"""

from __future__ import annotations

import logging
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

log = logging.getLogger("riotjobs.riot.limiter")


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
        *,
        keep: Callable[[S], bool] = lambda slot: False,
        spare_life: float = 0.5,
    ) -> None:
        self._take = take
        self._give_back = give_back
        self._label = label
        self._keep = keep  # may a slot nobody waits for wait here as a spare?
        self._spare_life = spare_life
        self._cond = threading.Condition()
        self._waiting: deque[_Ticket[S]] = deque()
        self._spares: deque[tuple[S, float]] = deque()  # (slot, time.monotonic() it expires)
        self._leading = False
        self._next_free: float | None = None  # while the leader sleeps: when it will look again
        self._nudged = threading.Event()

    def get(self, deadline: float | None) -> S:
        """A slot, in arrival order. Raises ``RateLimitBudgetExhausted`` at once when the next
        free slot is known to lie past ``deadline``, and at ``deadline`` if none came."""
        spare, stale = self._spare()
        if stale:
            self._give_back(stale)
        if spare is not None:
            return spare
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

    def _spare(self) -> tuple[S | None, list[S]]:
        """A live spare slot if there is one, and the expired ones to hand back."""
        stale: list[S] = []
        with self._cond:
            now = time.monotonic()
            while self._spares:
                slot, expires = self._spares.popleft()
                if expires > now:
                    return slot, stale
                stale.append(slot)
        return None, stale

    def drain(self) -> list[S]:
        """Every spare slot, for handing back (the process is done with this queue)."""
        with self._cond:
            spares = [slot for slot, _ in self._spares]
            self._spares.clear()
        return spares

    def _lead(self, ticket: _Ticket[S]) -> None:
        while True:
            with self._cond:
                wanted = len(self._waiting)
            # Cleared before asking, so a lesson learned after this take still wakes the sleep.
            self._nudged.clear()
            wait, slots = self._take(wanted)
            unwanted = []
            with self._cond:
                expires = time.monotonic() + self._spare_life
                for slot in slots:
                    if self._waiting:
                        self._waiting.popleft().slot = slot
                    elif self._keep(slot):
                        self._spares.append((slot, expires))
                    else:
                        unwanted.append(slot)
                if slots:
                    self._cond.notify_all()
            if unwanted:
                self._give_back(unwanted)
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
    """A group commit: ``put`` returns once ``flush`` has written a batch holding ``item``;
    ``put_later`` returns at once, and its item is written within about ``delay`` seconds, or
    sooner once ``batch`` items are queued, or by ``flush_now``."""

    def __init__(
        self, flush: Callable[[list[T]], None], *, delay: float = 0.02, batch: int = 16
    ) -> None:
        self._flush = flush
        self._delay = delay
        self._batch = batch
        self._cond = threading.Condition()
        self._queued: list[_Entry[T]] = []
        self._flushing = False
        self._timer: threading.Timer | None = None

    def put_later(self, item: T) -> None:
        with self._cond:
            self._queued.append(_Entry(item))
            full = len(self._queued) >= self._batch and not self._flushing
            if not full and self._timer is None:
                self._timer = threading.Timer(self._delay, self._on_timer)
                self._timer.daemon = True
                self._timer.start()
        if full:
            self.flush_now()

    def _on_timer(self) -> None:
        with self._cond:
            self._timer = None
        try:
            self.flush_now()
        except Exception as exc:  # nobody waits for these: their stamps stay pending until the hold
            log.warning("rate limit: could not record completed requests: %s", exc)

    def flush_now(self) -> None:
        """Write everything queued so far (waiting for a write already under way)."""
        with self._cond:
            while self._flushing:
                self._cond.wait()
            if not self._queued:
                return
            batch, self._queued = self._queued, []
            self._flushing = True
        self._write(batch)

    def _write(self, batch: list[_Entry[T]]) -> None:
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
        self._write(batch)
