"""Settings from the environment and jobs.yaml, validated into typed models.

Settings come from environment variables and an optional env file (``RIOTJOBS_ENV_FILE``,
default ``~/.config/riotjobs/env``); the environment wins. jobs.yaml is parsed with line marks so
that every validation error names the file, the line and the key, and raises ``ConfigError``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, TypedDict

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from riotjobs.errors import ConfigError, UnknownJobError, UsageError

JOB_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Five plain cron fields. Anything else (newlines, quotes, `@reboot`, extra words) could smuggle
# commands or extra lines into a crontab, so it is refused before croniter even sees it.
_CRON_FIELD = r"[0-9A-Za-z*/,\-]+"
CRON_RE = re.compile(rf"^{_CRON_FIELD}( {_CRON_FIELD}){{4}}$")
PLATFORMS = (
    "br1", "eun1", "euw1", "jp1", "kr", "la1", "la2", "me1", "na1",
    "oc1", "ph2", "ru", "sg2", "th2", "tr1", "tw2", "vn2",
)  # fmt: skip
DEFAULT_BASE_URL = "https://{routing}.api.riotgames.com"


def default_env_file() -> Path:
    return Path("~/.config/riotjobs/env").expanduser()


def data_dir() -> Path:
    """Where the embedded database lives: ``$XDG_DATA_HOME/riotjobs``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path("~/.local/share").expanduser())
    return Path(base) / "riotjobs"


class DatabaseArgs(TypedDict):
    """Where the database is, as plain values for ``riotjobs.db.engine``."""

    database_url: str | None
    data_dir: Path


class RiotArgs(TypedDict):
    """The key and where the API is, as plain values for ``riotjobs.riot.RiotClient``."""

    api_key: SecretStr | None
    base_url: str


