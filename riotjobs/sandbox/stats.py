"""Request statistics the sandbox reports at ``GET /sandbox/stats``."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

# Arrivals kept for ``GET /sandbox/arrivals``: enough for any benchmark run, bounded for a
# long-running sandbox.
MAX_ARRIVALS = 100_000


class Stats:
    """Counters of what clients did; the limiter keeps the per-window peaks."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.total = 0
        self.by_endpoint: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.by_routing: Counter[str] = Counter()
        self.rate_limited: Counter[str] = Counter()  # application / method / service
        self.rate_limited_by_scope: Counter[str] = Counter()  # "na1 method:match"
        self.faults: Counter[str] = Counter()  # 5xx / malformed / service_429 / slow
        self.first: float | None = None
        self.last: float | None = None
        # (seconds since the first request, routing value, endpoint, status): where a client's
        # requests fell in the limiter's windows, to see what a run lost and where.
        self.arrivals: list[tuple[float, str, str, int]] = []

    def record(self, *, endpoint: str, routing: str, status: int) -> None:
        now = time.time()
        if self.first is None:
            self.first = now
        self.last = now
        if len(self.arrivals) < MAX_ARRIVALS:
            self.arrivals.append((round(now - self.first, 4), routing, endpoint, status))
        self.total += 1
        self.by_endpoint[endpoint] += 1
        self.by_status[status] += 1
        if routing:
            self.by_routing[routing] += 1

    def limited(self, kind: str, scope: str = "") -> None:
        self.rate_limited[kind] += 1
        if scope:
            self.rate_limited_by_scope[scope] += 1

    def document(self, peaks: list[dict[str, Any]]) -> dict[str, Any]:
        span = (self.last - self.first) if self.first is not None and self.last else 0.0
        return {
            "requests": {
                "total": self.total,
                "by_endpoint": dict(sorted(self.by_endpoint.items())),
                "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
                "by_routing": dict(sorted(self.by_routing.items())),
            },
            "rate_limited": {
                "total": sum(self.rate_limited.values()),
                "by_type": dict(sorted(self.rate_limited.items())),
                "by_scope": dict(sorted(self.rate_limited_by_scope.items())),
            },
            "faults": dict(sorted(self.faults.items())),
            "windows": peaks,
            "max_peak_ratio": max((p["peak"] / _limit(p["limit"]) for p in peaks), default=0.0),
            "first_request_at": self.first,
            "last_request_at": self.last,
            "span_seconds": round(span, 3),
        }


def _limit(spec: str) -> int:
    return int(spec.split(":", 1)[0])
