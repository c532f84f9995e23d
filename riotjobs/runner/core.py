"""Run one job to completion and record it: the lifecycle behind ``riotjobs run``.

1. Open the database; a disabled job (jobs.yaml or ``riotjobs jobs disable``) returns at once.
2. Take the job's advisory lock on a dedicated connection (``runs.lock``); if another run holds it,
   record a ``skipped`` row naming the holder. Holding the lock proves that any ``running`` row of
   the job is an orphan, so those become ``abandoned`` first.
3. Insert the ``running`` row, then run the tasks in order in the main thread, guarded by the
   watchdog (``watchdog``: deadline, SIGTERM/SIGINT, lost database).
4. Aggregate the task outcomes, write status, exit code, counters and log tail, release the lock.

The runner knows nothing about terminals or alerts: the CLI passes a progress factory, log
handlers and ``RunHooks`` (the alerts layer's ``on_finished`` and ``on_abandoned``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from riotjobs.counters import Counters
from riotjobs.db.vocab import Trigger
from riotjobs.errors import (
    ConfigError,
    DatabaseUnavailableError,
    ExitCode,
    UsageError,
    is_database_error,
)
from riotjobs.runner.logcapture import LogTail, capture
from riotjobs.runner.outcome import (
    Failure,
    classify,
    is_budget_exhausted,
    line,
    verdict,
)
from riotjobs.runner.watchdog import Abort, RunAborted, Watchdog
from riotjobs.runs import executions as rows
from riotjobs.runs.lock import JobLock, exec_application_name, hostname

if TYPE_CHECKING:
    from pydantic import BaseModel
    from sqlalchemy.engine import Engine

    from riotjobs.config import Job, Settings
    from riotjobs.riot.client import RiotClient
    from riotjobs.tasks.base import Event, TaskContext
    from riotjobs.tasks.progress import Progress

log = logging.getLogger("riotjobs.runner")


@dataclass(frozen=True)
class FinishedRun:
    """What ``RunHooks.on_finished`` hears once the run's row is final."""

    db_url: str
    job: Job
    execution_id: int
    events: list[Event]
    abandoned: list[int]  # earlier runs of the job this run found orphaned
    budget_s: float  # how long the hook may take


@dataclass(frozen=True)
class RunHooks:
    """Callbacks from the layers above (alerts). Each is bounded by the caller and must not
    raise; the runner logs and ignores a failure rather than change the run's outcome."""

    on_finished: Callable[[FinishedRun], None] | None = None
    on_abandoned: Callable[[Engine, list[int]], None] | None = None


NO_HOOKS = RunHooks()


@dataclass(frozen=True)
class RunResult:
    """How a run ended. ``execution_id`` is None for a disabled job (nothing is recorded)."""

    job_id: str
    execution_id: int | None
    status: str  # success, partial, failed, timeout, skipped, or "disabled"
    exit_code: int
    error: str | None = None


def run_job(
    *,
    settings: Settings,
    job: Job,
    trigger: str = "manual",
    progress_factory: Callable[[], Progress] | None = None,
    on_forced_exit: Callable[[RunResult], None] | None = None,
    log_handlers: Sequence[logging.Handler] = (),
    hooks: RunHooks = NO_HOOKS,
) -> RunResult:
    """Run ``job`` once and record it. Returns how it ended; raises ``DatabaseUnavailableError``
    when the database cannot be reached or is lost (the row then stays ``running`` until the next
    command reaps it). ``on_forced_exit`` is called just before the watchdog ends a stuck process.
    """
    from riotjobs.runs.jobstate import resolve_state

    if trigger not in set(Trigger):
        raise UsageError(f"trigger must be one of {', '.join(Trigger)}")
    started = time.monotonic()
    lock, url = _open(settings, job)
    try:
        state = resolve_state(job, *lock.stored_state())
        if not state.enabled:
            log.info("job %s is disabled; nothing to do", job.id)
            return RunResult(job.id, None, "disabled", ExitCode.SUCCESS)
        try:
            config = job.effective_config(state.overrides)
        except UsageError as exc:
            hint = f"fix the stored overrides with `riotjobs jobs set {job.id} --unset KEY`"
            raise ConfigError(f"{exc} ({hint})") from None
        tail = LogTail()
        with capture(tail, *log_handlers):
            if not lock.try_acquire():
                return _skip(lock, job, trigger)
            return _Run(settings, job, trigger, url, lock, tail, started, hooks).execute(
                config, progress_factory, on_forced_exit
            )
    finally:
        lock.close()


