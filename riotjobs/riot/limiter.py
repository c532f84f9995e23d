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

``acquire`` locks the app and method rows (``FOR UPDATE``, in sorted order so two acquirers never
deadlock), checks, appends and commits in one pipelined transaction: two round trips. When no
slot is free it computes when the oldest blocking stamp ages out, sleeps and retries, or raises
``RateLimitBudgetExhausted`` at once when that moment lies past the run's deadline.

``observe`` completes the request's stamp (one statement, locking the rows in the same order) and
learns from the response: announced limits replace the configured ones, and when the ``-Count``
headers show Riot counted more than our log did (another user of the key, a lost stamp), phantom
stamps are added so we back off. Until a scope's limits have been announced, only one request at
a time probes it. ``block`` records a 429's ``Retry-After`` for every process.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from riotjobs.riot._headers import Limits, format_limits, parse_limits
from riotjobs.riot._pool import ConnectionPool
from riotjobs.riot.errors import RateLimitBudgetExhausted

log = logging.getLogger("riotjobs.riot.limiter")

DEFAULT_APP_LIMITS = "20:1,100:120"  # a development key
# Method limits are learned from the first response (one probe at a time until then); this
# generous fallback only applies when a server never announces them.
DEFAULT_METHOD_LIMITS = "2000:10"
DEFAULT_MARGIN = 0.01  # clock granularity only: stamps are completion times
PROBE_POLL = 0.05  # how often waiters look whether a probe has taught the limits
COUNT_SLACK = 0.25  # extra look-back when comparing Riot's counts with ours, against false alarms

_LOCK_SQL = """
WITH t AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS now)
SELECT s.scope, s.limits, s.learned, s.stamps, s.blocked_until, s.probe_until, t.now
FROM rate_limit_scopes s, t WHERE s.scope = ANY(%s) ORDER BY s.scope FOR UPDATE OF s
"""
_READ_SQL = _LOCK_SQL.replace(" FOR UPDATE OF s", "")
_WRITE_SQL = """
UPDATE rate_limit_scopes SET limits = %s, learned = %s, stamps = %s::float8[],
    probe_until = %s, updated_at = now()
WHERE scope = %s
"""
_ENSURE_SQL = """
INSERT INTO rate_limit_scopes (scope, limits)
SELECT * FROM unnest(%s::text[], %s::text[]) ON CONFLICT (scope) DO NOTHING
"""
# Replace a request's pending stamp by its completion time, locking the rows in acquire's order.
_COMPLETE_SQL = """
WITH locked AS MATERIALIZED (
    SELECT scope FROM rate_limit_scopes WHERE scope = ANY(%(ids)s) ORDER BY scope FOR UPDATE
)
UPDATE rate_limit_scopes s
SET stamps = ARRAY(
        SELECT x FROM unnest(array_remove(s.stamps, %(pending)s::float8) || %(done)s::float8) AS x
        ORDER BY x
    ), updated_at = now()
FROM locked WHERE s.scope = locked.scope
RETURNING s.scope, s.limits, s.learned, s.stamps, s.blocked_until, s.probe_until,
    extract(epoch FROM clock_timestamp())::float8
"""
_BLOCK_SQL = """
UPDATE rate_limit_scopes
SET blocked_until = greatest(
        coalesce(blocked_until, 0), extract(epoch FROM clock_timestamp()) + %s
    ), updated_at = now()
WHERE scope = %s
"""


@dataclass(frozen=True)
class Scope:
    """One limited scope: ``app:<fp>:<routing>`` or ``method:<fp>:<routing>:<endpoint>``."""

    id: str
    kind: Literal["application", "method"]
    default_limits: str
    label: str  # for messages: "na1" or "match-v5.match on americas"

    @classmethod
    def application(cls, fp: str, routing: str, limits: str = DEFAULT_APP_LIMITS) -> Scope:
        return cls(f"app:{fp}:{routing}", "application", limits, routing)

    @classmethod
    def method(
        cls, fp: str, routing: str, endpoint: str, limits: str = DEFAULT_METHOD_LIMITS
    ) -> Scope:
        return cls(
            f"method:{fp}:{routing}:{endpoint}", "method", limits, f"{endpoint} on {routing}"
        )


@dataclass(frozen=True)
class Slot:
    """A request slot taken by ``acquire``; hand it back to ``observe`` when the request ends."""

    stamp: float  # the pending stamp: database-clock epoch seconds at acquire
    taken: float  # time.monotonic() just before the database read its clock

    def completed(self) -> float:
        """Now, on the database clock. ``taken`` precedes the clock read, so this errs late."""
        return self.stamp + (time.monotonic() - self.taken)


