"""Follow a run's log as it is written: `riotjobs show ID --follow` and `logs JOB --follow`.

The running process flushes its log tail to its row about every second and notifies
``runs.livelog.CHANNEL``; the follower LISTENs on its own connection, re-reads the row when
woken and prints what is new. It polls only when nothing came for ``poll_s`` seconds, to tell a
quiet run from a dead one: a ``running`` row whose job lock nobody holds belongs to a process
that died, and is marked ``abandoned`` (as `status` does), which ends the follow.

The stored log is a bounded tail (``[... N bytes cut ...]`` at its head), so the follower counts
bytes ever logged (cut + kept) and prints only those it has not seen; if it fell behind by more
than the tail it says how much it missed. Following never writes to a live run's row.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from riotjobs.errors import ExitCode, RiotJobsError, UsageError
from riotjobs.runs import livelog, orphans

if TYPE_CHECKING:
    import psycopg

    from riotjobs.runs.livelog import LiveRow

POLL_S = 3.0  # without notifications, how often to check that the run is still alive
_CUT = re.compile(r"\A\[\.\.\. (\d+) bytes cut \.\.\.\]\n")

Write = Callable[[str], None]
OnAbandoned = Callable[[list[int]], None]


def exit_code(row: LiveRow) -> int:
    """What a follower exits with: the run's own code; 1 for a run that died (abandoned)."""
    return int(row.exit_code) if row.exit_code is not None else int(ExitCode.FAILED)


class LogPrinter:
    """Prints the part of successive log tails not printed yet."""

    def __init__(self, write: Write) -> None:
        self._write = write
        self.seen = 0  # bytes ever logged that were printed (or reported missed)

    def feed(self, text: str) -> None:
        cut_marker = _CUT.match(text)
        cut = int(cut_marker[1]) if cut_marker else 0
        body = (text[cut_marker.end() :] if cut_marker else text).encode("utf-8", "replace")
        new = cut + len(body) - self.seen
        if new <= 0:
            return
        if new > len(body):
            self._write(f"[... {new - len(body)} bytes missed ...]\n")
            new = len(body)
        self._write(body[len(body) - new :].decode("utf-8", "replace"))
        self.seen = cut + len(body)


def follow_run(
    *,
    conn: psycopg.Connection[Any],
    execution_id: int,
    write: Write,
    on_abandoned: OnAbandoned | None = None,
    poll_s: float = POLL_S,
) -> LiveRow:
    """Print the run's log, then what is logged, until the run ends; return its final row.
    ``conn`` must be in autocommit mode. Raises ``UsageError`` for an unknown id."""
    conn.execute(f"LISTEN {livelog.CHANNEL}")  # before the first read: nothing is missed
    row = livelog.read(conn, execution_id=execution_id)
    if row is None:
        raise UsageError(f"no execution with id {execution_id}")
    return _follow(conn, row, LogPrinter(write), on_abandoned, poll_s)


def follow_job(
    *,
    conn: psycopg.Connection[Any],
    job_id: str,
    write: Write,
    on_waiting: Callable[[], None] | None = None,
    on_abandoned: OnAbandoned | None = None,
    poll_s: float = POLL_S,
) -> LiveRow:
    """``follow_run`` for the job's current run; when none runs, wait for the next one
    (``on_waiting`` is called once, before waiting)."""
    conn.execute(f"LISTEN {livelog.CHANNEL}")
    _reap(conn, job_id, on_abandoned)  # a dead run is not the current run: wait for the next
    waited = False
    while True:
        row = livelog.latest(conn, job_id=job_id, running=True)
        if row is not None:
            return _follow(conn, row, LogPrinter(write), on_abandoned, poll_s)
        if not waited and on_waiting is not None:
            on_waiting()
        waited = True
        # A new run announces itself with its first flush, about a second after it starts.
        _wait(conn, poll_s, wanted=None)


def _follow(
    conn: psycopg.Connection[Any],
    row: LiveRow,
    printer: LogPrinter,
    on_abandoned: OnAbandoned | None,
    poll_s: float,
) -> LiveRow:
    while True:
        printer.feed(row.log)
        if row.status != "running":
            return row
        if not _wait(conn, poll_s, wanted=str(row.id)):
            _reap(conn, row.job_id, on_abandoned)
        again = livelog.read(conn, execution_id=row.id)
        if again is None:
            raise RiotJobsError(f"execution {row.id} was deleted while being followed")
        row = again


def _wait(conn: psycopg.Connection[Any], timeout: float, *, wanted: str | None) -> bool:
    """Wait up to ``timeout`` s for a notification (with payload ``wanted``, if given)."""
    end = time.monotonic() + timeout
    while (left := end - time.monotonic()) > 0:
        for note in conn.notifies(timeout=left, stop_after=1):
            if wanted is None or note.payload == wanted:
                return True
    return False


def _reap(conn: psycopg.Connection[Any], job_id: str, on_abandoned: OnAbandoned | None) -> None:
    """Quiet for a while: if the run's process is gone (its lock is free), mark it abandoned."""
    reaped = orphans.reap(conn, [job_id])
    if reaped and on_abandoned is not None:
        on_abandoned(reaped)
