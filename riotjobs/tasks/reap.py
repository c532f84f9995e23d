"""`reap`: mark runs left ``running`` by dead processes as ``abandoned``, for every job; then
start the catch-up run of every job whose last scheduled run was missed.

A row is an orphan exactly when nobody holds its job's run lock (``riotjobs.runs.orphans``), so a
job that is running right now is never touched. ``riotjobs run`` and ``riotjobs status`` reap
too; this task also covers jobs that are rarely run or watched.

Catch-ups (``riotjobs.runs.catchup``): the reap job runs every ten minutes from cron, so a missed
run of a job with ``catch_up`` in jobs.yaml is found without a daemon, also on hosts that were not
rebooted (cron's ``@reboot`` line covers those that were). Each catch-up is its own
``riotjobs run JOB --trigger catchup`` process, started and not waited for.
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
    _catch_up(ctx)
    return TaskOutcome()


def _catch_up(ctx: TaskContext) -> None:
    from riotjobs.config import load_jobs_for
    from riotjobs.runs import catchup
    from riotjobs.tasks.registry import REGISTRY

    jobs = load_jobs_for(ctx.settings, registry=REGISTRY)
    with ctx.engine.connect() as conn:
        due = catchup.due_jobs(conn=conn.connection.driver_connection, jobs=jobs.jobs.values())
    for item in due:
        ctx.log.info("catching up %s: its run at %s was missed", item.job_id, item.missed)
    catchup.spawn([item.job_id for item in due])
