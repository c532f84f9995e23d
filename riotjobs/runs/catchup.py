"""Missed runs caught up, once (jobs.yaml ``catch_up: {within: 6h}``).

A job's scheduled fire time is *missed* when no run of the job, of any status or trigger, started
at or after it: a ``skipped`` row still shows cron fired, a ``cancelled`` one that a person
stopped it, an ``abandoned`` one that it ran and died (the reaper's business, not ours). Only the
newest fire time counts, so a host down for three ticks runs the job once, and only when that
fire time is within ``within`` of now: older misses wait for the next tick, like anacron's
staleness rule. A disabled job never catches up, nor one that never ran (a fresh install).

``riotjobs catch-up`` (cron's ``@reboot`` line) and the ``reap`` task find the jobs due with
``due_jobs`` and start ``riotjobs run JOB --trigger catchup`` for each (``spawn``). The runner
decides again under the job's lock (``missed_fire`` with the newest start read on the lock
connection): of two hosts catching up at once, one runs the job and the other records nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from riotjobs.db.vocab import Trigger

if TYPE_CHECKING:
    from riotjobs.config import Job

# A fire time this recent is not missed yet: cron started the run, which has not written its row
# (the reap job fires on the same minute as many jobs).
GRACE = timedelta(minutes=1)
_NEWEST_START = "SELECT max(started_at) FROM job_executions WHERE job_id = %s"


class _Executes(Protocol):
    """A psycopg connection or cursor."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...


def missed_fire(
    *,
    schedule: str,
    within: timedelta,
    now: datetime,
    last_started: datetime | None,
    tz: str = "UTC",
) -> datetime | None:
    """The fire time to catch up, or None: the newest fire time of ``schedule`` (in ``tz``) at
    least ``GRACE`` before ``now`` and at most ``within`` before it, when no run started at or
    after it (``last_started``: the newest start of any run of the job). A job that never ran
    (``last_started`` None) is not caught up: a fresh install is no missed run, and its first
    run is cron's."""
    from croniter import croniter

    latest = (now - GRACE).astimezone(ZoneInfo(tz)).replace(second=0, microsecond=0)
    # get_prev is strictly before its start: one second later includes a fire time at `latest`.
    fire: datetime = croniter(schedule, latest + timedelta(seconds=1)).get_prev(datetime)
    fire = fire.astimezone(UTC)
    if last_started is None or last_started >= fire or fire < now - within:
        return None
    return fire


def newest_start(db: _Executes, job_id: str) -> datetime | None:
    """When the newest run of the job started (any status, any trigger); None: it never ran."""
    row = db.execute(_NEWEST_START, (job_id,)).fetchone()
    return row[0] if row is not None else None


def job_missed(db: _Executes, job: Job, now: datetime) -> datetime | None:
    """The fire time of ``job`` to catch up now, or None (also for a job without ``catch_up``).
    The job's enabled state is the caller's to check."""
    if job.spec.catch_up is None:
        return None
    return missed_fire(
        schedule=job.spec.schedule,
        within=job.spec.catch_up.within,
        now=now,
        last_started=newest_start(db, job.id),
    )


@dataclass(frozen=True)
class Due:
    """A job to catch up and the fire time it missed."""

    job_id: str
    missed: datetime


def due_jobs(*, conn: Any, jobs: Iterable[Job], now: datetime | None = None) -> list[Due]:
    """The enabled jobs with ``catch_up`` whose newest fire time was missed. ``conn``: a psycopg
    connection."""
    from riotjobs.runs.jobstate import read_states

    candidates = [job for job in jobs if job.spec.catch_up is not None]
    if not candidates:
        return []
    now = now or datetime.now(UTC)
    states = read_states(conn=conn, jobs=candidates)
    due = []
    for job in candidates:
        if not states[job.id].enabled:
            continue
        missed = job_missed(conn, job, now)
        if missed is not None:
            due.append(Due(job.id, missed))
    return due


def run_command(job_id: str) -> list[str]:
    """The command that catches one job up: this interpreter's ``riotjobs run``."""
    return [sys.executable, "-m", "riotjobs", "run", job_id, "--trigger", Trigger.CATCHUP.value]


def spawn(job_ids: Sequence[str]) -> list[subprocess.Popen[bytes]]:
    """Start each job's catch-up run in its own session and return the processes without
    waiting: every run gets its own deadline and lock, and the caller (the reap job) is not held
    up. The runs inherit the environment (RIOTJOBS_CONFIG, RIOTJOBS_ENV_FILE); their logs are in
    their rows, so their output is dropped."""
    procs = []
    for job_id in job_ids:
        proc = subprocess.Popen(  # a fixed argv, no shell
            run_command(job_id),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=os.environ.copy(),
        )
        procs.append(proc)
    return procs
