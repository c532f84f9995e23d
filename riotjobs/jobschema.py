"""The schema of jobs.yaml: what a file may say, as strict pydantic models with their bounds.

``riotjobs.config`` validates a file against these models and a task registry it is given, then
keeps the plain ``riotjobs.jobspec`` values they convert to (``to_plain``): only validation
needs pydantic, so a command that finds the file's validated form cached never imports it.
Each bound below says why it is there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

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
from riotjobs.jobspec import (
    CRON_RE,
    DEFAULT_RESERVE,
    DEFAULT_SLOW_FACTOR,
    MAX_CATCH_UP,
    MAX_TIMEOUT_S,
    MIN_CATCH_UP,
    AlertFormat,
    CatchUp,
    Defaults,
    JobSpec,
    Priority,
    TaskRegistry,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Timeout = Annotated[int, Field(gt=0, le=MAX_TIMEOUT_S)]
# How many times its job's trailing median a successful run may take before it is marked slow.
SlowFactor = Annotated[float, Field(gt=1, le=1000)]

Reserve = Annotated[float, Field(ge=0, le=0.9)]


def _catch_up_window(value: Any) -> timedelta:
    if not isinstance(value, str):
        raise ValueError("must be a duration such as 30m, 6h or 1d")
    return durations.parse(value, minimum=MIN_CATCH_UP, maximum=MAX_CATCH_UP)


class CatchUpModel(_Strict):
    """``catch_up: {within: 6h}``: run a missed scheduled run once, if it is that recent."""

    within: Annotated[timedelta, BeforeValidator(_catch_up_window)]

    def to_plain(self) -> CatchUp:
        return CatchUp(within=self.within)


class DefaultsModel(_Strict):
    timeout: Timeout | None = None
    # Webhook body shape and how many consecutive bad runs open an alert (riotjobs.ops.alerts).
    alert_format: AlertFormat = "slack"
    alert_after_failures: PositiveInt = Field(default=1, le=1000)
    slow_factor: SlowFactor = DEFAULT_SLOW_FACTOR
    reserve: Reserve = DEFAULT_RESERVE

    def to_plain(self) -> Defaults:
        return Defaults(**self.model_dump())


def _known_task(value: str, info: ValidationInfo) -> str:
    registry: TaskRegistry = (info.context or {})["registry"]
    known = registry.names()
    if value not in known:
        raise ValueError(f"unknown task {value!r}; known tasks: {', '.join(sorted(known))}")
    return value


TaskName = Annotated[str, AfterValidator(_known_task)]


class JobSpecModel(_Strict):
    """One job of jobs.yaml: a named, scheduled list of tasks and their shared config block."""

    name: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=500)
    schedule: str
    enabled: bool = True
    timeout: Timeout | None = None
    alert_format: AlertFormat | None = None  # None: defaults.alert_format
    alert_after_failures: PositiveInt | None = Field(default=None, le=1000)
    slow_factor: SlowFactor | None = None  # None: defaults.slow_factor
    catch_up: CatchUpModel | None = None  # None: a missed run waits for the next tick
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

    def to_plain(self) -> JobSpec:
        values = self.model_dump(exclude={"catch_up"})
        catch_up = self.catch_up.to_plain() if self.catch_up is not None else None
        return JobSpec(**values, catch_up=catch_up)


class JobsFileModel(_Strict):
    defaults: DefaultsModel = Field(default_factory=DefaultsModel)
    jobs: dict[str, JobSpecModel]
