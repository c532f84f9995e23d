"""A Riot-like rate limiter: fixed windows per routing value, for the application and per method.

Each limit ``COUNT:SECONDS`` has its own window, which starts at the first request after the
previous window ended (not on a wall-clock grid) and lasts SECONDS. Every request that passes
authentication counts in its routing value's application windows and in its method's windows,
including requests that are answered 429 or faulted (Riot's edge counts what it receives). A
request whose count goes above a limit is rejected: the application limit is checked first.
The limiter also remembers the highest count any window reached (``peak``), so a test can prove
that a client never went past a limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from riotjobs.sandbox.config import Limit, format_limits


@dataclass(slots=True)
class Window:
    limit: int
    seconds: int
    started: float = -math.inf
    count: int = 0
    peak: int = 0
    windows: int = 0

    def hit(self, now: float) -> None:
        if now >= self.started + self.seconds:
            self.started, self.count = now, 0
            self.windows += 1
        self.count += 1
        self.peak = max(self.peak, self.count)

    def current(self, now: float) -> int:
        return self.count if now < self.started + self.seconds else 0

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.started + self.seconds - now))


@dataclass(slots=True)
class Decision:
    """What the limiter decided for one request, with the headers to send back."""

    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    rejected_by: str | None = None  # "application" or "method"
    retry_after: int = 0


class RateLimiter:
    """Windows keyed by (routing value, scope); scope is ``application`` or ``method:<name>``."""

    def __init__(self, app_limits: tuple[Limit, ...], method_limits: dict[str, tuple[Limit, ...]]):
        self.app_limits = app_limits
        self.method_limits = method_limits
        self._app_header = format_limits(app_limits).encode()
        self._method_headers = {k: format_limits(v).encode() for k, v in method_limits.items()}
        self.windows: dict[tuple[str, str], list[Window]] = {}

    def _windows(self, routing: str, scope: str, limits: tuple[Limit, ...]) -> list[Window]:
        key = (routing, scope)
        found = self.windows.get(key)
        if found is None:
            found = self.windows[key] = [Window(count, seconds) for count, seconds in limits]
        return found

    def hit(self, routing: str, method: str, now: float) -> Decision:
        decision = Decision()
        scopes = (
            ("application", self._windows(routing, "application", self.app_limits)),
            ("method", self._windows(routing, f"method:{method}", self.method_limits[method])),
        )
        over: list[Window] = []
        for kind, windows in scopes:
            for window in windows:
                window.hit(now)
                if window.count > window.limit:
                    over.append(window)
                    decision.rejected_by = decision.rejected_by or kind
            if windows:
                prefix = b"X-App-Rate-Limit" if kind == "application" else b"X-Method-Rate-Limit"
                limit = self._app_header if kind == "application" else self._method_headers[method]
                counts = ",".join(f"{w.count}:{w.seconds}" for w in windows).encode()
                decision.headers += [(prefix, limit), (prefix + b"-Count", counts)]
        if over:
            decision.retry_after = max(w.retry_after(now) for w in over)
        return decision

    def peaks(self) -> list[dict[str, object]]:
        """Per routing value, scope and limit: the highest count seen in any one window."""
        return [
            {
                "routing": routing,
                "scope": scope,
                "limit": f"{w.limit}:{w.seconds}",
                "peak": w.peak,
                "windows": w.windows,
                "exceeded": w.peak > w.limit,
            }
            for (routing, scope), windows in sorted(self.windows.items())
            for w in windows
        ]

    def reset_peaks(self, now: float) -> None:
        for windows in self.windows.values():
            for w in windows:
                w.peak, w.windows = w.current(now), int(w.current(now) > 0)
