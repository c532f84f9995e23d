"""What a run hands back: its result, and what the layers above (alerts, pings) hear of it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

log = logging.getLogger("riotjobs.runner")

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from riotjobs.config import Job
    from riotjobs.tasks.base import Event


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
class StartedRun:
    """What ``RunHooks.on_started`` hears once the run's ``running`` row exists."""

    job: Job
    execution_id: int


@dataclass(frozen=True)
class EndedRun:
    """What ``RunHooks.on_ended`` hears as ``run_job`` returns or raises: every outcome,
    skipped and disabled runs included. ``log_tail`` is the run's captured log."""

    job: Job
    result: RunResult
    log_tail: str


@dataclass(frozen=True)
class RunHooks:
    """Callbacks from the layers above (alerts). Each is bounded by the caller and must not
    raise; the runner logs and ignores a failure rather than change the run's outcome."""

    on_finished: Callable[[FinishedRun], None] | None = None
    on_abandoned: Callable[[Engine, list[int]], None] | None = None
    # Dead-man's-switch pings; both must return within the ping timeout.
    on_started: Callable[[StartedRun], None] | None = None
    on_ended: Callable[[EndedRun], None] | None = None


NO_HOOKS = RunHooks()


NOT_DUE = "not due"  # a catch-up run found nothing missed: nothing runs, nothing is recorded


@dataclass(frozen=True)
class RunResult:
    """How a run ended. ``execution_id`` is None for a disabled job (nothing is recorded)."""

    job_id: str
    execution_id: int | None
    # success, partial, failed, timeout, cancelled, skipped, "disabled", or NOT_DUE
    status: str
    exit_code: int
    error: str | None = None
    recorded: bool = True  # False: the row could not be written (it stays running)


def started(hooks: RunHooks, run: StartedRun) -> None:
    """Call ``on_started`` (the start ping); bounded by the hook itself, never fatal."""
    if hooks.on_started is not None:
        try:
            hooks.on_started(run)
        except Exception as exc:  # never the message: it could echo the ping URL
            log.warning("the start hook failed: %s", type(exc).__name__)


def ended(hooks: RunHooks, run: EndedRun) -> None:
    """Call ``on_ended`` (the end ping) for every outcome; never fatal."""
    if hooks.on_ended is not None:
        try:
            hooks.on_ended(run)
        except Exception as exc:
            log.warning("the end hook failed: %s", type(exc).__name__)
