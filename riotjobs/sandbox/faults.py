"""Fault injection from a seeded RNG, so a run with the same requests sees the same faults.

One draw per request decides, in this order of bands: a service 429 (``service_429_rate``),
a 5xx (``fault_rate``, an even mix of 500/502/503/504), a malformed 200 body
(``malformed_rate``), else nothing. A second, independent draw decides a slow response
(``slow_rate``). Faults are drawn only for requests that passed auth and the rate limiter, so
they count toward the limits like any request Riot's edge receives.
"""

from __future__ import annotations

import json
from random import Random
from typing import Any

from riotjobs.sandbox.config import SandboxConfig
from riotjobs.sandbox.routes import riot_error

_5XX = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


class Faults:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._rng = Random(f"{config.seed}:faults")
        self._slow = Random(f"{config.seed}:slow")

    def draw(self) -> str | None:
        """``service_429``, ``5xx``, ``malformed`` or None for this request."""
        cfg = self.config
        if not (cfg.service_429_rate or cfg.fault_rate or cfg.malformed_rate):
            return None
        roll = self._rng.random()
        if roll < cfg.service_429_rate:
            return "service_429"
        roll -= cfg.service_429_rate
        if roll < cfg.fault_rate:
            return "5xx"
        roll -= cfg.fault_rate
        return "malformed" if roll < cfg.malformed_rate else None

    def delay(self) -> float:
        """Seconds to wait before answering: the base latency plus an occasional stall."""
        seconds = self.config.latency_ms / 1000
        if self.config.slow_rate and self._slow.random() < self.config.slow_rate:
            seconds += self.config.slow_ms / 1000
        return seconds

    def server_error(self) -> tuple[int, bytes]:
        status = self._rng.choice(tuple(_5XX))
        return status, json.dumps(riot_error(status, _5XX[status])).encode()

    def service_429(self) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        """Body and extra headers: half say ``X-Rate-Limit-Type: service``, half say nothing."""
        headers = [(b"X-Rate-Limit-Type", b"service")] if self._rng.random() < 0.5 else []
        return json.dumps(riot_error(429, "Rate limit exceeded")).encode(), headers

    def malform(self, body: bytes) -> bytes:
        """A truncated body, a non-JSON body, or valid JSON with the wrong types."""
        kind = self._rng.randrange(3)
        if kind == 0:
            return body[: max(1, len(body) // 2)]
        if kind == 1:
            return b"<html><body>upstream sent an invalid response</body></html>"
        return json.dumps(_wrong_types(json.loads(body))).encode()


def _wrong_types(doc: Any) -> Any:
    if isinstance(doc, list):
        return [{"value": item} for item in doc] or {"unexpected": True}
    if isinstance(doc, dict):
        return {key: _scramble(value) for key, value in doc.items()}
    return [doc]


def _scramble(value: Any) -> Any:
    if isinstance(value, int | float):  # bools too
        return str(value)
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return {key: _scramble(v) for key, v in value.items()}
    return {"items": value}
