"""The sandbox clock: real time scaled by ``clock_speed`` plus manual jumps, from ``start``."""

from __future__ import annotations

import time


class SandboxClock:
    """``now()`` is sandbox epoch seconds; ``advance`` jumps forward (tests, demos)."""

    def __init__(self, start: float, speed: float = 1.0) -> None:
        self.start = start
        self.speed = speed
        self._origin = time.monotonic()
        self._offset = 0.0

    def now(self) -> float:
        return self.start + (time.monotonic() - self._origin) * self.speed + self._offset

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self._offset += seconds
        return self.now()
