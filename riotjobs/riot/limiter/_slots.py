"""The limiter's records: the scopes it limits, the slots it hands out, what responses tell
about them, and the comparison of Riot's counts with our log (which the database counts: the
counting rule lives in ``riotjobs_rl_counted``, ``riotjobs/db/sql``)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from riotjobs.jobspec import PRIORITIES, Priority
from riotjobs.riot.headers import Limits, parse_limits

DEFAULT_APP_LIMITS = "20:1,100:120"  # a development key
# Method limits are learned from the first response (one probe at a time until then); this
# generous fallback only applies when a server never announces them.
DEFAULT_METHOD_LIMITS = "2000:10"
COUNT_SLACK = 0.25  # extra look-back when comparing Riot's counts with ours, against false alarms
# A waiting lane's mark outlives the moment it asks again by this much (its sleep's jitter, a
# round trip and the row lock on a busy host); a lower lane loses at most this after it.
LANE_GRACE = 1.0


@dataclass(frozen=True)
class Scope:
    """One limited scope: ``app:<fp>:<routing>`` or ``method:<fp>:<routing>:<endpoint>``."""

    id: str
    kind: Literal["application", "method"]
    default_limits: str
    label: str  # for messages: "na1" or "match-v5.match on americas"
    key: str = ""  # the key's fingerprint: a rejected key stops every scope of it

    @classmethod
    def application(cls, fp: str, routing: str, limits: str = DEFAULT_APP_LIMITS) -> Scope:
        return cls(f"app:{fp}:{routing}", "application", limits, routing, fp)

    @classmethod
    def method(
        cls, fp: str, routing: str, endpoint: str, limits: str = DEFAULT_METHOD_LIMITS
    ) -> Scope:
        return cls(
            f"method:{fp}:{routing}:{endpoint}", "method", limits, f"{endpoint} on {routing}", fp
        )


@dataclass(frozen=True)
class Slot:
    """A request slot taken by ``acquire``; hand it back to ``observe`` when the request ends."""

    stamp: float  # the pending stamp: database-clock epoch seconds at acquire
    taken: float  # time.monotonic() just before the database read its clock
    roomy: bool = False  # taken far below every limit (see ``Limiter``: spares, late completions)

    def completed(self) -> float:
        """Now, on the database clock. ``taken`` precedes the clock read, so this errs late."""
        return self.stamp + (time.monotonic() - self.taken)


@dataclass(frozen=True)
class Announced:
    """What one response told about one scope: the limits and the counts it announced (None:
    the header was missing)."""

    scope: Scope
    limits: Limits | None = None
    counts: Limits | None = None


@dataclass(frozen=True)
class Lesson:
    """One response's facts about one scope, and whether Riot answered it (not a 5xx or a
    transport error)."""

    limits: Limits | None
    counts: Limits | None
    answered: bool


@dataclass(frozen=True)
class Anchor:
    """A response Riot counted first in its ``window`` of ``scope``: acquired at ``sent``,
    completed at ``done`` (database clock)."""

    scope: str
    window: float
    sent: float
    done: float


@dataclass(frozen=True)
class Change:
    """A row's new state after some responses: limits, learned, probe_until, and how many
    requests Riot counted beyond our log (phantom stamps to add)."""

    limits: Limits
    learned: bool
    probe_until: float | None
    phantoms: int


@dataclass(frozen=True)
class Done:
    """A request handed back: its slot, completion time (None: never sent) and what its
    response taught, per scope id."""

    slot: Slot
    at: float | None
    facts: dict[str, Lesson]


def check_lane(lane: Priority, reserve: float) -> Priority:
    """``lane``, once it and ``reserve`` (a share of every window) are known to be valid."""
    if lane not in PRIORITIES:
        raise ValueError(f"unknown lane {lane!r}")
    if not 0 <= reserve < 1:
        raise ValueError(f"reserve must lie in [0, 1), not {reserve!r}")
    return lane


def windows_of(responses: Sequence[dict[str, Lesson]]) -> list[float]:
    """Every window the responses announced counts for, ascending."""
    return sorted({w for facts in responses for x in facts.values() for _, w in x.counts or ()})


def anchors_of(batch: Sequence[Done]) -> list[Anchor]:
    """The batch's anchors: answered requests that Riot counted first in a window."""
    return [
        Anchor(scope, float(window), d.slot.stamp, d.at)
        for d in batch
        if d.at is not None
        for scope, lesson in d.facts.items()
        if lesson.answered
        for count, window in lesson.counts or ()
        if count == 1
    ]


def stored_limits(text: str) -> Limits:
    """A row's ``limits`` column; the method fallback if it cannot be read."""
    return parse_limits(text) or parse_limits(DEFAULT_METHOD_LIMITS) or ()


def excess(counts: Limits, ours: Mapping[float, int]) -> int:
    """How many requests Riot counted beyond our log: the largest excess over all windows.
    ``ours[window]`` is how many of our stamps lie within ``window`` plus margin and slack
    (counted by the database: ``riotjobs_rl_ours``)."""
    return max([0, *(int(counted) - ours[window] for counted, window in counts)])


def key_of(ids: tuple[str, ...]) -> str:
    """The key fingerprint of a scope set (``app:<fp>:...``, ``method:<fp>:...``)."""
    return ids[0].split(":", 2)[1] if ids else ""


def lessons_of(scope: str, responses: Sequence[dict[str, Lesson]]) -> list[Lesson]:
    return [facts[scope] for facts in responses if scope in facts]


def change_of(
    limits: Limits,
    learned: bool,
    probe_until: float | None,
    lessons: Sequence[Lesson],
    ours: Mapping[float, int],
) -> Change | None:
    """A row's new state after some responses, or None if unchanged. ``ours``: our log's count
    for each window the responses counted (by the database).

    Phantom stamps for requests Riot counted beyond our log are placed at ``now``: later than
    they really were, so the limiter errs towards waiting. Each response's counts are evidence
    of the same missing requests, so a batch adds the largest excess, not the sum.
    """
    new_limits, new_learned, probe = limits, learned, probe_until
    for lesson in lessons:
        if lesson.limits is not None:
            new_limits = lesson.limits
    if not learned:
        # A 2xx/4xx without the header: this server does not announce; trust the defaults.
        new_learned = any(x.limits is not None or x.answered for x in lessons)
        probe = None
    extra = max([0, *(excess(x.counts, ours) for x in lessons if x.counts)])
    change = Change(new_limits, new_learned, probe, extra)
    return None if change == Change(limits, learned, probe_until, 0) else change
