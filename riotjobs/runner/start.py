"""The first steps of a run: when its clock starts, the job's lock connection on a current
schema, the ``skipped`` row of a run that found the job already running, a catch-up's re-check
under the lock, and how its tasks will build their Riot client."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from riotjobs.errors import ExitCode
from riotjobs.runs import executions as rows
from riotjobs.runs.lock import JobLock

if TYPE_CHECKING:
    from riotjobs.config import Job
    from riotjobs.counters import Counters
    from riotjobs.riot.client import RiotClient
    from riotjobs.settings import Settings

log = logging.getLogger("riotjobs.runner")


def process_started() -> float:
    """When this process started, on the ``time.monotonic()`` clock (Linux: from /proc; else
    now). ``riotjobs run`` counts the job's timeout from there, interpreter start included."""
    try:
        fields = Path("/proc/self/stat").read_text().rpartition(")")[2].split()
        ticks = int(fields[19])  # starttime, in clock ticks after boot
        since_boot = float(Path("/proc/uptime").read_text().split()[0])
        age = since_boot - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic()
    return time.monotonic() - min(max(age, 0.0), 60.0)


def open_lock(
    settings: Settings, job: Job, deadline: float, keep: Callable[[JobLock], None]
) -> str:
    """Open the job's lock connection on a database with a current schema; returns its URL.
    ``keep`` hears of each connection as soon as it exists (the watchdog may have to cancel its
    statements); they end by ``deadline`` (``time.monotonic()``).

    Checked with plain psycopg: SQLAlchemy (a quarter of a second to import) is only loaded once
    the job really runs, which keeps disabled and skipped runs fast.
    """
    from riotjobs.db.engine import open_database, resolve_url
    from riotjobs.db.migrate import HEAD

    url, _ = resolve_url(**settings.database())
    lock = JobLock(url, job.id, deadline=deadline)
    keep(lock)
    if lock.schema_revision() == HEAD:
        return url
    lock.close()
    # Let open_database upgrade the embedded database or explain what is wrong (exit 78/69).
    engine, url = open_database(**settings.database(), application_name=f"riotjobs run {job.id}")
    engine.dispose()
    keep(JobLock(url, job.id, deadline=deadline))
    return url


def record_skip(lock: JobLock, job: Job, trigger: str) -> tuple[int, str]:
    """Insert the ``skipped`` row naming the lock's holder; returns (its id, the error)."""
    holder = lock.holder()
    who = holder.describe() if holder else "another process"
    error = f"job {job.id} is already running: {who}"
    with lock.cursor(doing="recording the skipped run (job_executions)") as cur:
        execution_id = rows.insert_skipped(
            cur, job_id=job.id, trigger=trigger, timeout_s=job.timeout, error=error
        )
    log.info("skipped: %s", error)
    return execution_id, error


def still_missed(lock: JobLock, job: Job) -> bool:
    """A catch-up decided again under the job's lock: of two hosts catching up at once, the
    second finds the first's row here and records nothing."""
    from datetime import UTC, datetime

    from riotjobs.runs.catchup import job_missed

    with lock.cursor(doing="reading the job's newest run (job_executions)") as cur:
        return job_missed(cur, job, datetime.now(UTC)) is not None


def riot_factory(
    settings: Settings, job: Job, url: str, counters: Counters, deadline: float
) -> Callable[[], RiotClient]:
    """Builds the run's Riot client when a task first asks (httpx is not imported before),
    with the job's reserve: its share of each window for high-priority tasks (README:
    Priorities)."""

    def build() -> RiotClient:
        from riotjobs.riot.client import RiotClient

        return RiotClient(
            **settings.riot(),
            app_limits=settings.riot_app_limits,
            db_url=url,
            counters=counters,
            deadline=deadline,
            reserve=job.reserve,
        )

    return build


SKIPPED = int(ExitCode.SKIPPED)
