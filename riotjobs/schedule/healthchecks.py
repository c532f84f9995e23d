"""`riotjobs export healthchecks`: the checks to create in healthchecks.io for the enabled jobs.

One check per job, in the shape of healthchecks' management API (``POST /api/v3/checks/``):
the job's cron schedule and time zone, its id as the slug (the default ping URL appends it, as
healthchecks' slug URLs ``https://hc-ping.com/<ping-key>/<slug>`` want), and a grace period
derived from the job's timeout. The run sends ``/start`` when it begins, and healthchecks counts
a run that does not end within the grace period as down, so the grace covers the longest run
(its timeout) plus the time to record it and ping (``GRACE_MARGIN_S``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riotjobs.config import JobsConfig

GRACE_MARGIN_S = 60  # cron's start-up, recording a timed-out run, alerts and the end ping
MIN_GRACE_S = 60  # healthchecks' smallest grace period
MAX_GRACE_S = 365 * 24 * 3600  # and its largest
TAG = "riotjobs"


def grace_for(timeout_s: int) -> int:
    """The grace period of a job with this timeout, within healthchecks' bounds."""
    return max(MIN_GRACE_S, min(MAX_GRACE_S, timeout_s + GRACE_MARGIN_S))


def checks(*, jobs: JobsConfig, enabled: dict[str, bool], tz: str = "UTC") -> list[dict[str, Any]]:
    """The checks of the enabled jobs (``enabled`` from the database; jobs.yaml's flag for a
    job it does not name), ordered by job id. ``unique`` makes re-posting them idempotent."""
    found = []
    for job_id, job in sorted(jobs.jobs.items()):
        if not enabled.get(job_id, job.spec.enabled):
            continue
        check: dict[str, Any] = {
            "name": job.name,
            "slug": job_id,
            "tags": TAG,
            "schedule": job.spec.schedule,
            "tz": tz,
            "grace": grace_for(job.timeout),
            "unique": ["slug"],
        }
        if job.spec.description:
            check["desc"] = job.spec.description
        found.append(check)
    return found
