"""What a run hands back: its result, and what the layers above (alerts) hear when it ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
    status: str  # success, partial, failed, timeout, cancelled, skipped, or "disabled"
    exit_code: int
    error: str | None = None
    recorded: bool = True  # False: the row could not be written (it stays running)