@dataclass
class _Row:
    scope: str
    limits: Limits
    learned: bool
    stamps: list[float]  # completion times, ascending
    pending: list[float]  # acquire times of requests still in flight, ascending
    blocked_until: float | None
    probe_until: float | None

    @classmethod
    def from_db(cls, rec: tuple[Any, ...]) -> _Row:
        limits = parse_limits(rec[1]) or parse_limits(DEFAULT_METHOD_LIMITS) or ()
        done = sorted(s for s in rec[3] if s > 0)
        pending = sorted(-s for s in rec[3] if s < 0)
        return cls(rec[0], limits, rec[2], done, pending, rec[4], rec[5])

    def counted(self, now: float, hold: float) -> list[float]:
        """The stamps the rules count, ascending; a pending one counts as completing now."""
        return sorted(self.stamps + [min(now, p + hold) for p in self.pending])


def slot_wait(limits: Limits, stamps: Sequence[float], now: float, margin: float) -> float:
    """Seconds until one more request fits every ``(count, window)`` of ``limits``; 0 if now.

    ``stamps`` (completion times) must be ascending. For a full window the request must wait
    until enough of the oldest stamps in it are older than ``window + margin``.
    """
    wait = 0.0
    for count, window in limits:
        horizon = now - window - margin
        recent = [s for s in stamps if s > horizon]
        if len(recent) >= count:
            if count == 0:
                return window  # a zero limit: nothing fits; look again after one window
            wait = max(wait, recent[len(recent) - count] - horizon)
    return wait