def _open(settings: Settings, job: Job) -> tuple[JobLock, str]:
    """The job's lock connection, on a database with a current schema.

    Checked with plain psycopg: SQLAlchemy (a quarter of a second to import) is only loaded once
    the job really runs, which keeps disabled and skipped runs fast.
    """
    from riotjobs.db.engine import open_database, resolve_url
    from riotjobs.db.migrate import HEAD

    url, _ = resolve_url(**settings.database())
    lock = JobLock(url, job.id)
    if lock.schema_revision() == HEAD:
        return lock, url
    lock.close()
    # Let open_database upgrade the embedded database or explain what is wrong (exit 78/69).
    engine, url = open_database(**settings.database(), application_name=f"riotjobs run {job.id}")
    engine.dispose()
    return JobLock(url, job.id), url


def _skip(lock: JobLock, job: Job, trigger: str) -> RunResult:
    holder = lock.holder()
    who = holder.describe() if holder else "another process"
    error = f"job {job.id} is already running: {who}"
    with lock.cursor() as cur:
        execution_id = rows.insert_skipped(
            cur, job_id=job.id, trigger=trigger, timeout_s=job.timeout, error=error
        )
    log.info("skipped: %s", error)
    return RunResult(job.id, execution_id, "skipped", ExitCode.SKIPPED, error)


