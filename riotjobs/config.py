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

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from riotjobs import dburl, envfile, yamlfile
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
# Dead-man's-switch pings (riotjobs.ops.pings): a default for every job (the job id is appended,
# as healthchecks' slug URLs want) and one setting per job, RIOTJOBS_PING_URL_<JOB>. All secrets.
PING_URL = "RIOTJOBS_PING_URL"
PING_OFF = "off"  # a job's own setting with this value sends no pings despite the default


def ping_setting(job_id: str) -> str:
    """``RIOTJOBS_PING_URL_<JOB>``: the job id upper-cased, other characters than letters and
    digits as ``_``."""
    return f"{PING_URL}_{re.sub(r'[^A-Z0-9]', '_', job_id.upper())}"


def _check_ping_url(name: str, value: str) -> None:
    if value.strip().lower() == PING_OFF and name != PING_URL:
        return
    if not value.strip().startswith(("http://", "https://")):
        # The value is a secret: the message names the setting only.
        also = f" (or {PING_OFF!r})" if name != PING_URL else ""
        raise ConfigError(f"invalid settings: {name}: must be an http(s) URL{also}")


def default_env_file() -> Path:
    """``$XDG_CONFIG_HOME/riotjobs/env`` (``~/.config/riotjobs/env`` when that is unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    return Path(base) / "riotjobs" / "env"


def env_file() -> Path:
    """The env file in force: ``RIOTJOBS_ENV_FILE``, else the default."""
    return Path(os.environ.get("RIOTJOBS_ENV_FILE") or default_env_file()).expanduser()


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
    job_timeout: int = Field(default=90, gt=0, le=24 * 3600, alias="RIOTJOBS_JOB_TIMEOUT")
    alert_webhook_url: SecretStr | None = Field(default=None, alias="RIOTJOBS_ALERT_WEBHOOK_URL")
    # What the limiter assumes before Riot's headers announce the key's real application limits.
    riot_app_limits: str = Field(default="20:1,100:120", alias="RIOTJOBS_RIOT_APP_LIMITS")
    ping_url: SecretStr | None = Field(default=None, alias=PING_URL)
    # RIOTJOBS_PING_URL_<JOB> settings: their names are not known in advance (load_settings).
    _job_ping_urls: dict[str, SecretStr] = PrivateAttr(default_factory=dict)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                dburl.check(value.get_secret_value())
            except dburl.DatabaseURLError as exc:
                # Re-raised without the value: pydantic would otherwise keep it as the input.
                raise ValueError(str(exc)) from None
        return value

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

    def adopt_ping_urls(self, values: Mapping[str, str]) -> None:
        """Keep the ``RIOTJOBS_PING_URL_<JOB>`` settings of ``values``; raises ``ConfigError``
        for a value that is not an http(s) URL (or ``off``)."""
        for name, value in values.items():
            if name.startswith(PING_URL + "_") and value.strip():
                _check_ping_url(name, value)
                self._job_ping_urls[name] = SecretStr(value.strip())

    def job_ping_settings(self) -> list[str]:
        """The names of the ``RIOTJOBS_PING_URL_<JOB>`` settings given (values are secrets)."""
        return sorted(self._job_ping_urls)

    def ping_url_for(self, job_id: str) -> str | None:
        """The job's ping URL: its own setting, else the default with the job id appended."""
        own = self._job_ping_urls.get(ping_setting(job_id))
        if own is not None:
            value = own.get_secret_value()
            return None if value.lower() == PING_OFF else value
        base = self.ping_url.get_secret_value().strip() if self.ping_url is not None else ""
        return f"{base.rstrip('/')}/{job_id}" if base else None

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
    path = env_file()
    # The environment wins over the file: only variables it does not set come from the file.
    from_file = {k: v for k, v in envfile.read(path).items() if k not in os.environ}
    fields = {f.alias for f in Settings.model_fields.values() if f.alias}
    values: dict[str, Any] = {k: v for k, v in from_file.items() if k in fields}
    try:
        settings = Settings(_env_file=None, **values, **overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            var = str(err["loc"][0]) if err["loc"] else "settings"
            origin = f" (from {path})" if var in from_file else ""
            problems.append(f"{var}{origin}: {err['msg'].removeprefix('Value error, ')}")
        raise ConfigError("invalid settings: " + "; ".join(problems)) from None
    if settings.ping_url is not None and settings.ping_url.get_secret_value().strip():
        _check_ping_url(PING_URL, settings.ping_url.get_secret_value())
    settings.adopt_ping_urls({**from_file, **os.environ})
    return settings


# --- jobs.yaml ---------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


AlertFormat = Literal["slack", "discord", "generic"]


# A run longer than a day is a stuck run, and larger values overflowed the database's integer.
MAX_TIMEOUT_S = 24 * 3600
Timeout = Annotated[int, Field(gt=0, le=MAX_TIMEOUT_S)]
# How many times its job's trailing median a successful run may take before it is marked slow.
SlowFactor = Annotated[float, Field(gt=1, le=1000)]
DEFAULT_SLOW_FACTOR = 3.0


class Defaults(_Strict):
    timeout: Timeout | None = None
    # Webhook body shape and how many consecutive bad runs open an alert (riotjobs.ops.alerts).
    alert_format: AlertFormat = "slack"
    alert_after_failures: PositiveInt = Field(default=1, le=1000)
    slow_factor: SlowFactor = DEFAULT_SLOW_FACTOR


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
        try:
            croniter(value).get_next()
        except Exception:  # CroniterBadDateError: no such day, e.g. 31 February
            raise ValueError(f"the schedule {value!r} never fires (no such date)") from None
        return value


class JobsFile(_Strict):
    defaults: Defaults = Field(default_factory=Defaults)
    jobs: dict[str, JobSpec]


class Job:
    """A validated job: its spec, its settings resolved against ``defaults:`` (timeout, alert
    format and threshold, slow factor) and the typed model of its config."""

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
        self.slow_factor: float = spec.slow_factor or defaults.slow_factor

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
            from difflib import get_close_matches

            close = get_close_matches(job_id[:100], self.jobs, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            known = ", ".join(sorted(self.jobs)) or "none"
            raise UnknownJobError(
                f"unknown job {job_id[:100]!r}: {hint}(jobs in {self.path}: {known})"
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
    """Parse and validate a jobs.yaml against the given tasks. Raises ``ConfigError`` listing
    every problem at once, one ``file:line: key: message`` line each."""
    text = yamlfile.read_text(path, "jobs file")
    raw, lines, problems = yamlfile.load(path, text)
    if not isinstance(raw, dict):
        what = "empty" if raw is None else "not a mapping"
        raise ConfigError(
            f"{path}:1: the jobs file is {what}; it needs a top-level 'jobs:' mapping"
        )
    context = {"registry": registry}
    try:
        JobsFile.model_validate({**raw, "defaults": {}, "jobs": {}}, context=context)
    except ValidationError as exc:
        problems += _located(path, exc, lines, prefix=())
    defaults = _valid(Defaults, raw.get("defaults") or {}, path, lines, ("defaults",), problems)
    entries = raw.get("jobs")
    if not isinstance(entries, dict):
        line = yamlfile.line_of(lines, ("jobs",))
        problems.append(f"{path}:{line}: jobs: required: a mapping of job id to job")
    jobs: dict[str, Job] = {}
    for job_id, spec_raw in (entries if isinstance(entries, dict) else {}).items():
        where = ("jobs", str(job_id))
        if not JOB_ID_RE.match(str(job_id)):
            line = yamlfile.line_of(lines, where)
            problems.append(f"{path}:{line}: jobs.{job_id}: job id must match {JOB_ID_RE.pattern}")
        spec = _valid(JobSpec, spec_raw, path, lines, where, problems, context)
        if spec is None:
            continue
        timeout = spec.timeout or (defaults.timeout if defaults else None) or default_timeout
        job = Job(str(job_id), spec, timeout, registry=registry, defaults=defaults)
        if _valid(job.config_model, spec.config, path, lines, (*where, "config"), problems):
            jobs[str(job_id)] = job
    if problems:
        raise ConfigError("\n".join(sorted(set(problems), key=yamlfile.by_line)))
    return JobsConfig(path, jobs, defaults)


def _valid(
    model: type[BaseModel],
    value: Any,
    path: Path,
    lines: dict[Path_, int],
    prefix: Path_,
    problems: list[str],
    context: dict[str, Any] | None = None,
) -> Any:
    """``model`` validated from ``value``, or None after adding its problems to ``problems``."""
    try:
        return model.model_validate(value, context=context)
    except ValidationError as exc:
        problems += _located(path, exc, lines, prefix=prefix)
        return None


def load_jobs_for(settings: Settings, *, registry: TaskRegistry) -> JobsConfig:
    return load_jobs(settings.jobs_file(), registry=registry, default_timeout=settings.job_timeout)


Path_ = tuple[str, ...]


def _located(path: Path, exc: ValidationError, lines: dict[Path_, int], prefix: Path_) -> list[str]:
    messages = []
    for err in exc.errors():
        loc = prefix + tuple(str(p) for p in err["loc"])
        if loc and loc[-1] in {"function-after", "function-before"}:
            loc = loc[:-1]
        line = yamlfile.line_of(lines, loc)
        key = ".".join(loc) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        messages.append(f"{path}:{line}: {key}: {msg}")
    return messages
