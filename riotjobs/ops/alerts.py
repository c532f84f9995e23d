"""Job incidents and the alerting decisions the runner asks for after every finished run.

Semantics (documented in the README):

- ``failed``, ``timeout`` and ``abandoned`` are *bad* runs. A bad run opens an incident for its
  job, or extends the open one (at most one is open per job).
- When the open incident reaches ``alert_after_failures`` consecutive bad runs, one alert is
  queued; later bad runs of the same incident are suppressed.
- The next ``success`` closes the incident, and queues a "recovered" message only if an alert
  was sent for it.
- ``partial``, ``skipped``, ``cancelled`` and ``running`` neither open nor close an incident (and
  do not reset the count): a partial run did its work with some item errors, a skipped run did
  nothing, a cancelled run was stopped by a person (`riotjobs cancel`).
- A bad run older than the job's latest success (an orphan reaped late) is ignored.
- A successful run marked ``slow`` (README: Duration baselines) opens or extends the job's *slow*
  incident, kept apart from the failure one, with the same rules: one ``slow`` alert once
  ``alert_after_failures`` slow runs came in a row, later ones suppressed; the next successful
  run that is not slow closes it and queues a recovery if an alert went out. Other statuses
  leave the slow incident alone.
- ``Event("banned", ...)`` events of one run become one batched message.

Messages are queued in the outbox and delivered by ``riotjobs.ops.notify`` within the caller's
budget (5 s by default). Without ``RIOTJOBS_ALERT_WEBHOOK_URL`` incidents are still kept, but
nothing is queued.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from riotjobs.db.vocab import FAILURES
from riotjobs.jobspec import Defaults
from riotjobs.ops.notify import Format, slow_text, webhook_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from riotjobs.config import Job
    from riotjobs.db.models import JobExecution, JobIncident
    from riotjobs.settings import Settings
    from riotjobs.tasks.base import Event

log = logging.getLogger("riotjobs.alerts")

BUDGET_S = 5.0


@dataclass(frozen=True)
class AlertPolicy:
    format: Format = "slack"
    after_failures: int = 1
    slow_factor: float = 3.0


@dataclass
class AfterRunReport:
    incident_id: int | None = None
    queued: tuple[str, ...] = ()
    delivered: int = 0
    undelivered: int = 0


def policy_for(job: Job | None, defaults: Defaults | None = None) -> AlertPolicy:
    """The job's alert settings (its own keys, else jobs.yaml ``defaults:``), or the defaults'."""
    if job is not None:
        return AlertPolicy(job.alert_format, job.alert_after_failures, job.slow_factor)
    defaults = defaults or Defaults()
    return AlertPolicy(defaults.alert_format, defaults.alert_after_failures, defaults.slow_factor)


def after_run(
    *,
    engine: Engine,
    settings: Settings,
    job: Job | None,
    execution: JobExecution | int,
    events: Sequence[Event] = (),
    abandoned: Sequence[int] = (),
    budget_s: float = BUDGET_S,
    deliver: bool = True,
) -> AfterRunReport | None:
    """Update the job's incident for a finalized run, queue messages, deliver the outbox.

    ``abandoned`` are earlier runs of the same job that this run found orphaned; they count
    before it. Never raises, and returns within ``budget_s`` seconds whatever the database or
    the webhook do (the work runs in a daemon thread that is given up on): alerting must not
    change a run's outcome or hold cron up. Returns ``None`` when it failed or ran out of time.
    """
    box: list[AfterRunReport | None] = [None]
    deadline = time.monotonic() + budget_s

    def work() -> None:
        try:
            execution_id = execution if isinstance(execution, int) else execution.id
            assert execution_id is not None
            policy = policy_for(job)
            for orphan in abandoned:
                _record(engine, settings, policy, orphan, ())
            report = _record(engine, settings, policy, execution_id, events)
            # Leave a margin so the thread finishes before the caller stops waiting.
            remaining = deadline - time.monotonic() - 0.2
            if deliver and remaining > 0.1 and webhook_url(settings) is not None:
                from riotjobs.ops.notify import flush

                sent = flush(engine=engine, settings=settings, budget_s=remaining)
                report.delivered, report.undelivered = sent.delivered, sent.undelivered
            box[0] = report
        except Exception as exc:
            from riotjobs.ops.notify import scrub

            message = scrub(f"{type(exc).__name__}: {exc}", settings)
            log.warning("alerting failed: %s", message.splitlines()[0][:300])

    worker = threading.Thread(target=work, name="riotjobs-alerts", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        log.warning(
            "alerting did not finish within %.0f s; queued messages go out with a later run",
            budget_s,
        )
        return None
    return box[0]


def run_finished(
    *,
    settings: Settings,
    db_url: str,
    job: Job,
    execution_id: int,
    events: Sequence[Event] = (),
    abandoned: Sequence[int] = (),
    budget_s: float = BUDGET_S,
) -> AfterRunReport | None:
    """The runner's hook: ``after_run`` on an engine of its own (the run's is disposed)."""
    try:
        from riotjobs.db.engine import create_engine

        engine = create_engine(db_url, application_name="riotjobs alerts")
    except Exception:
        log.warning("alerting failed: cannot create a database engine")
        return None
    try:
        return after_run(
            engine=engine,
            settings=settings,
            job=job,
            execution=execution_id,
            events=events,
            abandoned=abandoned,
            budget_s=budget_s,
        )
    finally:
        engine.dispose()


def after_reap(
    *,
    engine: Engine,
    execution_ids: Iterable[int],
    settings: Settings | None = None,
    budget_s: float = BUDGET_S,
) -> None:
    """Open or extend incidents for runs a reaper just marked ``abandoned``; queue the alerts
    but do not deliver them (``riotjobs status`` reaps too; runs deliver). Never raises."""
    ids = list(execution_ids)
    if not ids:
        return
    end = time.monotonic() + budget_s
    try:
        if settings is None:
            from riotjobs.settings import load_settings

            settings = load_settings()
        jobs = _jobs_or_none(settings)
        for execution_id in ids:
            remaining = end - time.monotonic()
            if remaining <= 0.1:
                log.warning("alerting: no time left for abandoned execution %d", execution_id)
                break
            job_id = _job_of(engine, execution_id)
            job = jobs.jobs.get(job_id) if jobs is not None and job_id is not None else None
            after_run(
                engine=engine,
                settings=settings,
                job=job,
                execution=execution_id,
                budget_s=remaining,
                deliver=False,
            )
    except Exception as exc:
        log.warning("alerting failed for reaped runs: %s", type(exc).__name__)


def _jobs_or_none(settings: Settings) -> Any:
    from riotjobs.config import load_jobs_for
    from riotjobs.tasks.registry import REGISTRY

    try:
        return load_jobs_for(settings, registry=REGISTRY)
    except Exception:
        return None


def _job_of(engine: Engine, execution_id: int) -> str | None:
    from sqlalchemy import text

    with engine.connect() as conn:
        value = conn.execute(
            text("SELECT job_id FROM job_executions WHERE id = :id"), {"id": execution_id}
        ).scalar()
    return None if value is None else str(value)


def _record(
    engine: Engine,
    settings: Settings,
    policy: AlertPolicy,
    execution_id: int,
    events: Sequence[Event],
) -> AfterRunReport:
    from sqlalchemy import text
    from sqlmodel import Session

    from riotjobs.db.models import JobExecution

    report = AfterRunReport()
    queued: list[str] = []
    with Session(engine, expire_on_commit=False) as session:
        # Bounded waits: a stuck lock must not stretch the 5 s budget much.
        session.execute(text("SET LOCAL lock_timeout = '2s'"))
        session.execute(text("SET LOCAL statement_timeout = '3s'"))
        run = session.get(JobExecution, execution_id)
        if run is None:
            raise LookupError(f"execution {execution_id} does not exist")
        # Runs of one job and the reaper may finish at the same moment: serialise per job.
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"riotjobs.incident:{run.job_id}"},
        )
        incident = _open_incident(session, run.job_id, "failure")
        webhook = webhook_url(settings) is not None
        if run.status in FAILURES and not _stale(session, run):
            if incident is None or incident.last_execution_id != run.id:
                incident = _extend(session, incident, run)
                if (
                    webhook
                    and incident.alerted_at is None
                    and incident.consecutive_failures >= policy.after_failures
                ):
                    _queue(session, settings, policy, "alert", run, incident)
                    incident.alerted_at = run.finished_at or _now()
                    queued.append("alert")
            report.incident_id = incident.id
        elif run.status == "success" and incident is not None:
            incident.closed_at = _now()
            incident.last_execution_id = run.id
            session.add(incident)
            if webhook and incident.alerted_at is not None:
                _queue(session, settings, policy, "recovery", run, incident)
                queued.append("recovery")
            report.incident_id = incident.id
        if run.status == "success":
            queued.extend(_slowness(session, settings, policy, run, webhook))
        banned = [event.data for event in events if event.kind == "banned"]
        if webhook and banned:
            _queue(session, settings, policy, "banned", run, None, players=banned)
            queued.append("banned")
        session.commit()
    for kind in queued:
        log.info("queued %s notification for job %s (execution %d)", kind, run.job_id, run.id)
    report.queued = tuple(queued)
    return report


def _now() -> Any:
    from riotjobs.db.models import utcnow

    return utcnow()


def _slowness(
    session: Session, settings: Settings, policy: AlertPolicy, run: JobExecution, webhook: bool
) -> list[str]:
    """The slow incident's part of a successful run: open, extend and alert, or close."""
    incident = _open_incident(session, run.job_id, "slow")
    if run.slow:
        if incident is not None and incident.last_execution_id == run.id:
            return []  # this run was already counted
        incident = _extend(session, incident, run, kind="slow")
        if (
            webhook
            and incident.alerted_at is None
            and incident.consecutive_failures >= policy.after_failures
        ):
            _queue(session, settings, policy, "slow", run, incident)
            incident.alerted_at = run.finished_at or _now()
            return ["slow"]
        return []
    if incident is None:
        return []
    incident.closed_at = _now()
    incident.last_execution_id = run.id
    session.add(incident)
    if webhook and incident.alerted_at is not None:
        _queue(session, settings, policy, "recovery", run, incident)
        return ["recovery"]
    return []