class Settings(BaseSettings):
    """Process-wide settings. Secrets are ``SecretStr`` so they never render in reprs."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    database_url: SecretStr | None = Field(default=None, alias="RIOTJOBS_DATABASE_URL")
    riot_api_key: SecretStr | None = Field(default=None, alias="RIOT_API_KEY")
    riot_base_url: str = Field(default=DEFAULT_BASE_URL, alias="RIOTJOBS_RIOT_BASE_URL")
    config_path: Path | None = Field(default=None, alias="RIOTJOBS_CONFIG")
    platform: str = Field(default="na1", alias="RIOTJOBS_PLATFORM")
    job_timeout: PositiveInt = Field(default=90, alias="RIOTJOBS_JOB_TIMEOUT")
    alert_webhook_url: SecretStr | None = Field(default=None, alias="RIOTJOBS_ALERT_WEBHOOK_URL")
    # What the limiter assumes before Riot's headers announce the key's real application limits.
    riot_app_limits: str = Field(default="20:1,100:120", alias="RIOTJOBS_RIOT_APP_LIMITS")

    @field_validator("riot_base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or "{routing}" not in value:
            raise ValueError("must be an http(s) URL containing {routing}")
        return value.rstrip("/")

    @field_validator("riot_app_limits")
    @classmethod
    def _check_limits(cls, value: str) -> str:
        value = value.replace(" ", "")
        if not re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*(,[1-9][0-9]*:[1-9][0-9]*)*", value):
            raise ValueError("must look like 20:1,100:120 (requests:seconds, comma-separated)")
        return value

    @field_validator("platform")
    @classmethod
    def _check_platform(cls, value: str) -> str:
        value = value.lower()
        if value not in PLATFORMS:
            raise ValueError(f"unknown platform; choose one of {', '.join(PLATFORMS)}")
        return value

    def database(self) -> DatabaseArgs:
        """Keyword arguments for ``riotjobs.db.engine`` (``open_database``, ``resolve_url``): the
        libraries take plain values, not the settings object."""
        url = self.database_url.get_secret_value() if self.database_url is not None else None
        return {"database_url": url, "data_dir": data_dir()}

    def riot(self) -> RiotArgs:
        """Keyword arguments for ``RiotClient``; the key stays a ``SecretStr``."""
        return {"api_key": self.riot_api_key, "base_url": self.riot_base_url}

    def jobs_file(self) -> Path:
        """The jobs.yaml in force: RIOTJOBS_CONFIG, then ./jobs.yaml, then the shipped copy."""
        if self.config_path is not None:
            return self.config_path.expanduser()
        local = Path("jobs.yaml")
        if local.is_file():
            return local
        return Path(__file__).with_name("jobs.yaml")


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and the env file. Raises ``ConfigError`` (exit 78)."""
    env_file = Path(os.environ.get("RIOTJOBS_ENV_FILE") or default_env_file()).expanduser()
    try:
        source = env_file if env_file.is_file() else None
        return Settings(_env_file=source, **overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            var = str(err["loc"][0]) if err["loc"] else "settings"
            problems.append(f"{var}: {err['msg']}")
        raise ConfigError("invalid settings: " + "; ".join(problems)) from None


# --- jobs.yaml ---------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


AlertFormat = Literal["slack", "discord", "generic"]


class Defaults(_Strict):
    timeout: PositiveInt | None = None
    # Webhook body shape and how many consecutive bad runs open an alert (riotjobs.ops.alerts).
    alert_format: AlertFormat = "slack"
    alert_after_failures: PositiveInt = Field(default=1, le=1000)


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
    timeout: PositiveInt | None = None
    alert_format: AlertFormat | None = None  # None: defaults.alert_format
    alert_after_failures: PositiveInt | None = Field(default=None, le=1000)
    tasks: list[TaskName] = Field(min_length=1)
    config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name", "description")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise ValueError("must not contain control characters such as newlines")
        return value

    @field_validator("schedule")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        from croniter import croniter

        value = value.strip()
        if not CRON_RE.match(value) or not croniter.is_valid(value):
            raise ValueError(f"invalid cron expression {value!r}: five fields, e.g. '*/2 * * * *'")
        return value


class JobsFile(_Strict):
    defaults: Defaults = Field(default_factory=Defaults)
    jobs: dict[str, JobSpec]

    @model_validator(mode="after")
    def _ids(self) -> JobsFile:
        for job_id in self.jobs:
            if not JOB_ID_RE.match(job_id):
                raise ValueError(f"job id {job_id!r} must match {JOB_ID_RE.pattern}")
        return self


class Job:
    """A validated job: its spec, its settings resolved against ``defaults:`` (timeout, alert
    format and threshold) and the typed model of its config."""

    def __init__(
        self,
        job_id: str,
        spec: JobSpec,
        timeout: int,
        *,
        registry: TaskRegistry,
        defaults: Defaults | None = None,
    ) -> None:
        defaults = defaults or Defaults()
        self.registry = registry
        self.id = job_id
        self.spec = spec
        self.timeout = timeout
        self.alert_format: AlertFormat = spec.alert_format or defaults.alert_format
        self.alert_after_failures: int = spec.alert_after_failures or defaults.alert_after_failures

    @property
    def name(self) -> str:
        return self.spec.name or self.id

    @cached_property
    def config_model(self) -> type[BaseModel]:
        return self.registry.config_model(self.spec.tasks)

    def config_keys(self) -> list[str]:
        return sorted(self.config_model.model_fields)

    def effective_config(self, overrides: Mapping[str, Any] | None = None) -> BaseModel:
        """Task defaults, then jobs.yaml, then database overrides; validated and typed."""
        merged = {**self.spec.config, **(overrides or {})}
        try:
            return self.config_model.model_validate(merged)
        except ValidationError as exc:
            raise UsageError(f"job {self.id}: " + _describe(exc, self.config_keys())) from None


class JobsConfig:
    """All jobs of one jobs.yaml file."""

    def __init__(self, path: Path, jobs: dict[str, Job], defaults: Defaults | None = None) -> None:
        self.path = path
        self.jobs = jobs
        self.defaults = defaults or Defaults()

    def get(self, job_id: str) -> Job:
        try:
            return self.jobs[job_id]
        except KeyError:
            known = ", ".join(sorted(self.jobs)) or "none"
            raise UnknownJobError(
                f"unknown job {job_id!r} (jobs in {self.path}: {known})"
            ) from None


def _describe(exc: ValidationError, allowed: list[str]) -> str:
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown key {key!r}; allowed keys: {', '.join(allowed)}")
        else:
            parts.append(f"{key}: {err['msg']}")
    return "; ".join(parts)


def load_jobs(path: Path, *, registry: TaskRegistry, default_timeout: int = 90) -> JobsConfig:
    """Parse and validate a jobs.yaml against the given tasks. Every problem raises
    ``ConfigError`` with file:line: key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read jobs file: {exc.strerror}") from None
    raw, lines = _parse_with_lines(path, text)
    try:
        parsed = JobsFile.model_validate(raw, context={"registry": registry})
    except ValidationError as exc:
        raise _located(path, exc, lines, prefix=()) from None
    jobs: dict[str, Job] = {}
    for job_id, spec in parsed.jobs.items():
        timeout = spec.timeout or parsed.defaults.timeout or default_timeout
        job = Job(job_id, spec, timeout, registry=registry, defaults=parsed.defaults)
        try:
            job.config_model.model_validate(spec.config)
        except ValidationError as exc:
            raise _located(path, exc, lines, prefix=("jobs", job_id, "config")) from None
        jobs[job_id] = job
    return JobsConfig(path, jobs, parsed.defaults)


def load_jobs_for(settings: Settings, *, registry: TaskRegistry) -> JobsConfig:
    return load_jobs(settings.jobs_file(), registry=registry, default_timeout=settings.job_timeout)


Path_ = tuple[str, ...]


def _located(
    path: Path, exc: ValidationError, lines: dict[Path_, int], prefix: Path_
) -> ConfigError:
    messages = []
    for err in exc.errors():
        loc = prefix + tuple(str(p) for p in err["loc"])
        if loc and loc[-1] in {"function-after", "function-before"}:
            loc = loc[:-1]
        line = _nearest_line(lines, loc)
        key = ".".join(loc) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        messages.append(f"{path}:{line}: {key}: {msg}")
    return ConfigError("\n".join(messages))


def _nearest_line(lines: dict[Path_, int], loc: Path_) -> int:
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 1)


def _parse_with_lines(path: Path, text: str) -> tuple[Any, dict[Path_, int]]:
    """Load YAML and record the 1-based line of every mapping key and sequence item."""
    # One parse gives both the nodes (for their lines) and the data; libyaml's loader when
    # PyYAML was built with it (it keeps the marks, and parses several times faster).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
        data = None if root is None else loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{line}: invalid YAML: {problem}") from None
    finally:
        loader.dispose()
    if root is None:
        raise ConfigError(f"{path}:1: jobs file is empty; it needs a top-level 'jobs:' mapping")
    lines: dict[Path_, int] = {(): root.start_mark.line + 1}

    def walk(node: yaml.Node, loc: Path_) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    line = key_node.start_mark.line + 1
                    dotted = ".".join((*loc, key))
                    raise ConfigError(f"{path}:{line}: {dotted}: duplicate key")
                seen.add(key)
                lines[(*loc, key)] = key_node.start_mark.line + 1
                walk(value_node, (*loc, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*loc, str(index))] = item.start_mark.line + 1
                walk(item, (*loc, str(index)))

    walk(root, ())
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the top level must be a mapping with a 'jobs:' key")
    return data, lines
