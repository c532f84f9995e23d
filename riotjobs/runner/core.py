"""Run one job to completion and record it: the lifecycle behind ``riotjobs run``.

1. Open the database; a disabled job (jobs.yaml or ``riotjobs jobs disable``) returns at once.
2. Take the job's advisory lock (``runs.lock``); if another run holds it, record a ``skipped``
   row naming the holder. Holding it proves any ``running`` row of the job is an orphan.
   A catch-up run that finds the job running, or no longer missed, records nothing.
3. Insert the ``running`` row; run the tasks in the main thread (each in its limiter lane).
4. Write status, exit code, counters and log tail, release the lock.

Terminals, alerts and pings are the CLI's (a progress factory, log handlers, ``RunHooks``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import riotjobs.runner.hooks as run_hooks
from riotjobs.counters import Counters
from riotjobs.db.vocab import Trigger
from riotjobs.errors import ConfigError, ExitCode, RiotJobsError, UsageError
from riotjobs.runner.hooks import NO_HOOKS, NOT_DUE, FinishedRun, RunHooks, RunResult
from riotjobs.runner.logcapture import LogTail, capture
from riotjobs.runner.logflush import LogFlusher
from riotjobs.runner.outcome import (
    Failure,
    api_verdict,
    classify,
    is_budget_exhausted,
    line,
    unrecorded,
    verdict,
)
from riotjobs.runner.start import SKIPPED, open_lock, record_skip, riot_factory, still_missed
from riotjobs.runner.watchdog import Abort, RunAborted, Watchdog
from riotjobs.runs import executions as rows
from riotjobs.runs import livelog
from riotjobs.runs.cancel import CHANNEL, CancelWatch
from riotjobs.runs.lock import exec_application_name, hostname

if TYPE_CHECKING:
    from pydantic import BaseModel

    from riotjobs.config import Job
    from riotjobs.runs.lock import JobLock
    from riotjobs.settings import Settings
    from riotjobs.tasks.base import TaskContext
    from riotjobs.tasks.progress import Progress

log = logging.getLogger("riotjobs.runner")


def run_job(
    *,
    settings: Settings,
    job: Job,
    trigger: str = "manual",
    progress_factory: Callable[[], Progress] | None = None,
    on_forced_exit: Callable[[RunResult], None] | None = None,
    log_handlers: Sequence[logging.Handler] = (),
    hooks: RunHooks = NO_HOOKS,
    started: float | None = None,
) -> RunResult:
    """Run ``job`` once and record it. Returns how it ended; raises ``DatabaseUnavailableError``
    when the database cannot be reached or is lost (the row then stays ``running`` until the next
    command reaps it). ``on_forced_exit`` is called just before the watchdog ends a stuck process.

    The job's timeout counts from ``started`` (``time.monotonic()``; the CLI passes when the
    process started), else from now. The watchdog guards the bookkeeping too, so a lock that
    another session holds on a table the run reads or writes cannot stretch the run past it.
    """
    if trigger not in set(Trigger):
        raise UsageError(f"trigger must be one of {', '.join(Trigger)}")
    begin = time.monotonic() if started is None else started
    run = _Run(settings, job, trigger, begin, hooks, on_forced_exit)
    try:
        result = run.run(progress_factory, log_handlers)
    except RiotJobsError as exc:  # the end ping hears of it too
        run._ended(run._result("failed", int(exc.exit_code), line(exc), recorded=False))
        raise
    run._ended(result)
    return result


class _Run:
    """One run: its lock connection, its row, its engine, and the watchdog over all of them."""

    def __init__(
        self,
        settings: Settings,
        job: Job,
        trigger: str,
        started: float,
        hooks: RunHooks,
        on_forced_exit: Callable[[RunResult], None] | None,
    ) -> None:
        self.settings, self.job, self.trigger = settings, job, trigger
        self.hooks, self.on_forced_exit = hooks, on_forced_exit
        self.lock: JobLock | None = None
        self.url = ""
        self.tail = LogTail()
        self.deadline = started + job.timeout
        self.counters = Counters()
        self.execution_id = 0
        self.orphans: list[int] = []  # runs of this job found abandoned; alerts count them
        self.contexts: list[TaskContext] = []  # the context, once built (the watchdog uses it)
        self.left = False  # the main thread has ended the watched phase (leave_tasks)
        self.watch: list[CancelWatch] = []  # once the row exists: `riotjobs cancel` requests
        self.flusher = LogFlusher(self.tail)  # started once the row exists: the live log
        self.watchdog = Watchdog(
            deadline=self.deadline,
            timeout_s=job.timeout,
            terminate=self._terminate,
            ping=self._ping,
            on_abort=self._close_clients,
            finalize_stuck=self._forced,
            cancelled=lambda: self.watch[0].poll() if self.watch else None,
        )

    def run(
        self,
        progress_factory: Callable[[], Progress] | None,
        log_handlers: Sequence[logging.Handler],
    ) -> RunResult:
        with capture(self.tail, *log_handlers):
            self.watchdog.start()
            try:
                try:
                    return self._steps(progress_factory)
                except (RunAborted, Exception):
                    if self.left:
                        raise
                    abort = self._leave()
                    if abort is None:
                        raise
                    return self._stopped_early(abort)
            finally:
                self.watchdog.stop()
                self.flusher.stop()
                if self.lock is not None:
                    self.lock.close()

    def _keep(self, lock: JobLock) -> None:
        self.lock = lock

    def _leave(self) -> Abort | None:
        """End the watched phase; the watchdog's wake-up may land while doing so."""
        try:
            abort = self.watchdog.leave_tasks()
        except RunAborted:
            abort = self.watchdog.leave_tasks()
        self.left = True
        return abort

    def _steps(self, progress_factory: Callable[[], Progress] | None) -> RunResult:
        from riotjobs.runs.jobstate import resolve_state

        self.url = open_lock(self.settings, self.job, self.deadline, self._keep)
        assert self.lock is not None
        state = resolve_state(self.job, *self.lock.stored_state())
        if not state.enabled:
            self._leave()
            log.info("job %s is disabled; nothing to do", self.job.id)
            return RunResult(self.job.id, None, "disabled", ExitCode.SUCCESS)
        try:
            config = self.job.effective_config(state.overrides)
        except UsageError as exc:
            hint = f"fix the stored overrides with `riotjobs jobs set {self.job.id} --unset KEY`"
            raise ConfigError(f"{exc} ({hint})") from None
        catch_up = self.trigger == Trigger.CATCHUP
        if not self.lock.try_acquire():
            if catch_up:  # the job is running right now: that run is no missed one
                return self._not_due("another run of the job holds its lock")
            execution_id, error = record_skip(self.lock, self.job, self.trigger)
            self._leave()
            return RunResult(self.job.id, execution_id, "skipped", SKIPPED, error)
        if catch_up and not still_missed(self.lock, self.job):
            self.lock.release()
            return self._not_due("a run started after the missed fire time")
        return self._execute(config, progress_factory)

    def _not_due(self, why: str) -> RunResult:
        self._leave()
        log.info("job %s: nothing to catch up: %s", self.job.id, why)
        return RunResult(self.job.id, None, NOT_DUE, ExitCode.SUCCESS, why)

    def _stopped_early(self, abort: Abort) -> RunResult:
        """The deadline or a signal came before the tasks ran: most likely a statement of the
        bookkeeping waited for another session's lock. Record the row if there is one."""
        log.warning("stopping the run: %s", self._while(abort))
        error, written = self._record_stop(abort)
        if written:
            self._alerts(self.contexts[0] if self.contexts else None, budget_s=self._left_s())
        recorded = written or not self.execution_id
        return self._result(abort.status, abort.exit_code, error, recorded=recorded)

    def _record_stop(self, abort: Abort) -> tuple[str, bool]:
        """Write a stopped run's row, if it has one: the error, and whether the row was written."""
        error = self._while(abort)
        if not self.execution_id:
            return error, False
        try:
            self._record(abort.status, abort.exit_code, error, lock_timeout=1.0)
        except Exception as exc:
            return f"{error}; the run's row could not be written ({line(exc)})", False
        return error, True

    def _left_s(self) -> float:
        """What is left of timeout + 5 s: alerting must not stretch a late run past it."""
        return max(0.5, min(5.0, self.deadline + 4.0 - time.monotonic()))

    def _while(self, abort: Abort) -> str:
        """The abort's reason, with the bookkeeping statement it interrupted, if any."""
        doing = self.lock.doing if self.lock is not None else "starting and connecting"
        return f"{abort.error} while {doing}" if doing else abort.error

    def _terminate(self) -> None:
        if self.lock is None:
            return
        self.lock.cancel()  # a bookkeeping statement stuck behind another session's lock
        if self.execution_id:
            count = self.lock.terminate_backends(self.execution_id)
            log.info("terminated %d backend(s)", count)

    def _ping(self) -> None:
        if self.lock is not None:
            self.lock.ping()

    def _close_clients(self) -> None:
        for ctx in self.contexts:
            ctx.close()

    def _forced(self, abort: Abort) -> None:
        """The watchdog's last resort (the main thread is stuck): record the row, then let the
        CLI say why, even when the row cannot be written (the database is gone)."""
        error, recorded = self._while(abort), False
        try:
            error, recorded = self._record_stop(abort)
            for ctx in self.contexts:
                self._alerts(ctx, budget_s=2.0)  # the process is about to be ended: keep it short
        finally:
            result = self._result(abort.status, abort.exit_code, error, recorded=recorded)
            self._ended(result)
            if self.on_forced_exit is not None:
                self.on_forced_exit(result)

    def _execute(
        self, config: BaseModel, progress_factory: Callable[[], Progress] | None
    ) -> RunResult:
        from riotjobs.db.engine import create_engine
        from riotjobs.tasks.base import TaskContext
        from riotjobs.tasks.progress import Progress

        assert self.lock is not None
        self.lock.listen(CHANNEL)  # before the row exists: no request can come earlier
        with self.lock.cursor(doing="recording the run (job_executions)") as cur:
            found_by = f"`riotjobs run {self.job.id}` (pid {os.getpid()} on {hostname()})"
            for old in rows.abandon_running(cur, job_id=self.job.id, found_by=found_by):
                log.warning("execution %d of %s was orphaned; marked abandoned", old, self.job.id)
                self.orphans.append(old)
            self.execution_id = rows.insert_running(
                cur, job_id=self.job.id, trigger=self.trigger, timeout_s=self.job.timeout
            )
        self.watch.append(CancelWatch(self.lock, self.execution_id))
        log.info(
            "run %d of %s started (trigger %s, timeout %d s, pid %d on %s)",
            self.execution_id, self.job.id, self.trigger, self.job.timeout,
            os.getpid(), hostname(),
        )  # fmt: skip
        self.flusher.start(self.lock, self.execution_id)
        run_hooks.started(self.hooks, run_hooks.StartedRun(self.job, self.execution_id))
        app_name = exec_application_name(self.execution_id)
        engine = create_engine(self.url, application_name=app_name)
        riot = riot_factory(self.settings, self.job, self.url, self.counters, self.deadline)
        ctx = TaskContext(
            job_id=self.job.id,
            execution_id=self.execution_id,
            settings=self.settings,
            engine=engine,
            counters=self.counters,
            deadline=self.deadline,
            log=log,
            progress=progress_factory() if progress_factory else Progress(),
            riot_factory=riot,
            on_abandoned=self.hooks.on_abandoned,
        )
        self.contexts.append(ctx)
        partial, failure, abort = self._guarded_tasks(ctx, config)
        status, code, error = verdict(partial, failure, abort)
        with contextlib.suppress(Exception):
            reach, base_url = ctx.api_reach(), self.settings.riot_base_url
            status, code, error = api_verdict(status, code, error, reach, base_url)
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
            where = f"job {self.job.id} (execution {self.execution_id}, {status})"
            raise unrecorded(exc, where) from None
        self._alerts(ctx, budget_s=self._left_s())
        return self._result(status, code, error)

    def _alerts(self, ctx: TaskContext | None, budget_s: float = 5.0) -> None:
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
                    events=list(ctx.events) if ctx is not None else [],
                    abandoned=list(self.orphans),
                    budget_s=budget_s,
                )
            )
        except Exception as exc:  # never traceback: the message could echo the webhook URL
            log.warning("alerting failed: %s", type(exc).__name__)

    def _guarded_tasks(
        self, ctx: TaskContext, config: BaseModel
    ) -> tuple[str | None, Failure | None, Abort | None]:
        partial: str | None = None
        failure: Failure | None = None
        with contextlib.suppress(RunAborted):
            partial, failure = self._tasks(ctx, config)
        return partial, failure, self._leave()

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
            ctx.priority = self.job.priority_of(name)
            began = time.monotonic()
            log.info("task %s started", name)
            self.flusher.kick()  # a task boundary: the live log now
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
            log.info(
                "task %s finished: %s in %.1f s", name, outcome.status, time.monotonic() - began
            )
            self.flusher.kick()  # a task boundary: the live log now
            for failed in outcome.failures:
                log.warning("task %s: item failed: %s", name, failed)
            if outcome.status == "partial":
                first = f": {outcome.failures[0]}" if outcome.failures else ""
                partial = partial or f"task {name}: {len(outcome.failures)} item(s) failed{first}"
        return partial, None

    def _record(self, status: str, code: int, error: str | None, lock_timeout: float = 5) -> None:
        assert self.lock is not None
        with self.lock.cursor(timeout=lock_timeout, doing="recording the run") as cur:
            rows.finalize(
                cur,
                execution_id=self.execution_id,
                status=status,
                exit_code=code,
                error=error,
                counters=self.counters.as_dict(),
                log=self.tail.text(timeout=0.5),
                slow_factor=self.job.slow_factor,
                usage=self.counters.usage.rows(),
            )
            livelog.announce(cur, execution_id=self.execution_id)

    def _ended(self, result: RunResult) -> None:
        tail = self.tail.text(timeout=0.5)
        run_hooks.ended(self.hooks, run_hooks.EndedRun(self.job, result, tail))

    def _result(
        self, status: str, code: int, error: str | None, recorded: bool = True
    ) -> RunResult:
        return RunResult(self.job.id, self.execution_id or None, status, code, error, recorded)
