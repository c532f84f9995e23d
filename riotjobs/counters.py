"""Thread-safe run counters, recorded on every job execution.

The Riot client bumps ``api_requests_made`` and ``rate_limited_responses`` from its worker
threads, and tasks bump the rest, so increments take a lock. ``Counters.usage`` splits the
client's requests and 429s by endpoint and routing value (``ApiUsage``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

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
        self.usage = ApiUsage()

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


# The kinds of 429 a run counts: Riot's ``X-Rate-Limit-Type`` values, and "untyped" for a 429
# that names none (or a type Riot has not documented). One column and one label value each.
RATE_LIMIT_TYPES: tuple[str, ...] = ("application", "method", "service", "untyped")


def limit_type(header: str | None) -> str:
    """The ``RATE_LIMIT_TYPES`` word of a 429's ``X-Rate-Limit-Type`` header."""
    value = (header or "").strip().lower()
    return value if value in RATE_LIMIT_TYPES[:3] else "untyped"


@dataclass(frozen=True)
class UsageRow:
    """A run's requests to one endpoint on one routing value, and the 429s among them."""

    endpoint: str
    routing: str
    requests: int
    rate_limited: dict[str, int]  # by RATE_LIMIT_TYPES word, every word present


class ApiUsage:
    """Requests and 429s by (endpoint, routing value). Keys are the client's endpoint names and
    routing values, never request parameters, so a run holds at most endpoints x routings rows
    however many players it touches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str], int] = {}
        self._limited: dict[tuple[str, str, str], int] = {}

    def request(self, endpoint: str, routing: str) -> None:
        with self._lock:
            key = (endpoint, routing)
            self._requests[key] = self._requests.get(key, 0) + 1

    def rate_limited(self, endpoint: str, routing: str, header: str | None) -> None:
        with self._lock:
            key = (endpoint, routing, limit_type(header))
            self._limited[key] = self._limited.get(key, 0) + 1

    def rows(self) -> list[UsageRow]:
        with self._lock:
            keys = set(self._requests) | {(e, r) for e, r, _ in self._limited}
            return [
                UsageRow(
                    endpoint,
                    routing,
                    self._requests.get((endpoint, routing), 0),
                    {t: self._limited.get((endpoint, routing, t), 0) for t in RATE_LIMIT_TYPES},
                )
                for endpoint, routing in sorted(keys)
            ]
