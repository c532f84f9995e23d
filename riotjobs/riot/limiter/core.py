"""A rate limiter shared, through Postgres, by every process that uses the same key and database.

Riot limits each key per routing value twice: an *application* limit over all methods and a
*method* limit per endpoint, each a list of ``count:window`` pairs. Repeated 429s get a key
blacklisted, and two cron jobs may run at once, so the state lives in ``rate_limit_scopes`` rows
rather than in memory.

Each scope keeps a **sliding log** of database-clock times (``clock_timestamp()``, so hosts
agree). A request fits when, for every pair of both scopes, fewer than ``count`` stamps lie
within the last ``window + margin`` seconds. Riot counts in fixed windows that start at the
first request's *arrival*, which lags our acquire by a varying delay we cannot see (scheduling,
connection set-up, a TLS handshake). So a request is logged at its **completion**: ``acquire``
writes a *pending* stamp (its acquire time), and ``observe`` moves it to ``done`` as ``acquire
time + local monotonic time elapsed`` once the response or error is back. Arrival precedes
completion, so no ``window`` can receive more than ``count`` requests, whatever the delays: the
last of them to acquire would have seen all the others pending or completed after the window's
start, and been refused. A pending request counts as completing *now*, for at most
``pending_hold`` seconds (a crashed process must not hold a slot forever). That counting rule is
written once, in the database function ``riotjobs_rl_counted`` (``riotjobs/db/sql``), which
every other function and query uses. The margin only covers clock granularity; the price is an
effective window of ``window`` plus one round trip.

A response that Riot counted first in its window (``-Count`` reads 1) is that window's
**anchor**: the window closes by the anchor's completion + ``window``. A request back before
the anchor's acquire + ``window`` was counted in that window or an earlier one, so it is logged
at the anchor's completion when that is earlier than its own, when every window of the row has
such an anchor. A window's requests then free together when it ends, however they went out
(migrations 0004 and 0007 have the rule and why it stays safe; ``rate_limit_anchors`` holds the
latest anchor per scope and window).

``acquire`` is one call of the database function ``riotjobs_rl_take``: it locks the app and
method rows (``FOR UPDATE``, in sorted order so two acquirers never deadlock), counts the stamps
where they lie, appends pending ones and commits. The threads of a process that want the same
scopes queue in memory and the head of the queue takes a slot for each of them in that one call
(``_combine.py``). When no slot is free the head sleeps until the oldest blocking stamp ages out
and asks again, or raises ``RateLimitBudgetExhausted`` at once when that moment lies past the
run's deadline.

``observe`` completes the request's stamp (one call of ``riotjobs_rl_done``, locking the rows in
the same order; the completions of a process's threads share it too) and learns from the
response: announced limits replace the configured ones, and when the ``-Count`` headers show
Riot counted more than our log did (another user of the key, a lost stamp), phantom stamps are
added so we back off. Until a scope's limits have been announced, only one request at a time
probes it. ``block`` records a 429's ``Retry-After`` for every process, and ``reject`` a key
Riot refused (401/403): ``riotjobs_rl_take`` then refuses every slot of that key, in every
process, for ``REJECT_HOLD`` seconds, and this process's waiters fail with ``InvalidKeyError``
at once. Both drop this process's spare slots of the scopes concerned. A slot whose request
has not left ``STALE_SLOT`` after it was taken (a starved process) is checked against the
blocks and refusals recorded since, and handed back if one now applies.

**Lanes** (README: Priorities; rules in ``riotjobs_rl_take``, so across processes): below high,
a window holds ``count`` less the ``reserve``; a lane that waits marks its rows, and lower lanes
leave them alone until the mark ends (``LANE_GRACE`` after the waiter's next look).

Far below the limits (by this process's last count, ``ROOMY`` times the slots asked for), the
leader takes ``SPARE_SLOTS`` extra slots that wait in memory for the next threads, and routine
completions are written a little later (``_combine.py`` has the details). Both only hold budget
back longer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from riotjobs.jobspec import PRIORITIES, Priority
from riotjobs.riot.errors import InvalidKeyError
from riotjobs.riot.headers import Limits, format_limits
from riotjobs.riot.limiter._combine import CompletionQueue, SlotQueue
from riotjobs.riot.limiter._pool import ConnectionPool
from riotjobs.riot.limiter._slots import (
    COUNT_SLACK,
    LANE_GRACE,
    Announced,
    Done,
    Lesson,
    Scope,
    Slot,
    anchors_of,
    change_of,
    check_lane,
    key_of,
    lessons_of,
    stored_limits,
    windows_of,
)
from riotjobs.riot.limiter._sql import (
    BLOCK_SQL,
    DONE_SQL,
    ENSURE_SQL,
    LOCK_SQL,
    REFUSED_SQL,
    REJECT_SQL,
    TAKE_SQL,
    WRITE_SQL,
)

log = logging.getLogger("riotjobs.riot.limiter")

DEFAULT_MARGIN = 0.01  # clock granularity only: stamps are completion times
PROBE_POLL = 0.05  # how often waiters look whether a probe has taught the limits
# Far below the limits (this many times the slots asked for, by our last count), the leader
# takes SPARE_SLOTS more than it has waiters, and completions are written a little later.
ROOMY = 8
SPARE_SLOTS = 16
# A refused key stays refused this long for all its processes (a new key has a new fingerprint).
REJECT_HOLD = 600.0
# A slot whose request has not left this long after it was taken (a starved process: the
# threads waiting for it did not run) is checked against the blocks and refusals recorded
# since: a 429 another process got meanwhile must not be answered with another request.
STALE_SLOT = 0.25


class Limiter:
    """The shared limiter. Thread-safe: each call borrows its own connection."""

    def __init__(
        self,
        db_url: str,
        *,
        margin: float = DEFAULT_MARGIN,
        probe_timeout: float = 10.0,
        pending_hold: float | None = None,
        lane: Priority = "normal",
        reserve: float = 0.0,  # a library default; jobs.yaml's is config.DEFAULT_RESERVE
    ) -> None:
        self.lane, self.reserve = check_lane(lane, reserve), reserve  # lane: set per task
        self.margin = margin
        self.probe_timeout = probe_timeout
        # The longest a request may stay in flight (connect + write + read timeouts, and more);
        # past it a pending stamp left by a crashed process counts as completed at that point.
        self.pending_hold = pending_hold if pending_hold is not None else 3 * probe_timeout
        self._pool = ConnectionPool(db_url)
        self._ensured: set[str] = set()
        # Per scope set (and lane), this process's waiters and completions share transactions.
        self._slot_queues: dict[tuple[tuple[str, ...], Priority], SlotQueue[Slot]] = {}
        self._done_queues: dict[tuple[str, ...], CompletionQueue[Done]] = {}
        self._queues_guard = threading.Lock()
        # Per scope, as of this process's last completion there: its limits, and how many more
        # requests every window of them had room for (absent: unknown, or not learned).
        self._known: dict[str, Limits] = {}
        self._room: dict[str, int] = {}
        self._rejected: dict[str, int] = {}  # key fingerprint -> the status that refused it

    def close(self) -> None:
        """Write the completions still queued, hand back spare slots, close the connections."""
        with self._queues_guard:
            done_queues = list(self._done_queues.values())
            slot_queues = list(self._slot_queues.items())
        try:
            for done_queue in done_queues:
                done_queue.flush_now()
            for (ids, _), slot_queue in slot_queues:
                self._give_back(ids, slot_queue.drain())
        finally:  # what could not be written stays pending until the hold, like a crash's
            self._pool.close()

    # --- acquire --------------------------------------------------------------------------------

    def acquire(self, scopes: Sequence[Scope], *, deadline: float | None = None) -> Slot:
        """Take one request slot in every scope, waiting as needed, in the limiter's lane.

        Pass the slot to ``observe`` once the request has ended, whatever its outcome. Raises
        ``RateLimitBudgetExhausted`` without sleeping when the next slot lies past ``deadline``
        (a ``time.monotonic()`` value), and ``InvalidKeyError`` once the key was refused here
        or by another process.
        """
        self._check_key(scopes)
        queue = self._slot_queue(scopes, self.lane)
        while True:
            slot = queue.get(deadline)
            if time.monotonic() - slot.taken < STALE_SLOT or not self._refused_since(scopes):
                return slot
            # Taken before a 429's block that another process recorded since: using it would
            # send a request into the block. Hand it back; the next take waits the block out.
            self._give_back(tuple(sorted(s.id for s in scopes)), [slot])

    def _refused_since(self, scopes: Sequence[Scope]) -> bool:
        """Whether a scope is blocked now; raises ``InvalidKeyError`` if the key was refused."""
        key = scopes[0].key
        with self._pool.connection() as conn:
            rec = conn.execute(REFUSED_SQL, {"ids": [s.id for s in scopes], "fp": key}).fetchone()
        assert rec is not None
        blocked, rejected = rec
        if rejected is not None:
            self._forget_key(key, rejected)
            raise InvalidKeyError(rejected)
        return bool(blocked)

    def _check_key(self, scopes: Sequence[Scope]) -> None:
        for scope in scopes:
            status = self._rejected.get(scope.key)
            if status is not None:
                raise InvalidKeyError(status)

    def _slot_queue(self, scopes: Sequence[Scope], lane: Priority) -> SlotQueue[Slot]:
        ids = tuple(sorted(s.id for s in scopes))
        with self._queues_guard:
            queue = self._slot_queues.get((ids, lane))
            if queue is None:
                fixed = tuple(scopes)
                queue = self._slot_queues[(ids, lane)] = SlotQueue(
                    lambda wanted: self._take(fixed, wanted, lane),
                    lambda slots: self._give_back(ids, slots),
                    fixed[-1].label,
                    keep=lambda slot: slot.roomy,
                )
            return queue

    def _take(
        self, scopes: Sequence[Scope], wanted: int, lane: Priority | None = None
    ) -> tuple[float, list[Slot]]:
        """Add up to ``wanted`` pending stamps to every scope, in one call: the slots taken, or
        none and the seconds until one would fit."""
        self._ensure(scopes)
        ids = sorted(s.id for s in scopes)
        room = min(self._room.get(i, 0) for i in ids)
        asked = wanted + SPARE_SLOTS if room >= ROOMY * (wanted + SPARE_SLOTS) else wanted
        key = scopes[0].key
        args = (ids, asked, key, self.margin, self.pending_hold, self.probe_timeout, PROBE_POLL)
        lanes = (PRIORITIES.index(lane or self.lane), self.reserve, LANE_GRACE)
        with self._pool.connection() as conn:
            taken = time.monotonic()
            rec = conn.execute(TAKE_SQL, (*args, COUNT_SLACK, *lanes)).fetchone()
        assert rec is not None
        stamps, wait, _, rejected = rec
        if rejected is not None:  # another process learned it: stop this one too
            self._forget_key(key, rejected)
            raise InvalidKeyError(rejected)
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
            facts = {scope: Lesson(None, None, answered=False) for scope in ids}
            self._complete(ids, [Done(slot, None, facts) for slot in slots])

    def _ensure(self, scopes: Sequence[Scope]) -> None:
        missing = [s for s in scopes if s.id not in self._ensured]
        if not missing:
            return
        with self._pool.connection() as conn:
            conn.execute(ENSURE_SQL, ([s.id for s in missing], [s.default_limits for s in missing]))
        self._ensured.update(s.id for s in missing)

    # --- learning from responses ----------------------------------------------------------------

    def observe(
        self, facts: Sequence[Announced], *, answered: bool, slot: Slot | None = None
    ) -> None:
        """Complete ``slot``'s request (its stamp moves to now) and learn from its response:
        what it announced for each scope.

        ``answered`` is false for a 5xx or a transport error (a timed-out request may still have
        reached Riot): it teaches nothing, it only ends a probe so the next request can try.
        """
        done = slot.completed() if slot is not None else 0.0  # before waiting for a connection
        self._ensure([fact.scope for fact in facts])
        by_id = {fact.scope.id: Lesson(fact.limits, fact.counts, answered) for fact in facts}
        ids = tuple(sorted(by_id))
        if slot is None:
            self._relearn(ids, [by_id])
            return
        with self._queues_guard:
            queue = self._done_queues.get(ids)
            if queue is None:
                queue = self._done_queues[ids] = CompletionQueue(
                    lambda batch: self._complete(ids, batch)
                )
        item = Done(slot, done, by_id)
        if self._routine(slot, answered, facts):
            queue.put_later(item)
        else:
            queue.put(item)

    def _routine(self, slot: Slot, answered: bool, facts: Sequence[Announced]) -> bool:
        """May this completion be written a little later? Only far below the limits, for an
        answered request that announced the limits we know: then it can teach nothing urgent
        (at most phantom requests, which would take many to matter), and until it is written
        it counts as in flight, which errs towards waiting."""
        return (
            slot.roomy
            and answered
            and all(f.limits is None or f.limits == self._known.get(f.scope.id) for f in facts)
        )

    def _complete(self, ids: tuple[str, ...], batch: Sequence[Done]) -> None:
        """Move the batch's requests from pending to done (one statement), then learn from
        their responses."""
        responses = [d.facts for d in batch]
        windows = windows_of(responses)
        anchors = anchors_of(batch)
        key = key_of(ids)
        args = {
            "ids": list(ids),
            "key": key,
            "sent": [d.slot.stamp for d in batch],
            "done": [d.at for d in batch],
            "a_scope": [a.scope for a in anchors],
            "a_window": [a.window for a in anchors],
            "a_sent": [a.sent for a in anchors],
            "a_done": [a.done for a in anchors],
            "windows": windows,
            "hold": self.pending_hold,
            "margin": self.margin,
            "slack": COUNT_SLACK,
        }
        with self._pool.connection() as conn:
            recs = conn.execute(DONE_SQL, args).fetchall()
        stale, blocked, refused = [], [], None
        for scope, limits, learned, probe_until, _, ours, blocked_until, rejected in recs:
            if blocked_until is not None:
                blocked.append(scope)
            refused = rejected if rejected is not None else refused
            counted = dict(zip(windows, ours, strict=True))
            lessons = lessons_of(scope, responses)
            old = stored_limits(limits)
            self._count_room(scope, old, learned, counted)
            if change_of(old, learned, probe_until, lessons, counted):
                stale.append(scope)
        # Another process recorded a refusal: spares taken before it must not be used now.
        if refused is not None and key not in self._rejected:
            self._forget_key(key, refused)
        if blocked:
            self._drop_spares(lambda scopes: not set(scopes).isdisjoint(blocked))
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

    def _relearn(self, ids: tuple[str, ...], responses: Sequence[dict[str, Lesson]]) -> None:
        """Apply what the responses teach to the rows of ``ids``, under the rows' locks."""
        windows = windows_of(responses)
        args = {
            "ids": list(ids),
            "windows": windows,
            "hold": self.pending_hold,
            "reach": self.margin + COUNT_SLACK,
        }
        with self._pool.connection() as conn, conn.pipeline():
            conn.execute("BEGIN")
            recs = conn.execute(LOCK_SQL, args).fetchall()
            changed: list[str] = []
            for scope, text, learned, probe_until, now, ours in recs:
                limits = stored_limits(text)
                counted = dict(zip(windows, ours, strict=True))
                lessons = lessons_of(scope, responses)
                change = change_of(limits, learned, probe_until, lessons, counted)
                if change is None:
                    continue
                self._known[scope] = change.limits
                self._room.pop(scope, None)  # recounted at its next completion
                if change.limits != limits:
                    log.info("rate limits of %s are %s", scope, format_limits(change.limits))
                if change.phantoms:
                    log.info("rate limit: Riot counted more requests on %s than we did", scope)
                conn.execute(
                    WRITE_SQL,
                    {
                        "limits": format_limits(change.limits),
                        "learned": change.learned,
                        "probe": change.probe_until,
                        "now": now,
                        "phantoms": change.phantoms,
                        "scope": scope,
                    },
                )
                changed.append(scope)
            conn.execute("COMMIT")
        # Waiters of this process need not poll to see a probe's lesson.
        with self._queues_guard:
            woken = [q for (ids, _), q in self._slot_queues.items() if set(ids) & set(changed)]
        for queue in woken:
            queue.nudge()

    # --- refusals -------------------------------------------------------------------------------

    def block(self, scope: Scope, seconds: float) -> None:
        """Refuse every request to ``scope``, from every process, for ``seconds`` from now."""
        log.warning("rate limit: %s blocked for %.1fs (429)", scope.id, seconds)
        self._ensure([scope])
        with self._pool.connection() as conn:
            conn.execute(BLOCK_SQL, (seconds, scope.id))
        # Spares were taken before the block: using one now would send a request into it.
        self._drop_spares(lambda key: scope.id in key)

    def reject(self, key: str, status: int) -> None:
        """Riot refused the key with fingerprint ``key`` (401/403): no process sharing it takes
        another slot for ``REJECT_HOLD`` seconds, and this process's waiters fail now."""
        self._forget_key(key, status)
        with self._pool.connection() as conn:
            conn.execute(REJECT_SQL, {"fp": key, "status": status, "hold": REJECT_HOLD})

    def _forget_key(self, key: str, status: int) -> None:
        """Refuse every slot of ``key`` in this process: hand spares back, fail the waiters."""
        self._rejected[key] = status
        with self._queues_guard:
            queues = [q for (ids, _), q in self._slot_queues.items() if key_of(ids) == key]
        for queue in queues:
            queue.fail(InvalidKeyError(status))
        self._drop_spares(lambda ids: key_of(ids) == key)

    def _drop_spares(self, which: Callable[[tuple[str, ...]], bool]) -> None:
        with self._queues_guard:
            queues = [(ids, q) for (ids, _), q in self._slot_queues.items() if which(ids)]
        for ids, queue in queues:
            self._give_back(ids, queue.drain())