class _Run:
    """One locked run: its row, its engine, its watchdog."""

    def __init__(
        self,
        settings: Settings,
        job: Job,
        trigger: str,
        url: str,
        lock: JobLock,
        tail: LogTail,
        started: float,
        hooks: RunHooks,
    ) -> None:
        self.settings, self.job, self.trigger, self.url = settings, job, trigger, url
        self.hooks = hooks
        self.lock, self.tail = lock, tail
        self.deadline = started + job.timeout
        self.counters = Counters()
        self.execution_id = 0
        self.orphans: list[int] = []  # runs of this job found abandoned; alerts count them

    def execute(
        self,
        config: BaseModel,
        progress_factory: Callable[[], Progress] | None,
        on_forced_exit: Callable[[RunResult], None] | None,
    ) -> RunResult:
        from riotjobs.db.engine import create_engine
        from riotjobs.tasks.base import TaskContext
        from riotjobs.tasks.progress import Progress

        holder: list[TaskContext] = []  # the context, once built (the watchdog may need it)

        def forced(abort: Abort) -> None:
            self._record(abort.status, abort.exit_code, abort.error, lock_timeout=1.0)
            for ctx in holder:
                self._alerts(ctx, budget_s=2.0)  # the process is about to be ended: keep it short
            if on_forced_exit is not None:
                on_forced_exit(self._result(abort.status, abort.exit_code, abort.error))

        def close_client() -> None:
            for ctx in holder:
                ctx.close()

        watchdog = Watchdog(
            deadline=self.deadline,
            timeout_s=self.job.timeout,
            terminate=lambda: log.info(
                "terminated %d backend(s)", self.lock.terminate_backends(self.execution_id)
            ),
            ping=self.lock.ping,
            on_abort=close_client,
            finalize_stuck=forced,
        )
        watchdog.install()
        try:
            with self.lock.cursor() as cur:
                found_by = f"`riotjobs run {self.job.id}` (pid {os.getpid()} on {hostname()})"
                for old in rows.abandon_running(cur, job_id=self.job.id, found_by=found_by):
                    log.warning(
                        "execution %d of %s was orphaned; marked abandoned", old, self.job.id
                    )
                    self.orphans.append(old)
                self.execution_id = rows.insert_running(
                    cur, job_id=self.job.id, trigger=self.trigger, timeout_s=self.job.timeout
                )
            log.info(
                "run %d of %s started (trigger %s, timeout %d s, pid %d on %s)",
                self.execution_id, self.job.id, self.trigger, self.job.timeout,
                os.getpid(), hostname(),
            )  # fmt: skip
            app_name = exec_application_name(self.execution_id)
            engine = create_engine(self.url, application_name=app_name)
            ctx = TaskContext(
                job_id=self.job.id,
                execution_id=self.execution_id,
                settings=self.settings,
                engine=engine,
                counters=self.counters,
                deadline=self.deadline,
                log=log,
                progress=progress_factory() if progress_factory else Progress(),
                riot_factory=self._riot_factory(),
                on_abandoned=self.hooks.on_abandoned,
            )
            holder.append(ctx)
            partial, failure, abort = self._guarded_tasks(ctx, config, watchdog)
            status, code, error = verdict(partial, failure, abort)
            with contextlib.suppress(Exception):
                ctx.progress.finish()
            with contextlib.suppress(Exception):
                ctx.close()
            with contextlib.suppress(Exception):
                engine.dispose()
            log.info("run %d of %s ended: %s", self.execution_id, self.job.id, status)
            try:
                self._record(status, code, error)
            except Exception as exc:
                if is_database_error(exc) or isinstance(exc, TimeoutError):
                    raise self._lost(exc) from None
                raise
        finally:
            watchdog.stop()
        self._alerts(ctx)
        return self._result(status, code, error)

    def _alerts(self, ctx: TaskContext, budget_s: float = 5.0) -> None:
        """The ``on_finished`` hook for the finalized row (incidents, alerts, banned-player
        messages). Bounded to ``budget_s`` and never allowed to change the run's outcome."""
        if self.hooks.on_finished is None:
            return
        try:
            self.hooks.on_finished(
                FinishedRun(
                    db_url=self.url,
                    job=self.job,
                    execution_id=self.execution_id,
                    events=list(ctx.events),
                    abandoned=list(self.orphans),
                    budget_s=budget_s,
                )
            )
        except Exception as exc:  # never traceback: the message could echo the webhook URL
            log.warning("alerting failed: %s", type(exc).__name__)

    def _guarded_tasks(
        self, ctx: TaskContext, config: BaseModel, watchdog: Watchdog
    ) -> tuple[str | None, Failure | None, Abort | None]:
        partial: str | None = None
        failure: Failure | None = None
        try:
            with contextlib.suppress(RunAborted):
                watchdog.start()
                partial, failure = self._tasks(ctx, config)
            abort = watchdog.leave_tasks()
        except RunAborted:  # the wake-up signal landed between the tasks and leave_tasks
            abort = watchdog.leave_tasks()
        return partial, failure, abort

    def _tasks(self, ctx: TaskContext, config: BaseModel) -> tuple[str | None, Failure | None]:
        """Run the tasks in order. Returns (why the run is partial, why it failed)."""
        from riotjobs.tasks.registry import load_task

        partial: str | None = None
        values = config.model_dump()
        for name in self.job.spec.tasks:
            module = load_task(name)
            task_config = module.Config.model_validate(
                {key: values[key] for key in module.Config.model_fields if key in values}
            )
            ctx.log = logging.getLogger(f"riotjobs.task.{name}")
            began = time.monotonic()
            log.info("task %s started", name)
            try:
                outcome = module.run(ctx, task_config)
            except Exception as exc:
                if is_budget_exhausted(exc):
                    log.warning("task %s stopped early: %s", name, exc)
                    partial = partial or f"task {name} stopped early: {line(exc)}"
                    continue
                code, message = classify(exc)
                log.error("task %s failed: %s", name, message, exc_info=True)
                return partial, Failure(code, f"task {name}: {message}")
            took = time.monotonic() - began
            log.info("task %s finished: %s in %.1f s", name, outcome.status, took)
            for failed in outcome.failures:
                log.warning("task %s: item failed: %s", name, failed)
            if outcome.status == "partial":
                count = len(outcome.failures)
                first = f": {outcome.failures[0]}" if outcome.failures else ""
                partial = partial or f"task {name}: {count} item(s) failed{first}"
        return partial, None

    def _riot_factory(self) -> Callable[[], RiotClient]:
        def build() -> RiotClient:
            from riotjobs.riot.client import RiotClient

            return RiotClient(
                **self.settings.riot(),
                app_limits=self.settings.riot_app_limits,
                db_url=self.url,
                counters=self.counters,
                deadline=self.deadline,
            )

        return build

    def _record(self, status: str, code: int, error: str | None, lock_timeout: float = 5) -> None:
        with self.lock.cursor(timeout=lock_timeout) as cur:
            rows.finalize(
                cur,
                execution_id=self.execution_id,
                status=status,
                exit_code=code,
                error=error,
                counters=self.counters.as_dict(),
                log=self.tail.text(timeout=0.5),
            )

    def _result(self, status: str, code: int, error: str | None) -> RunResult:
        return RunResult(self.job.id, self.execution_id, status, code, error)

    def _lost(self, exc: BaseException) -> DatabaseUnavailableError:
        reason = f": {line(exc)}"
        return DatabaseUnavailableError(
            f"lost the database connection during job {self.job.id} (execution "
            f"{self.execution_id}){reason}; the next riotjobs command marks the run abandoned"
        )