def phantoms(counts: Limits, stamps: Sequence[float], now: float, margin: float) -> int:
    """How many requests Riot counted beyond our log: the largest excess over all windows."""
    extra = 0
    for counted, window in counts:
        ours = sum(1 for s in stamps if s > now - window - margin - COUNT_SLACK)
        extra = max(extra, int(counted) - ours)
    return extra


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
        # One waiter per scope set and process asks the database at a time (see ``acquire``).
        self._queues: dict[tuple[str, ...], threading.Lock] = {}
        self._queues_guard = threading.Lock()

    def close(self) -> None:
        self._pool.close()

    # --- acquire --------------------------------------------------------------------------------

    def acquire(self, scopes: Sequence[Scope], *, deadline: float | None = None) -> Slot:
        """Take one request slot in every scope, waiting as needed.

        Pass the slot to ``observe`` once the request has ended, whatever its outcome. Raises
        ``RateLimitBudgetExhausted`` without sleeping when the next slot lies past ``deadline``
        (a ``time.monotonic()`` value).
        """
        # The threads of a process that want the same scopes queue here, so only the head of
        # the queue polls the rows. Without it every waiter woke for every slot that freed and
        # locked the rows to find it taken: a herd of transactions that delayed the holder of
        # the next slot at each window boundary. The rows' own locks still order processes.
        queue = self._queue(scopes)
        timeout = -1.0 if deadline is None else max(0.0, deadline - time.monotonic())
        if not queue.acquire(timeout=timeout):
            raise RateLimitBudgetExhausted(
                f"rate limit: no request slot for {scopes[-1].label} before the run's deadline "
                "(the requests queued before this one took them)"
            )
        try:
            while True:
                wait, slot = self._try_acquire(scopes)
                if slot is not None:
                    return slot
                if deadline is not None and time.monotonic() + wait > deadline:
                    raise RateLimitBudgetExhausted(
                        f"rate limit: no request slot for {scopes[-1].label} before the run's "
                        f"deadline (the next is {wait:.1f}s away)"
                    )
                log.debug("rate limit: waiting %.3fs for %s", wait, scopes[-1].id)
                # A little jitter so processes woken for the same slot do not all collide.
                time.sleep(wait + random.uniform(0, 0.002))
        finally:
            queue.release()

    def _queue(self, scopes: Sequence[Scope]) -> threading.Lock:
        key = tuple(sorted(s.id for s in scopes))
        with self._queues_guard:
            return self._queues.setdefault(key, threading.Lock())

    def _try_acquire(self, scopes: Sequence[Scope]) -> tuple[float, Slot | None]:
        """Add a pending stamp to every scope and return its slot, or the seconds to wait."""
        self._ensure(scopes)
        ids = sorted(s.id for s in scopes)
        with self._pool.connection() as conn, conn.pipeline():
            taken = time.monotonic()
            conn.execute("BEGIN")
            recs = conn.execute(_LOCK_SQL, (ids,)).fetchall()
            if len(recs) != len(ids):  # a row was deleted under us (cleanup): recreate it
                conn.execute("ROLLBACK")
                self._ensured.difference_update(ids)
                return PROBE_POLL, None
            now = float(recs[0][6])
            rows = [_Row.from_db(r) for r in recs]
            wait = max(self._wait(row, now) for row in rows)
            if wait > 0:
                conn.execute("ROLLBACK")
                return wait, None
            # observe finds the pending stamp by value: make it unique in both rows.
            while any(now in row.pending for row in rows):
                now += 1e-6
            for row in rows:
                probe = None if row.learned else now + self.probe_timeout
                stamps = self._trimmed(row, now, pending=[now])
                conn.execute(
                    _WRITE_SQL, (format_limits(row.limits), row.learned, stamps, probe, row.scope)
                )
            conn.execute("COMMIT")
        return 0.0, Slot(now, taken)

    def _wait(self, row: _Row, now: float) -> float:
        wait = slot_wait(row.limits, row.counted(now, self.pending_hold), now, self.margin)
        if row.blocked_until is not None and row.blocked_until > now:
            wait = max(wait, row.blocked_until - now)
        if not row.learned and row.probe_until is not None and row.probe_until > now:
            # Another request is probing the scope's real limits: look again shortly.
            wait = max(wait, min(PROBE_POLL, row.probe_until - now))
        return wait

    def _trimmed(
        self, row: _Row, now: float, done: Sequence[float] = (), pending: Sequence[float] = ()
    ) -> list[float]:
        """The row's stored array plus ``done`` and ``pending`` stamps, without those older than
        any window needs. Pending stamps are stored negated."""
        longest = max((window for _, window in row.limits), default=0.0)
        horizon = now - longest - self.margin - COUNT_SLACK
        kept = [s for s in [*row.stamps, *done] if s > horizon]
        held = [p for p in [*row.pending, *pending] if p + self.pending_hold > horizon]
        return sorted(kept + [-p for p in held])

    def _ensure(self, scopes: Sequence[Scope]) -> None:
        missing = [s for s in scopes if s.id not in self._ensured]
        if not missing:
            return
        with self._pool.connection() as conn:
            conn.execute(
                _ENSURE_SQL, ([s.id for s in missing], [s.default_limits for s in missing])
            )
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
        ids = sorted(scope.id for scope, _, _ in facts)
        by_id = {scope.id: (limits, counts) for scope, limits, counts in facts}
        with self._pool.connection() as conn:
            if slot is None:
                recs = conn.execute(_READ_SQL, (ids,)).fetchall()
            else:
                args = {"ids": ids, "pending": -slot.stamp, "done": done}
                recs = conn.execute(_COMPLETE_SQL, args).fetchall()
        stale = [
            r for r in recs if self._update(_Row.from_db(r), float(r[6]), *by_id[r[0]], answered)
        ]
        if not stale:
            return
        # Something to write: redo the check under the row locks, on fresh rows.
        with self._pool.connection() as conn, conn.pipeline():
            conn.execute("BEGIN")
            recs = conn.execute(_LOCK_SQL, (sorted(r[0] for r in stale),)).fetchall()
            for rec in recs:
                row = _Row.from_db(rec)
                old_limits, old_count = row.limits, len(row.stamps) + len(row.pending)
                change = self._update(row, float(rec[6]), *by_id[row.scope], answered)
                if change is None:
                    continue
                conn.execute(_WRITE_SQL, (*change, row.scope))
                if row.limits != old_limits:
                    log.info("rate limits of %s are %s", row.scope, change[0])
                if len(change[2]) > old_count:
                    log.info("rate limit: Riot counted more requests on %s than we did", row.scope)
            conn.execute("COMMIT")

    def _update(
        self,
        row: _Row,
        now: float,
        limits: Limits | None,
        counts: Limits | None,
        answered: bool,
    ) -> tuple[str, bool, list[float], float | None] | None:
        """The new (limits, learned, stamps, probe_until) of a row, or None if unchanged.

        Phantom stamps for requests Riot counted beyond our log are placed at ``now``: later
        than they really were, so the limiter errs towards waiting.
        """
        new_limits, learned, probe = row.limits, row.learned, row.probe_until
        if limits is not None and limits != row.limits:
            new_limits = limits
        if not row.learned:
            # A 2xx/4xx without the header: this server does not announce; trust the defaults.
            learned = limits is not None or answered
            probe = None
        counted = row.counted(now, self.pending_hold)
        extra = phantoms(counts, counted, now, self.margin) if counts else 0
        if (new_limits, learned, probe, extra) == (row.limits, row.learned, row.probe_until, 0):
            return None
        row.limits = new_limits
        stamps = self._trimmed(row, now, done=[now] * extra)
        return format_limits(new_limits), learned, stamps, probe

    def block(self, scope: Scope, seconds: float) -> None:
        """Refuse every request to ``scope``, from every process, for ``seconds`` from now."""
        log.warning("rate limit: %s blocked for %.1fs (429)", scope.id, seconds)
        self._ensure([scope])
        with self._pool.connection() as conn:
            conn.execute(_BLOCK_SQL, (seconds, scope.id))
