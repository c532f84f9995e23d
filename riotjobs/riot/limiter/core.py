"""A rate limiter shared, through Postgres, by every process that uses the same key and database.

Riot limits each key per routing value twice: an *application* limit over all methods and a
*method* limit per endpoint, each a list of ``count:window`` pairs. Repeated 429s get a key
blacklisted, and two cron jobs may run at once, so the state lives in ``rate_limit_scopes`` rows
rather than in memory.

Each scope keeps a **sliding log** of database-clock times (``clock_timestamp()``, so hosts agree).
A request fits when, for every pair of both scopes, fewer than ``count`` stamps lie within the
last ``window + margin`` seconds. Riot counts in fixed windows that start at the first request's
*arrival*, which lags our acquire by a varying delay we cannot see (scheduling, connection set-up,
a TLS handshake). So a request is logged at its **completion**: ``acquire`` writes a *pending*
stamp (stored negated), and ``observe`` replaces it with ``acquire time + local monotonic time
elapsed`` once the response or error is back. Arrival precedes completion, so no ``window`` can
receive more than ``count`` requests, whatever the delays: the last of them to acquire would have
seen all the others pending or completed after the window's start, and been refused. A pending
request counts as completing *now*, for at most ``pending_hold`` seconds (a crashed process must
not hold a slot forever). The margin only covers clock granularity; the price is an effective
window of ``window`` plus one round trip.

A response that Riot counted first in its window (``-Count`` reads 1) is that window's
**anchor**: the window closes by the anchor's completion + ``window``. A request acquired after
the anchor came back and itself back before the anchor's acquire + ``window`` was counted in
that same window, so it is logged at the anchor's completion instead of its own, when every
window of the row has such an anchor. The requests of a window that went out over several round
trips then free together when it ends (migration 0004 has the rule and why it stays safe).

``acquire`` is one call of the database function ``riotjobs_rl_take`` (migration 0003): it
locks the app and method rows (``FOR UPDATE``, in sorted order so two acquirers never deadlock),
counts the stamps where they lie, appends pending ones and commits. The threads of a process
that want the same scopes queue in memory and the head of the queue takes a slot for each of
them in that one call (``_combine.py``). When no slot is free the head sleeps until the oldest
blocking stamp ages out and asks again, or raises ``RateLimitBudgetExhausted`` at once when
that moment lies past the run's deadline.

``observe`` completes the request's stamp (one call of ``riotjobs_rl_done``, locking the rows
in the same order; the completions of a process's threads share it too) and learns from the
response: announced limits replace the configured ones, and when the ``-Count`` headers show
Riot counted more than our log did (another user of the key, a lost stamp), phantom stamps are
added so we back off.
Until a scope's limits have been announced, only one request at a time probes it. ``block``
records a 429's ``Retry-After`` for every process.

Far below the limits (by this process's last count, ``ROOMY`` times the slots asked for), the
database work per request is what limits throughput, not Riot: the leader then takes
``SPARE_SLOTS`` extra slots, which wait in memory for the next threads (half a second at most,
then they are handed back), and completions that can teach nothing urgent are written by the
next batch or a 20 ms timer instead of each waiting for its own statement. Both only hold
budget back longer: a spare's pending stamp counts from the moment it was taken, and a queued
completion counts as in flight until it is written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from riotjobs.riot.headers import Limits, format_limits
from riotjobs.riot.limiter._combine import CompletionQueue, SlotQueue
from riotjobs.riot.limiter._pool import ConnectionPool
from riotjobs.riot.limiter._slots import (
    COUNT_SLACK,
    DEFAULT_APP_LIMITS,
    DEFAULT_METHOD_LIMITS,
    Row,
    Scope,
    Slot,
    excess,
    log_counter,
    phantoms,
    stored_limits,
)
from riotjobs.riot.limiter._sql import (
    BLOCK_SQL,
    DONE_SQL,
    ENSURE_SQL,
    LOCK_SQL,
    TAKE_SQL,
    WRITE_SQL,
)

__all__ = [
    "DEFAULT_APP_LIMITS",
    "DEFAULT_MARGIN",
    "DEFAULT_METHOD_LIMITS",
    "Limiter",
    "Scope",
    "Slot",
    "phantoms",
]

log = logging.getLogger("riotjobs.riot.limiter")

DEFAULT_MARGIN = 0.01  # clock granularity only: stamps are completion times
PROBE_POLL = 0.05  # how often waiters look whether a probe has taught the limits
# Far below the limits (this many times the slots asked for, by our last count), the leader
# takes SPARE_SLOTS more than it has waiters, and completions are written a little later.
ROOMY = 8
SPARE_SLOTS = 16

Facts = dict[str, tuple[Limits | None, Limits | None]]  # scope id -> (limits, counts)
Lesson = tuple[Limits | None, Limits | None, bool]  # announced limits, counts, answered
Change = tuple[Limits, bool, float | None, int]  # limits, learned, probe_until, phantoms


@dataclass(frozen=True)
class _Done:
    """A request handed back: its slot, completion time (None: never sent) and lessons."""

    slot: Slot
    at: float | None
    facts: Facts
    answered: bool


class Limiter:
    """The shared limiter. Thread-safe: each call borrows its own connection."""

    def __init__(
        self,
        db_url: str,
        *,
        margin: float = DEFAULT_MARGIN,
        probe_timeout: float = 10.0,
        pending_hold: float | None = None,
    ) -> None:
        self.margin = margin
        self.probe_timeout = probe_timeout
        # The longest a request may stay in flight (connect + write + read timeouts, and more);
        # past it a pending stamp left by a crashed process counts as completed at that point.
        self.pending_hold = pending_hold if pending_hold is not None else 3 * probe_timeout
        self._pool = ConnectionPool(db_url)
        self._ensured: set[str] = set()
        # Per scope set, this process's waiters and completions share transactions (_combine).
        self._slot_queues: dict[tuple[str, ...], SlotQueue[Slot]] = {}
        self._done_queues: dict[tuple[str, ...], CompletionQueue[_Done]] = {}
        self._queues_guard = threading.Lock()
        # Per scope, as of this process's last completion there: its limits, and how many more
        # requests every window of them had room for (absent: unknown, or not learned).
        self._known: dict[str, Limits] = {}
        self._room: dict[str, int] = {}

    def close(self) -> None:
        """Write the completions still queued, hand back spare slots, close the connections."""
        with self._queues_guard:
            done_queues = list(self._done_queues.values())
            slot_queues = list(self._slot_queues.items())
        try:
            for done_queue in done_queues:
                done_queue.flush_now()
            for key, slot_queue in slot_queues:
                self._give_back(key, slot_queue.drain())
        finally:  # what could not be written stays pending until the hold, like a crash's
            self._pool.close()

    # --- acquire --------------------------------------------------------------------------------

    def acquire(self, scopes: Sequence[Scope], *, deadline: float | None = None) -> Slot:
        """Take one request slot in every scope, waiting as needed.

        Pass the slot to ``observe`` once the request has ended, whatever its outcome. Raises
        ``RateLimitBudgetExhausted`` without sleeping when the next slot lies past ``deadline``
        (a ``time.monotonic()`` value).
        """
        return self._slot_queue(scopes).get(deadline)

    def _slot_queue(self, scopes: Sequence[Scope]) -> SlotQueue[Slot]:
        key = tuple(sorted(s.id for s in scopes))
        with self._queues_guard:
            queue = self._slot_queues.get(key)
            if queue is None:
                fixed = tuple(scopes)
                queue = self._slot_queues[key] = SlotQueue(
                    lambda wanted: self._take(fixed, wanted),
                    lambda slots: self._give_back(key, slots),
                    fixed[-1].label,
                    keep=lambda slot: slot.roomy,
                )
            return queue

    def _take(self, scopes: Sequence[Scope], wanted: int) -> tuple[float, list[Slot]]:
        """Add up to ``wanted`` pending stamps to every scope, in one call: the slots taken, or
        none and the seconds until one would fit."""
        self._ensure(scopes)
        ids = sorted(s.id for s in scopes)
        room = min(self._room.get(i, 0) for i in ids)
        asked = wanted + SPARE_SLOTS if room >= ROOMY * (wanted + SPARE_SLOTS) else wanted
        args = (ids, asked, self.margin, self.pending_hold, self.probe_timeout, PROBE_POLL)
        with self._pool.connection() as conn:
            taken = time.monotonic()
            rec = conn.execute(TAKE_SQL, (*args, COUNT_SLACK)).fetchone()
        assert rec is not None
        stamps, wait, _ = rec
        if stamps is None:  # a row was deleted under us (cleanup): recreate it
            self._ensured.difference_update(ids)
            return float(wait), []
        roomy = asked > wanted and len(stamps) == asked
        if not roomy:
            for i in ids:  # until a completion counts again
                self._room.pop(i, None)
        return float(wait), [Slot(float(s), taken, roomy) for s in stamps]

    def _give_back(self, ids: tuple[str, ...], slots: Sequence[Slot]) -> None:
        """Drop slots whose requests were never sent (their waiters gave up meanwhile, or the
        process is done with its spares). ``ids`` are the scope ids, sorted."""
        if slots:
            facts: Facts = {scope: (None, None) for scope in ids}
            self._complete(ids, [_Done(slot, None, facts, answered=False) for slot in slots])

    def _trimmed(self, row: Row, now: float, done: Sequence[float] = ()) -> list[float]:
        """The row's stored array plus ``done`` stamps, without those older than any window
        needs. Pending stamps are stored negated."""
        longest = max((window for _, window in row.limits), default=0.0)
        horizon = now - longest - self.margin - COUNT_SLACK
        kept = [s for s in [*row.stamps, *done] if s > horizon]
        held = [p for p in row.pending if p + self.pending_hold > horizon]
        return sorted(kept + [-p for p in held])

    def _ensure(self, scopes: Sequence[Scope]) -> None:
        missing = [s for s in scopes if s.id not in self._ensured]
        if not missing:
            return
        with self._pool.connection() as conn:
            conn.execute(ENSURE_SQL, ([s.id for s in missing], [s.default_limits for s in missing]))
        self._ensured.update(s.id for s in missing)

    # --- learning from responses ----------------------------------------------------------------

    def observe(
        self,
        facts: Sequence[tuple[Scope, Limits | None, Limits | None]],
        *,
        answered: bool,
        slot: Slot | None = None,
    ) -> None:
        """Complete ``slot``'s request (its stamp moves to now) and learn from its response:
        ``(scope, announced limits, announced counts)`` per scope.

        ``answered`` is false for a 5xx or a transport error (a timed-out request may still have
        reached Riot): it teaches nothing, it only ends a probe so the next request can try.
        """
        done = slot.completed() if slot is not None else 0.0  # before waiting for a connection
        self._ensure([scope for scope, _, _ in facts])
        by_id: Facts = {scope.id: (limits, counts) for scope, limits, counts in facts}
        ids = tuple(sorted(by_id))
        if slot is None:
            self._relearn(ids, [(by_id, answered)])
            return
        with self._queues_guard:
            queue = self._done_queues.get(ids)
            if queue is None:
                queue = self._done_queues[ids] = CompletionQueue(
                    lambda batch: self._complete(ids, batch)
                )
        item = _Done(slot, done, by_id, answered)
        if self._routine(slot, answered, facts):
            queue.put_later(item)
        else:
            queue.put(item)

    def _routine(
        self,
        slot: Slot,
        answered: bool,
        facts: Sequence[tuple[Scope, Limits | None, Limits | None]],
    ) -> bool:
        """May this completion be written a little later? Only far below the limits, for an
        answered request that announced the limits we know: then it can teach nothing urgent
        (at most phantom requests, which would take many to matter), and until it is written
        it counts as in flight, which errs towards waiting."""
        return (
            slot.roomy
            and answered
            and all(
                limits is None or limits == self._known.get(scope.id) for scope, limits, _ in facts
            )
        )

    def _complete(self, ids: tuple[str, ...], batch: Sequence[_Done]) -> None:
        """Replace the batch's pending stamps by their completion times (one statement), then
        learn from its responses."""
        responses = [(d.facts, d.answered) for d in batch]
        windows = sorted(
            {w for facts, _ in responses for _, counts in facts.values() for _, w in counts or ()}
        )
        anchors = [
            (scope, float(window), d.slot.stamp, d.at)
            for d in batch
            if d.at is not None and d.answered
            for scope, (_, counts) in d.facts.items()
            for count, window in counts or ()
            if count == 1
        ]
        args = {
            "ids": list(ids),
            "sent": [d.slot.stamp for d in batch],
            "done": [d.at for d in batch],
            "a_scope": [a[0] for a in anchors],
            "a_window": [a[1] for a in anchors],
            "a_sent": [a[2] for a in anchors],
            "a_done": [a[3] for a in anchors],
            "windows": windows,
            "hold": self.pending_hold,
            "margin": self.margin,
            "slack": COUNT_SLACK,
        }
        with self._pool.connection() as conn:
            recs = conn.execute(DONE_SQL, args).fetchall()
        stale = []
        for scope, limits, learned, probe_until, _, ours in recs:
            counted = dict(zip(windows, ours, strict=True))
            lessons = self._lessons(scope, responses)
            old = stored_limits(limits)
            self._count_room(scope, old, learned, counted)
            if self._change(old, learned, probe_until, lessons, counted.__getitem__):
                stale.append(scope)
        if stale:
            self._relearn(tuple(stale), responses)

    def _count_room(
        self, scope: str, limits: Limits, learned: bool, ours: dict[float, int]
    ) -> None:
        """Remember a row's limits and, if our log was counted for each of its windows, how
        many more requests all of them have room for."""
        self._known[scope] = limits
        if learned and limits and all(window in ours for _, window in limits):
            self._room[scope] = min(count - ours[window] for count, window in limits)
        else:
            self._room.pop(scope, None)

    @staticmethod
    def _lessons(scope: str, responses: Sequence[tuple[Facts, bool]]) -> list[Lesson]:
        return [(*facts[scope], answered) for facts, answered in responses if scope in facts]

    def _relearn(self, ids: tuple[str, ...], responses: Sequence[tuple[Facts, bool]]) -> None:
        """Apply what the responses teach to the rows of ``ids``, under the rows' locks."""
        with self._pool.connection() as conn, conn.pipeline():
            conn.execute("BEGIN")
            recs = conn.execute(LOCK_SQL, (list(ids),)).fetchall()
            changed: list[str] = []
            for rec in recs:
                row, now = Row.from_db(rec), float(rec[6])
                ours = log_counter(row.counted(now, self.pending_hold), now, self.margin)
                lessons = self._lessons(row.scope, responses)
                change = self._change(row.limits, row.learned, row.probe_until, lessons, ours)
                if change is None:
                    continue
                limits, learned, probe, extra = change
                self._known[row.scope] = limits
                self._room.pop(row.scope, None)  # recounted at its next completion
                if limits != row.limits:
                    log.info("rate limits of %s are %s", row.scope, format_limits(limits))
                if extra:
                    log.info("rate limit: Riot counted more requests on %s than we did", row.scope)
                row.limits = limits
                written = self._trimmed(row, now, done=[now] * extra)
                conn.execute(WRITE_SQL, (format_limits(limits), learned, written, probe, row.scope))
                changed.append(row.scope)
            conn.execute("COMMIT")
        # Waiters of this process need not poll to see a probe's lesson.
        with self._queues_guard:
            woken = [q for key, q in self._slot_queues.items() if set(key) & set(changed)]
        for queue in woken:
            queue.nudge()

    @staticmethod
    def _change(
        limits: Limits,
        learned: bool,
        probe_until: float | None,
        lessons: Sequence[Lesson],
        ours: Callable[[float], int],
    ) -> Change | None:
        """The new (limits, learned, probe_until, phantom stamps) of a row after some
        responses, or None if unchanged.

        Phantom stamps for requests Riot counted beyond our log are placed at ``now``: later
        than they really were, so the limiter errs towards waiting. Each response's counts are
        evidence of the same missing requests, so a batch adds the largest excess, not the sum.
        """
        new_limits, new_learned, probe = limits, learned, probe_until
        for announced, _, _ in lessons:
            if announced is not None:
                new_limits = announced
        if not learned:
            # A 2xx/4xx without the header: this server does not announce; trust the defaults.
            new_learned = any(a is not None or answered for a, _, answered in lessons)
            probe = None
        extra = max([0, *(excess(counts, ours) for _, counts, _ in lessons if counts)])
        if (new_limits, new_learned, probe, extra) == (limits, learned, probe_until, 0):
            return None
        return new_limits, new_learned, probe, extra

    def block(self, scope: Scope, seconds: float) -> None:
        """Refuse every request to ``scope``, from every process, for ``seconds`` from now."""
        log.warning("rate limit: %s blocked for %.1fs (429)", scope.id, seconds)
        self._ensure([scope])
        with self._pool.connection() as conn:
            conn.execute(BLOCK_SQL, (seconds, scope.id))
