"""Rate-limit header parsing and the key fingerprint.

Riot announces limits as ``<count>:<seconds>`` pairs, e.g. ``X-App-Rate-Limit: 20:1,100:120``,
and what it has counted so far in the same shape (``X-App-Rate-Limit-Count: 3:1,45:120``). A 429
adds ``X-Rate-Limit-Type`` (application, method or service) and ``Retry-After`` in seconds; a
service 429 may carry neither.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

Limits = tuple[tuple[int, float], ...]  # ((count, window_seconds), ...), sorted by window


def fingerprint(key: str) -> str:
    """The first 12 hex digits of sha256(key): names a key in the database, never reveals it."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def parse_limits(text: str | None) -> Limits | None:
    """``"20:1,100:120"`` → ``((20, 1.0), (100, 120.0))``; ``None`` when absent or malformed."""
    if not text:
        return None
    pairs: list[tuple[int, float]] = []
    for part in text.split(","):
        count, sep, window = part.strip().partition(":")
        try:
            pair = (int(count), float(window))
        except ValueError:
            return None
        if not sep or pair[0] < 0 or pair[1] <= 0:
            return None
        pairs.append(pair)
    return tuple(sorted(pairs, key=lambda p: p[1])) or None


def format_limits(limits: Limits) -> str:
    return ",".join(f"{count}:{window:g}" for count, window in limits)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (Riot sends integer seconds)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


@dataclass(frozen=True)
class RateHeaders:
    """The rate-limit facts of one response."""

    app_limits: Limits | None
    app_counts: Limits | None
    method_limits: Limits | None
    method_counts: Limits | None
    limit_type: str | None  # only on a 429: application, method or service
    retry_after: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateHeaders:
        limit_type = headers.get("x-rate-limit-type")
        return cls(
            app_limits=parse_limits(headers.get("x-app-rate-limit")),
            app_counts=parse_limits(headers.get("x-app-rate-limit-count")),
            method_limits=parse_limits(headers.get("x-method-rate-limit")),
            method_counts=parse_limits(headers.get("x-method-rate-limit-count")),
            limit_type=limit_type.strip().lower() if limit_type else None,
            retry_after=parse_retry_after(headers.get("retry-after")),
        )
