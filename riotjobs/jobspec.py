"""The schema of jobs.yaml: what a file may say, as strict pydantic models with their bounds.

``riotjobs.config`` loads a file against these models and a task registry it is given; each
bound below says why it is there.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Annotated, Any, Literal, Protocol

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationInfo,
    field_validator,
)

from riotjobs import durations

JOB_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Five plain cron fields. Anything else (newlines, quotes, `@reboot`, extra words) could smuggle
# commands or extra lines into a crontab, so it is refused before croniter even sees it.
_CRON_FIELD = r"[0-9A-Za-z*/,\-]+"
CRON_RE = re.compile(rf"^{_CRON_FIELD}( {_CRON_FIELD}){{4}}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


AlertFormat = Literal["slack", "discord", "generic"]


# A run longer than a day is a stuck run, and larger values overflowed the database's integer.
MAX_TIMEOUT_S = 24 * 3600
Timeout = Annotated[int, Field(gt=0, le=MAX_TIMEOUT_S)]
# How many times its job's trailing median a successful run may take before it is marked slow.
SlowFactor = Annotated[float, Field(gt=1, le=1000)]
DEFAULT_SLOW_FACTOR = 3.0

# Priority lanes of the shared rate limiter (README: Priorities), highest first.
Priority = Literal["high", "normal", "low"]
PRIORITIES: tuple[Priority, ...] = ("high", "normal", "low")
# A task's lane unless jobs.yaml says otherwise; tasks not named here are normal.
TASK_PRIORITIES: dict[str, Priority] = {
    "update_tracked_players": "high",
    "check_bans": "high",
    "fetch_discovered_matches": "low",
}
# The share of every rate-limit window that only the high lane may use.
DEFAULT_RESERVE = 0.2
Reserve = Annotated[float, Field(ge=0, le=0.9)]


# catch_up.within: a missed fire time older than this is left alone (anacron's staleness rule).
# A minute at least (cron's resolution), a week at most (older misses are not "missed runs").
MIN_CATCH_UP = timedelta(minutes=1)
MAX_CATCH_UP = timedelta(days=7)


def _catch_up_window(value: Any) -> timedelta:
    if not isinstance(value, str):
        raise ValueError("must be a duration such as 30m, 6h or 1d")
    return durations.parse(value, minimum=MIN_CATCH_UP, maximum=MAX_CATCH_UP)


class CatchUp(_Strict):
    """``catch_up: {within: 6h}``: run a missed scheduled run once, if it is that recent."""

    within: Annotated[timedelta, BeforeValidator(_catch_up_window)]


class Defaults(_Strict):
    timeout: Timeout | None = None
    # Webhook body shape and how many consecutive bad runs open an alert (riotjobs.ops.alerts).
    alert_format: AlertFormat = "slack"
    alert_after_failures: PositiveInt = Field(default=1, le=1000)
    slow_factor: SlowFactor = DEFAULT_SLOW_FACTOR
    reserve: Reserve = DEFAULT_RESERVE


class TaskRegistry(Protocol):
    """What jobs.yaml is validated against: the task names there are, and the merged config
    model of a list of tasks. ``riotjobs.tasks.REGISTRY`` is the real one; config sits below the
    tasks layer, so it is handed in rather than imported."""

    def names(self) -> Collection[str]: ...

    def config_model(self, names: Sequence[str]) -> type[BaseModel]: ...


def _known_task(value: str, info: ValidationInfo) -> str:
    registry: TaskRegistry = (info.context or {})["registry"]
    known = registry.names()
    if value not in known:
        raise ValueError(f"unknown task {value!r}; known tasks: {', '.join(sorted(known))}")
    return value


TaskName = Annotated[str, AfterValidator(_known_task)]


class JobSpec(_Strict):
    """One job of jobs.yaml: a named, scheduled list of tasks and their shared config block."""

    name: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=500)
    schedule: str
    enabled: bool = True
    timeout: Timeout | None = None
    alert_format: AlertFormat | None = None  # None: defaults.alert_format
    alert_after_failures: PositiveInt | None = Field(default=None, le=1000)
    slow_factor: SlowFactor | None = None  # None: defaults.slow_factor
    catch_up: CatchUp | None = None  # None: a missed run waits for the next tick
    tasks: list[TaskName] = Field(min_length=1)
    # Every task's lane, or one per task name; unset: TASK_PRIORITIES, else normal. After
    # ``tasks``: its validator reads them.
    priority: Priority | dict[str, Priority] | None = None
    config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name", "description")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise ValueError("must not contain control characters such as newlines")
        return value

    @field_validator("priority")
    @classmethod
    def _priority_of_tasks(
        cls, value: Priority | dict[str, Priority] | None, info: ValidationInfo
    ) -> Priority | dict[str, Priority] | None:
        tasks = info.data.get("tasks") or []
        if isinstance(value, dict) and tasks and not set(value) <= set(tasks):
            unknown = ", ".join(sorted(set(value) - set(tasks)))
            raise ValueError(f"priority names tasks the job does not run: {unknown}")
        return value

    @field_validator("schedule")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        from croniter import croniter

        value = value.strip()
        if not CRON_RE.match(value) or not croniter.is_valid(value):
            raise ValueError(f"invalid cron expression {value!r}: five fields, e.g. '*/2 * * * *'")
        try:
            croniter(value).get_next()
        except Exception:  # CroniterBadDateError: no such day, e.g. 31 February
            raise ValueError(f"the schedule {value!r} never fires (no such date)") from None
        return value


class JobsFile(_Strict):
    defaults: Defaults = Field(default_factory=Defaults)
    jobs: dict[str, JobSpec]
