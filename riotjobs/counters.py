"""Thread-safe run counters, recorded on every job execution.

The Riot client bumps ``api_requests_made`` and ``rate_limited_responses`` from its worker
threads, and tasks bump the rest, so increments take a lock.
"""

from __future__ import annotations

import threading

COUNTER_NAMES: tuple[str, ...] = (
    "api_requests_made",
    "rate_limited_responses",
    "records_created",
    "records_updated",
    "players_processed",
    "matches_fetched",
    "players_discovered",
    "players_analyzed",
    "smurfs_detected",
    "ban_checks",
)


class Counters:
    """A fixed set of named integer counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = dict.fromkeys(COUNTER_NAMES, 0)

    def add(self, name: str, amount: int = 1) -> None:
        if name not in self._values:
            raise KeyError(f"unknown counter {name!r}")
        with self._lock:
            self._values[name] += amount

    def get(self, name: str) -> int:
        return self._values[name]

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return dict(self._values)

    def merge(self, other: dict[str, int]) -> None:
        for name, amount in other.items():
            self.add(name, amount)
