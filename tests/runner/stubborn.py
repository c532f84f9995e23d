"""A misbehaving task for the watchdog test: it swallows every exception, even ``RunAborted``,
so only the watchdog's last resort (record the row itself, then ``os._exit``) can end the run."""

from __future__ import annotations

import time

from riotjobs.tasks.base import TaskConfig, TaskContext, TaskOutcome


class Config(TaskConfig):
    pass


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    ctx.log.info("refusing to stop")
    end = time.monotonic() + 120
    while time.monotonic() < end:
        try:
            time.sleep(0.5)
        except BaseException:  # the point of this task
            ctx.log.info("ignored an attempt to stop me")
    return TaskOutcome()
