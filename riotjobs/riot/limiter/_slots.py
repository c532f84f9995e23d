"""The limiter's records: the scopes it limits, the slots it hands out, what responses tell
about them, and the comparison of Riot's counts with our log (which the database counts: the
counting rule lives in ``riotjobs_rl_counted``, ``riotjobs/db/sql``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from riotjobs.riot.headers import Limits, parse_limits

DEFAULT_APP_LIMITS = "20:1,100:120"  # a development key
# Method limits are learned from the first response (one probe at a time until then); this
# generous fallback only applies when a server never announces them.
DEFAULT_METHOD_LIMITS = "2000:10"
COUNT_SLACK = 0.25  # extra look-back when comparing Riot's counts with ours, against false alarms


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


def stored_limits(text: str) -> Limits:
    """A row's ``limits`` column; the method fallback if it cannot be read."""
    return parse_limits(text) or parse_limits(DEFAULT_METHOD_LIMITS) or ()


def excess(counts: Limits, ours: Mapping[float, int]) -> int:
    """How many requests Riot counted beyond our log: the largest excess over all windows.
    ``ours[window]`` is how many of our stamps lie within ``window`` plus margin and slack
    (counted by the database: ``riotjobs_rl_ours``)."""
    return max([0, *(int(counted) - ours[window] for counted, window in counts)])
