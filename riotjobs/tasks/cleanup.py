"""`cleanup`: retention of run history, so the history tables stay small under a 2-minute cron.

Deletes ``job_executions`` rows older than ``retention_days``, always keeping the newest
``keep_per_job`` of each job (a job that runs rarely keeps its history) and never touching a
``running`` row. Also prunes delivered ``notifications`` and closed ``job_incidents`` older than
the retention, and limiter state (``rate_limit_scopes``) idle for a day, which a rotated
development key leaves behind every 24 h. Deletes go in batches of ``batch_size`` rows with a
commit after each, so a large backlog never holds long locks or one huge transaction that a
timeout would roll back whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from riotjobs.tasks.base import TaskConfig, TaskOutcome

if TYPE_CHECKING:
    from riotjobs.tasks.base import TaskContext


class Config(TaskConfig):
    retention_days: int = Field(default=30, ge=1, le=3650)
    keep_per_job: int = Field(default=50, ge=0, le=100_000)
    batch_size: int = Field(default=5000, ge=100, le=100_000)


# The newest `keep` rows of a job are kept whatever their age: the boundary is the keep-th newest
# (started_at, id); older rows are candidates. Rows inserted meanwhile are newer, so the boundary
# stays valid across batches.
_BOUNDARY = """
SELECT started_at, id FROM job_executions WHERE job_id = :job
ORDER BY started_at DESC, id DESC OFFSET :offset LIMIT 1
"""
_DELETE_EXECUTIONS = """
DELETE FROM job_executions WHERE id IN (
  SELECT id FROM job_executions
  WHERE job_id = :job AND status <> 'running' AND started_at < :cutoff {boundary}
  LIMIT :batch)
"""
_DELETE_NOTIFICATIONS = """
DELETE FROM notifications WHERE id IN (
  SELECT id FROM notifications
  WHERE delivered_at IS NOT NULL AND created_at < :cutoff LIMIT :batch)
"""
_DELETE_INCIDENTS = """
DELETE FROM job_incidents WHERE id IN (
  SELECT id FROM job_incidents WHERE closed_at IS NOT NULL AND closed_at < :cutoff LIMIT :batch)
"""
# Riot's longest windows are minutes long, so a scope untouched for a day holds no live stamps;
# the limiter recreates a deleted row (relearning its limits from the next response).
_DELETE_SCOPES = """
DELETE FROM rate_limit_scopes WHERE scope IN (
  SELECT scope FROM rate_limit_scopes WHERE updated_at < now() - interval '1 day' LIMIT :batch)
"""


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    from sqlalchemy import text

    with ctx.session() as session:
        cutoff = session.execute(
            text("SELECT now() - make_interval(days => :d)"), {"d": config.retention_days}
        ).scalar_one()
        job_ids = [
            r[0] for r in session.execute(text("SELECT DISTINCT job_id FROM job_executions"))
        ]
        session.commit()
    executions = 0
    for job_id in sorted(job_ids):
        params: dict[str, Any] = {"job": job_id, "cutoff": cutoff, "batch": config.batch_size}
        statement = _DELETE_EXECUTIONS.format(boundary="")
        if config.keep_per_job > 0:
            with ctx.session() as session:
                boundary = session.execute(
                    text(_BOUNDARY), {"job": job_id, "offset": config.keep_per_job - 1}
                ).first()
                session.commit()
            if boundary is None:
                continue  # no more rows than keep_per_job
            params.update(b_started=boundary[0], b_id=boundary[1])
            statement = _DELETE_EXECUTIONS.format(
                boundary="AND (started_at, id) < (:b_started, :b_id)"
            )
        executions += _in_batches(ctx, statement, params)
    batch = {"cutoff": cutoff, "batch": config.batch_size}
    notifications = _in_batches(ctx, _DELETE_NOTIFICATIONS, batch)
    incidents = _in_batches(ctx, _DELETE_INCIDENTS, batch)
    scopes = _in_batches(ctx, _DELETE_SCOPES, {"batch": config.batch_size})
    ctx.counters.add("records_updated", executions + notifications + incidents + scopes)
    ctx.log.info(
        "deleted %d execution(s), %d delivered notification(s), %d closed incident(s) "
        "older than %d days (keeping the newest %d runs of each job), %d idle limiter scope(s)",
        executions, notifications, incidents, config.retention_days, config.keep_per_job, scopes,
    )  # fmt: skip
    return TaskOutcome()


def _in_batches(ctx: TaskContext, statement: str, params: dict[str, Any]) -> int:
    """Run a bounded DELETE until it deletes nothing, committing after each batch."""
    from sqlalchemy import text

    total = 0
    while True:
        with ctx.session() as session:
            deleted = int(session.execute(text(statement), params).rowcount)  # type: ignore[attr-defined]
            session.commit()
        total += deleted
        if deleted < params["batch"]:
            return total