def _open_incident(session: Session, job_id: str, kind: str) -> JobIncident | None:
    from sqlmodel import col, select

    from riotjobs.db.models import JobIncident

    statement = select(JobIncident).where(
        JobIncident.job_id == job_id,
        JobIncident.kind == kind,
        col(JobIncident.closed_at).is_(None),
    )
    return session.exec(statement).first()


def _stale(session: Session, run: JobExecution) -> bool:
    """True when a later run of the job already succeeded (an orphan reaped late)."""
    from sqlalchemy import text

    later = session.execute(
        text(
            "SELECT 1 FROM job_executions WHERE job_id = :job AND status = 'success'"
            " AND started_at > :started LIMIT 1"
        ),
        {"job": run.job_id, "started": run.started_at},
    ).first()
    return later is not None


def _extend(
    session: Session, incident: JobIncident | None, run: JobExecution, kind: str = "failure"
) -> JobIncident:
    from riotjobs.db.models import JobIncident

    if incident is None:
        incident = JobIncident(
            job_id=run.job_id, kind=kind, consecutive_failures=1, last_execution_id=run.id
        )
    else:
        incident.consecutive_failures += 1
        incident.last_execution_id = run.id
    session.add(incident)
    session.flush()
    return incident


def _queue(
    session: Session,
    settings: Settings,
    policy: AlertPolicy,
    kind: str,
    run: JobExecution,
    incident: JobIncident | None,
    players: list[dict[str, Any]] | None = None,
) -> None:
    from riotjobs.ops.notify import document, enqueue, render

    doc = document(kind, run, incident, players=players, settings=settings)
    if kind == "slow" or (incident is not None and incident.kind == "slow"):
        doc["slow_factor"] = policy.slow_factor
        doc["text"] = slow_text(kind, doc, policy.slow_factor)
    enqueue(
        session=session,
        kind=kind,
        body=render(policy.format, doc),
        job_id=run.job_id,
        execution_id=run.id,
    )


def queue_for_abandoned(engine: Engine, execution_ids: list[int]) -> None:
    """``reap_orphans``'s hook for commands that hold an engine: open incidents, deliver later."""
    after_reap(engine=engine, execution_ids=execution_ids)
