"""`reap`: mark runs left ``running`` by dead processes as ``abandoned``, for every job.

A row is an orphan exactly when nobody holds its job's run lock (``riotjobs.runs.orphans``), so a
job that is running right now is never touched. ``riotjobs run`` and ``riotjobs status`` reap
too; this task also covers jobs that are rarely run or watched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from riotjobs.tasks.base import TaskConfig, TaskOutcome

if TYPE_CHECKING:
    from riotjobs.tasks.base import TaskContext


class Config(TaskConfig):
    pass


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    from riotjobs.runs.orphans import reap_orphans

    found_by = f"the reap task of `riotjobs run {ctx.job_id}` (execution {ctx.execution_id})"
    reaped = reap_orphans(ctx.engine, found_by=found_by, on_abandoned=ctx.on_abandoned)
    ctx.counters.add("records_updated", reaped)
    ctx.log.info("marked %d orphaned run(s) abandoned", reaped)
    return TaskOutcome()
