"""Capture a run's log records into a bounded tail that is stored on its ``job_executions`` row.

Only the newest ``limit`` bytes are kept: a runaway task cannot bloat the table, and the end of a
log (where the failure is) is the part an operator reads. Whatever was dropped is announced by a
marker at the head, ``[... N bytes cut ...]``.
"""

from __future__ import annotations

import logging
import time
from collections import deque

LOG_LIMIT = 256 * 1024
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Room kept free for the marker so that the stored text never exceeds the limit.
_MARKER_ROOM = 48


def formatter() -> logging.Formatter:
    """UTC timestamps, so logs from hosts in different zones read the same."""
    fmt = logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%dT%H:%M:%SZ")
    fmt.converter = time.gmtime
    return fmt


class LogTail(logging.Handler):
    """A logging handler that keeps the last ``limit`` bytes of formatted records."""

    def __init__(self, limit: int = LOG_LIMIT) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(formatter())
        self._budget = max(limit - _MARKER_ROOM, 1)
        self._lines: deque[bytes] = deque()
        self._size = 0
        self._cut = 0
        self.version = 0  # bumped by every record: the live-log flusher writes only on change

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = (self.format(record) + "\n").encode("utf-8", "replace")
        except Exception:
            self.handleError(record)
            return
        if len(line) > self._budget:
            self._cut += len(line) - self._budget
            line = line[-self._budget :]
        self._lines.append(line)
        self._size += len(line)
        self.version += 1
        while self._size > self._budget:
            dropped = self._lines.popleft()
            self._size -= len(dropped)
            self._cut += len(dropped)

    def text(self, *, timeout: float = -1) -> str:
        """The captured tail. ``timeout`` bounds the wait for the handler's lock, so that the
        watchdog can still read it when the main thread is stuck inside a log call."""
        assert self.lock is not None
        locked = self.lock.acquire(timeout=timeout)
        try:
            body = b"".join(self._lines).decode("utf-8", "replace")
            cut = self._cut
        finally:
            if locked:
                self.lock.release()
        if cut:
            return f"[... {cut} bytes cut ...]\n{body}"
        return body


class capture:
    """Attach a ``LogTail`` (and optional extra handlers) to the ``riotjobs`` logger tree."""

    def __init__(self, tail: LogTail, *extra: logging.Handler) -> None:
        self.tail = tail
        self.handlers = (tail, *extra)
        self._logger = logging.getLogger("riotjobs")
        self._level = self._logger.level

    def __enter__(self) -> LogTail:
        if self._logger.getEffectiveLevel() > logging.INFO:
            self._logger.setLevel(logging.INFO)
        for handler in self.handlers:
            self._logger.addHandler(handler)
        return self.tail

    def __exit__(self, *_: object) -> None:
        for handler in self.handlers:
            self._logger.removeHandler(handler)
        self._logger.setLevel(self._level)
