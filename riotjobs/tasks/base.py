"""What a task receives (``TaskContext``) and returns (``TaskOutcome``).

Failure rules (the README's "Failures" under "The pipeline"): an item-level API or parse error is
logged and recorded with ``outcome.item_failed`` so the run ends ``partial``;
``RateLimitBudgetExhausted`` escaping a task ends that task as partial and the job moves on; any
other exception (a database error, an invalid key) fails the job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from riotjobs.counters import Counters
from riotjobs.tasks.progress import Progress

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from riotjobs.jobspec import Priority
    from riotjobs.riot.client import Reach, RiotClient
    from riotjobs.settings import Settings


class TaskConfig(BaseModel):
    """Base of every task's ``Config``: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass
class Event:
    """Something a task wants the operations layer to announce, e.g. a newly banned player."""

    kind: str
    data: dict[str, Any]


@dataclass
class TaskOutcome:
    status: Literal["success", "partial"] = "success"
    failures: list[str] = field(default_factory=list)
    note: str | None = None

    def item_failed(self, message: str) -> None:
        """Record one skipped item; the run will end ``partial``."""
        self.status = "partial"
        self.failures.append(message)


@dataclass
class TaskContext:
    """Everything a task may use. Built by the runner for each run."""

    job_id: str
    execution_id: int
    settings: Settings
    engine: Engine
    counters: Counters
    deadline: float  # time.monotonic() value after which the run is out of time
    log: logging.Logger
    progress: Progress = field(default_factory=Progress)
    events: list[Event] = field(default_factory=list)
    riot_factory: Callable[[], RiotClient] | None = None
    # The alerts layer's hook for runs a task marks abandoned (the reap task); see runs.orphans.
    on_abandoned: Callable[[Engine, list[int]], None] | None = None
    _riot: RiotClient | None = None
    # The limiter lane of the task now running (the runner sets it; README: Priorities).
    priority: Priority = "normal"

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on the run's engine; rolled back on error, closed always."""
        from sqlmodel import Session

        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise

    @property
    def riot(self) -> RiotClient:
        """The run's Riot client, built on first use so tasks without API calls need no key."""
        if self._riot is None:
            if self.riot_factory is None:
                raise RuntimeError("this run has no Riot client")
            self._riot = self.riot_factory()
        self._riot.priority = self.priority
        return self._riot

    def api_reach(self) -> Reach | None:
        """What the Riot API answered during this run; None when the run never used it."""
        return self._riot.reach() if self._riot is not None else None

    def close(self) -> None:
        if self._riot is not None:
            self._riot.close()
            self._riot = None
