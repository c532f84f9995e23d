"""The limiter's records: the scopes it limits, the slots it hands out, a scope's row as read
from ``rate_limit_scopes``, and the comparison of Riot's counts with our log."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

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
    roomy: bool = False  # taken far below every limit (see ``Limiter``: spares, late completions)

    def completed(self) -> float:
        """Now, on the database clock. ``taken`` precedes the clock read, so this errs late."""
        return self.stamp + (time.monotonic() - self.taken)


@dataclass
class Row:
    """A ``rate_limit_scopes`` row; pending stamps are stored negated."""

    scope: str
    limits: Limits
    learned: bool
    stamps: list[float]  # completion times, ascending
    pending: list[float]  # acquire times of requests still in flight, ascending
    blocked_until: float | None
    probe_until: float | None

    @classmethod
    def from_db(cls, rec: tuple[Any, ...]) -> Row:
        limits = stored_limits(rec[1])
        done = sorted(s for s in rec[3] if s > 0)
        pending = sorted(-s for s in rec[3] if s < 0)
        return cls(rec[0], limits, rec[2], done, pending, rec[4], rec[5])

    def counted(self, now: float, hold: float) -> list[float]:
        """The stamps the rules count, ascending; a pending one counts as completing now."""
        return sorted(self.stamps + [min(now, p + hold) for p in self.pending])


def stored_limits(text: str) -> Limits:
    """A row's ``limits`` column; the method fallback if it cannot be read."""
    return parse_limits(text) or parse_limits(DEFAULT_METHOD_LIMITS) or ()


def excess(counts: Limits, ours: Callable[[float], int]) -> int:
    """How many requests Riot counted beyond our log: the largest excess over all windows.
    ``ours(window)`` is how many of our stamps lie within ``window`` plus the slack."""
    return max([0, *(int(counted) - ours(window) for counted, window in counts)])


def log_counter(stamps: Sequence[float], now: float, margin: float) -> Callable[[float], int]:
    """``ours`` for ``excess``: how many of ``stamps`` lie within a window (plus margin and
    slack) of ``now``."""

    def ours(window: float) -> int:
        return sum(1 for s in stamps if s > now - window - margin - COUNT_SLACK)

    return ours


def phantoms(counts: Limits, stamps: Sequence[float], now: float, margin: float) -> int:
    """``excess`` against a list of counted stamps."""
    return excess(counts, log_counter(stamps, now, margin))
