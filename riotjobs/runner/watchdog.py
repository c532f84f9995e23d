"""The run's watchdog: ends a run at its deadline, on SIGTERM/SIGINT or when someone cancels it
(`riotjobs cancel`, from any host), even when it is stuck.

Tasks run in the main thread. The watchdog thread wakes when the deadline passes, when a signal
arrived, when a cancel request came in (``cancelled``, polled with the signals), or when the
lock connection stopped answering (the database is gone). Then it

1. terminates the run's database backends, so Postgres rolls back the open transaction and a
   blocked statement returns at once;
2. closes the Riot client (``on_abort``), which breaks a blocked network read;
3. sends SIGUSR1 to the main thread, whose handler raises ``RunAborted`` (a ``BaseException``, so
   a task's ``except Exception`` cannot swallow it) to unwind even a ``time.sleep``; never in
   the middle of an import (it would leave the module half-initialised), so the signal is sent
   again until the main thread takes it;
4. gives the main thread ``grace`` seconds to unwind and record the run, and if it is still stuck
   writes the row itself (``finalize_stuck``) and ends the process with ``os._exit``.

Signal handlers only set an attribute; the watchdog polls it. Taking a lock inside a handler could
deadlock against the main thread it interrupted.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from riotjobs.errors import ExitCode, first_line

log = logging.getLogger("riotjobs.runner")

_POLL_S = 0.2
_WAKE_S = 0.05


def _importing(frame: FrameType | None) -> bool:
    """Whether the interrupted code runs inside an import (importlib's frames are on the stack:
    a module's top level is executing)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


class RunAborted(BaseException):
    """Raised in the main thread to unwind the task the watchdog stopped."""


@dataclass(frozen=True)
class Abort:
    status: str  # "timeout", "failed" or "cancelled"
    exit_code: int
    error: str
    database_lost: bool = False


def _signal_abort(signum: int) -> Abort:
    name = signal.Signals(signum).name
    code = ExitCode.SIGINT if signum == signal.SIGINT else ExitCode.SIGTERM
    return Abort("failed", int(code), f"interrupted by {name}")


class Watchdog:
    """Guards one run. The main thread calls ``start``, runs tasks, then ``leave_tasks`` (which
    says whether and why the run was aborted), records the run, then ``stop``."""

    def __init__(
        self,
        *,
        deadline: float,
        timeout_s: int,
        terminate: Callable[[], None],
        ping: Callable[[], None],
        on_abort: Callable[[], None],
        finalize_stuck: Callable[[Abort], None],
        cancelled: Callable[[], str | None] | None = None,
        grace: float = 2.0,
        ping_interval: float = 5.0,
    ) -> None:
        self.deadline = deadline
        self.timeout_s = timeout_s
        self._terminate = terminate
        self._ping = ping
        self._on_abort = on_abort
        self._finalize_stuck = finalize_stuck
        self._cancelled = cancelled
        self._grace = grace
        self._ping_interval = ping_interval
        self._state = threading.Lock()
        self._done = threading.Event()
        self.phase = "tasks"  # then "finalizing" (main thread) or "watchdog" (this thread)
        self.abort: Abort | None = None
        self._signum: int | None = None
        self._raised = False
        self._main = threading.main_thread().ident
        self._signals = threading.current_thread() is threading.main_thread()
        self._previous: dict[int, Any] = {}
        self._thread = threading.Thread(target=self._watch, name="riotjobs-watchdog", daemon=True)

    # --- main thread ------------------------------------------------------------------------

    def install(self) -> None:
        """Catch SIGTERM/SIGINT from now on (before the row exists, so a signal can never kill
        a run whose row is ``running``); the thread acts on them once started."""
        if self._signals and not self._previous:
            for signum, handler in (
                (signal.SIGTERM, self._on_signal),
                (signal.SIGINT, self._on_signal),
                (signal.SIGUSR1, self._on_wake),
            ):
                self._previous[signum] = signal.signal(signum, handler)

    def start(self) -> None:
        self.install()
        self._thread.start()

    def leave_tasks(self) -> Abort | None:
        """End the task phase (the watched phase: it starts with ``start``, before the run's
        first statement). Returns the abort, if any; calling it again returns the same. Never
        returns when the watchdog has already taken over: it records the run and ends the
        process."""
        with self._state:
            if self.phase == "tasks":
                self.phase = "finalizing"
            if self.phase == "finalizing":
                return self.abort
        threading.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._signum is None:
            self._signum = signum

    def _on_wake(self, signum: int, frame: FrameType | None) -> None:
        if self.phase == "tasks" and self.abort is not None and not self._raised:
            if _importing(frame):
                # An exception inside a module's first import leaves it (and packages that
                # imported it) half-initialised for the rest of the process: recording the
                # run and alerting then fail. The watchdog wakes us again in a moment.
                return
            self._raised = True
            raise RunAborted(self.abort.error)

    # --- watchdog thread --------------------------------------------------------------------

    def _watch(self) -> None:
        next_ping = time.monotonic() + self._ping_interval
        while not self._done.wait(_POLL_S):
            now = time.monotonic()
            if self._signum is not None:
                return self._fire(_signal_abort(self._signum))
            if now >= self.deadline:
                error = f"timed out after {self.timeout_s} s"
                return self._fire(Abort("timeout", int(ExitCode.TIMEOUT), error))
            why = self._cancel_request()
            if why is not None:
                return self._fire(Abort("cancelled", int(ExitCode.CANCELLED), why))
            if now >= next_ping:
                try:
                    self._ping()
                except Exception as exc:
                    reason = first_line(exc, limit=500, empty="closed")
                    error = f"lost the database connection: {reason}"
                    return self._fire(Abort("failed", int(ExitCode.UNAVAILABLE), error, True))
                next_ping = now + self._ping_interval
        return None

    def _cancel_request(self) -> str | None:
        if self._cancelled is None:
            return None
        try:
            return self._cancelled()
        except Exception:  # a lost connection is the ping's to report
            return None

    def _fire(self, abort: Abort) -> None:
        with self._state:
            mine = self.phase == "tasks"
            if mine:
                self.abort = abort
        if not mine:
            # The tasks are over and the main thread is recording the run; only make sure a
            # stuck write cannot keep the process alive.
            if not self._done.wait(self._grace * 2):
                self._exit(abort.exit_code)
            return
        log.warning("stopping the run: %s", abort.error)
        steps: list[Callable[[], None]] = [self._on_abort]
        if not abort.database_lost:
            steps.insert(0, self._terminate)
        for step in steps:
            try:
                step()
            except Exception as exc:
                log.warning("while stopping the run: %s", exc)
        if self._wake_until(time.monotonic() + self._grace):
            return
        with self._state:
            mine = self.phase == "tasks"
            if mine:
                self.phase = "watchdog"
        if mine:
            log.error("the run did not stop within %.0f s; recording it and exiting", self._grace)
            with contextlib.suppress(Exception):
                self._finalize_stuck(abort)
            self._exit(abort.exit_code)
        elif not self._done.wait(self._grace):
            self._exit(abort.exit_code)

    def _wake_until(self, end: float) -> bool:
        """Send the main thread SIGUSR1, again every ``_WAKE_S`` while it has not taken it (it
        was importing), until the run is done (True) or ``end`` (False)."""
        while True:
            if self._signals and self._main is not None and not self._raised:
                with contextlib.suppress(Exception):
                    signal.pthread_kill(self._main, signal.SIGUSR1)
            left = end - time.monotonic()
            if self._done.wait(max(0.0, min(_WAKE_S, left))):
                return True
            if left <= _WAKE_S:
                return False

    @staticmethod
    def _exit(code: int) -> None:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os._exit(code)
