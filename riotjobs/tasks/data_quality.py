"""`data_quality`: consistency checks over the stored data; any finding makes the run partial.

Each check is one SQL query returning a count and a few example keys. The run logs one summary
line per check and records ``outcome.item_failed`` for every check that found something; it
changes no data, so the ``records_*`` counters stay at zero.

Checks:

- ``analyzed_without_analysis``: players marked analyzed with no player_analysis row.
- ``participants_without_player``: match_participants rows whose puuid has no players row.
- ``participant_count_mismatch``: matches whose ``participant_count`` differs from the number
  of stored participant rows.
- ``stale_tracked_players``: tracked, active players not updated within
  ``stale_tracked_factor`` times the tracked updater's interval. The interval is the longest gap
  of the schedule of the job(s) running ``update_tracked_players`` in jobs.yaml (the most
  frequent such job wins); with no such job it is ``tracked_interval_fallback_minutes``.
- ``overdue_running_executions``: executions still ``running`` after
  ``started_at + timeout_s + running_grace_seconds`` (a reaper or watchdog is not working).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import Field

from riotjobs.tasks.base import TaskConfig, TaskOutcome

if TYPE_CHECKING:
    from riotjobs.settings import Settings
    from riotjobs.tasks.base import TaskContext

TRACKED_TASK = "update_tracked_players"
EXAMPLES = 5


class Config(TaskConfig):
    stale_tracked_factor: float = Field(default=3.0, gt=0, le=1000)
    tracked_interval_fallback_minutes: int = Field(default=15, ge=1, le=100_000)
    running_grace_seconds: int = Field(default=60, ge=0, le=86_400)


# name -> (what the count means, SQL returning (n, examples)). Examples are capped keys for the
# log line, so an operator can start looking without another query.
CHECKS: dict[str, tuple[str, str]] = {
    "analyzed_without_analysis": (
        "analyzed players without an analysis row",
        """
        SELECT count(*), (array_agg(p.puuid ORDER BY p.puuid))[1:5]
        FROM players p
        WHERE p.is_analyzed
          AND NOT EXISTS (SELECT 1 FROM player_analysis a WHERE a.puuid = p.puuid)
        """,
    ),
    "participants_without_player": (
        "participant rows without a player row",
        """
        SELECT count(*), (array_agg(mp.match_id || '/' || mp.puuid ORDER BY mp.id))[1:5]
        FROM match_participants mp
        WHERE NOT EXISTS (SELECT 1 FROM players p WHERE p.puuid = mp.puuid)
        """,
    ),
    "participant_count_mismatch": (
        "matches whose participant_count disagrees with their stored participants",
        """
        SELECT count(*), (array_agg(m.match_id ORDER BY m.match_id))[1:5]
        FROM matches m
        LEFT JOIN (
            SELECT match_id, count(*) AS n FROM match_participants GROUP BY match_id
        ) c ON c.match_id = m.match_id
        WHERE m.participant_count <> coalesce(c.n, 0)
        """,
    ),
    "stale_tracked_players": (
        "tracked players not updated within the allowed interval",
        """
        SELECT count(*), (array_agg(p.puuid ORDER BY p.puuid))[1:5]
        FROM players p
        WHERE p.is_tracked AND p.is_active
          AND greatest(p.updated_at, coalesce(p.tracked_at, p.updated_at))
              < :now - make_interval(secs => :stale_s)
        """,
    ),
    "overdue_running_executions": (
        "executions still running past their timeout",
        """
        SELECT count(*), (array_agg(e.id::text ORDER BY e.id))[1:5]
        FROM job_executions e
        WHERE e.status = 'running'
          AND e.started_at + make_interval(secs => e.timeout_s + :grace_s) < :now
        """,
    ),
}


def run(ctx: TaskContext, config: Config) -> TaskOutcome:
    from sqlalchemy import text

    from riotjobs.db.models import utcnow

    interval, source = tracked_interval(ctx.settings, config.tracked_interval_fallback_minutes)
    stale_s = interval.total_seconds() * config.stale_tracked_factor
    ctx.log.info(
        "tracked updater interval %s (%s); stale after %s",
        interval,
        source,
        timedelta(seconds=round(stale_s)),
    )
    params = {"now": utcnow(), "stale_s": stale_s, "grace_s": config.running_grace_seconds}
    outcome = TaskOutcome()
    found = 0
    ctx.progress.start("data quality checks", len(CHECKS))
    with ctx.session() as session:
        for name, (meaning, sql) in CHECKS.items():
            count, examples = session.execute(text(sql), params).one()
            count = int(count)
            found += count
            if count:
                shown = ", ".join(examples or [])
                ctx.log.warning("check %s: %d %s (e.g. %s)", name, count, meaning, shown)
                outcome.item_failed(f"{name}: {count} {meaning}")
            else:
                ctx.log.info("check %s: ok", name)
            ctx.progress.advance()
    ctx.progress.finish()
    outcome.note = f"{found} issue(s) in {len(outcome.failures)} of {len(CHECKS)} checks"
    return outcome


def tracked_interval(settings: Settings, fallback_minutes: int) -> tuple[timedelta, str]:
    """How often tracked players are meant to be updated, and where that figure came from."""
    from riotjobs.config import load_jobs_for
    from riotjobs.tasks.registry import REGISTRY

    jobs = load_jobs_for(settings, registry=REGISTRY)
    gaps = {
        job.id: schedule_gap(job.spec.schedule)
        for job in jobs.jobs.values()
        if TRACKED_TASK in job.spec.tasks
    }
    if not gaps:
        return timedelta(minutes=fallback_minutes), "tracked_interval_fallback_minutes"
    job_id = min(gaps, key=lambda key: gaps[key])
    return gaps[job_id], f"schedule of job {job_id}"


def schedule_gap(schedule: str, start: datetime | None = None, samples: int = 64) -> timedelta:
    """The longest gap between consecutive fire times of a cron schedule (over ``samples``)."""
    from croniter import croniter

    base: Any = start or datetime(2024, 1, 1)
    it = croniter(schedule, base)
    previous: datetime = it.get_next(datetime)
    longest = timedelta(0)
    for _ in range(samples):
        current: datetime = it.get_next(datetime)
        longest = max(longest, current - previous)
        previous = current
    return longest
