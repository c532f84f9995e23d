"""A task that freezes its whole process, for `riotjobs cancel`'s last resort: it blocks the
signals and sleeps in C while holding the GIL (``ctypes.PyDLL``), so neither the watchdog
thread nor a signal handler can run. Only ending its database sessions from outside ends the
run. It freezes inside an open transaction and touches ``$RIOTJOBS_TEST_FROZEN`` first, so the
test knows the freeze has begun."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
from pathlib import Path

from riotjobs.tasks.base import TaskConfig, TaskContext, TaskOutcome


class Config(TaskConfig):
    pass


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    from sqlalchemy import text

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGUSR1})
    with ctx.session() as session:  # freeze inside an open transaction: it must roll back
        session.execute(text("INSERT INTO players (puuid, platform) VALUES ('frozen', 'na1')"))
        Path(os.environ["RIOTJOBS_TEST_FROZEN"]).touch()
        ctypes.PyDLL(ctypes.util.find_library("c")).sleep(40)
        session.commit()
    return TaskOutcome()
