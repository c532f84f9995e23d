"""Process-wide settings from the environment and an optional env file, validated.

The env file is ``RIOTJOBS_ENV_FILE``, else ``$XDG_CONFIG_HOME/riotjobs/env``; the environment
wins over it. Only the documented names are read, exactly as written (a generic
``DATABASE_URL`` belongs to some other program). Every problem raises ``ConfigError`` (exit 78)
naming the variable, never a secret's value. Libraries get plain values from
``Settings.database()`` and ``Settings.riot()``.

Plain Python rather than pydantic-settings: every command reads its settings first, and
importing pydantic's settings machinery cost a read command such as ``riotjobs status`` about a
sixth of a second.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from riotjobs import dburl, envfile
from riotjobs.errors import ConfigError
from riotjobs.secret import Secret

PLATFORMS = (
    "br1", "eun1", "euw1", "jp1", "kr", "la1", "la2", "me1", "na1",
    "oc1", "ph2", "ru", "sg2", "th2", "tr1", "tw2", "vn2",
)  # fmt: skip
DEFAULT_BASE_URL = "https://{routing}.api.riotgames.com"
DEFAULT_APP_LIMITS = "20:1,100:120"  # a development key's, until Riot's headers say otherwise
DEFAULT_JOB_TIMEOUT = 90
MAX_JOB_TIMEOUT = 24 * 3600
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

    api_key: Secret | None
    base_url: str


# --- parsing one setting: each returns the value or raises ValueError with the message ------


def _database_url(value: str) -> Secret:
    try:
        dburl.check(value)
    except dburl.DatabaseURLError as exc:
        raise ValueError(str(exc)) from None
    return Secret(value)


def _base_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or "{routing}" not in value:
        raise ValueError("must be an http(s) URL containing {routing}")
    return value.rstrip("/")


def _config_path(value: str) -> Path:
    if not value.strip():
        raise ValueError("is empty: unset it to use ./jobs.yaml or the shipped jobs file")
    return Path(value)


def _platform(value: str) -> str:
    value = value.strip().lower()
    if value not in PLATFORMS:
        raise ValueError(f"unknown platform; choose one of {', '.join(PLATFORMS)}")
    return value


def _job_timeout(value: str) -> int:
    bounds = f"must be a whole number of seconds from 1 to {MAX_JOB_TIMEOUT}"
    try:
        number = float(value.strip())
    except ValueError:
        raise ValueError(bounds) from None
    if not number.is_integer() or not 0 < number <= MAX_JOB_TIMEOUT:
        raise ValueError(bounds)
    return int(number)


def _app_limits(value: str) -> str:
    value = value.replace(" ", "")
    if not re.fullmatch(r"[1-9][0-9]*:[1-9][0-9]*(,[1-9][0-9]*:[1-9][0-9]*)*", value):
        raise ValueError("must look like 20:1,100:120 (requests:seconds, comma-separated)")
    return value


@dataclass(frozen=True)
class _Field:
    attr: str
    env: str
    parse: Callable[[str], Any]
    default: Any = None


FIELDS = (
    _Field("database_url", "RIOTJOBS_DATABASE_URL", _database_url),
    _Field("riot_api_key", "RIOT_API_KEY", Secret),
    _Field("riot_base_url", "RIOTJOBS_RIOT_BASE_URL", _base_url, DEFAULT_BASE_URL),
    _Field("config_path", "RIOTJOBS_CONFIG", _config_path),
    _Field("platform", "RIOTJOBS_PLATFORM", _platform, "na1"),
    _Field("job_timeout", "RIOTJOBS_JOB_TIMEOUT", _job_timeout, DEFAULT_JOB_TIMEOUT),
    _Field("alert_webhook_url", "RIOTJOBS_ALERT_WEBHOOK_URL", Secret),
    # What the limiter assumes before Riot's headers announce the key's real application limits.
    _Field("riot_app_limits", "RIOTJOBS_RIOT_APP_LIMITS", _app_limits, DEFAULT_APP_LIMITS),
    _Field("ping_url", "RIOTJOBS_PING_URL", Secret),
)
# Every variable Settings reads by a fixed name (the per-job ping URLs come on top).
SETTING_NAMES = tuple(f.env for f in FIELDS)


class SettingsError(ConfigError):
    """Settings that failed their checks: ``problems`` holds (variable, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]], origin: Mapping[str, str] | None = None):
        self.problems = problems
        where = origin or {}
        parts = [
            f"{var}{f' (from {where[var]})' if var in where else ''}: {msg}"
            for var, msg in problems
        ]
        super().__init__("invalid settings: " + "; ".join(parts))


class Settings:
    """Process-wide settings. Secrets are ``Secret`` so they never render in reprs.

    ``Settings(**values)`` reads the environment; ``values`` (by variable name, such as
    ``RIOTJOBS_CONFIG``, or by attribute name, such as ``config_path``) win over it. Values may
    be strings, as the environment gives them, or already typed (a ``Path``, an ``int``).
    Raises ``SettingsError``. ``load_settings`` adds the env file.
    """

    database_url: Secret | None
    riot_api_key: Secret | None
    riot_base_url: str
    config_path: Path | None
    platform: str
    job_timeout: int
    alert_webhook_url: Secret | None
    riot_app_limits: str
    ping_url: Secret | None

    def __init__(self, **values: Any) -> None:
        known = {f.env for f in FIELDS} | {f.attr for f in FIELDS}
        unknown = sorted(set(values) - known)
        if unknown:
            raise TypeError(f"Settings() got unknown settings: {', '.join(unknown)}")
        problems: list[tuple[str, str]] = []
        for field in FIELDS:
            given = values.get(field.env, values.get(field.attr))
            if given is None:
                given = os.environ.get(field.env)
            if isinstance(given, int | float | Path):  # typed by a caller: checked all the same
                given = str(given)
            if given is None:
                setattr(self, field.attr, field.default)
            elif isinstance(given, Secret):
                setattr(self, field.attr, given)
            else:
                try:
                    setattr(self, field.attr, field.parse(given))
                except ValueError as exc:
                    problems.append((field.env, str(exc)))
        if problems:
            raise SettingsError(problems)
        # RIOTJOBS_PING_URL_<JOB> settings: their names are not known in advance (load_settings).
        self._job_ping_urls: dict[str, Secret] = {}

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.attr}={getattr(self, f.attr)!r}" for f in FIELDS)
        return f"Settings({shown})"

    def adopt_ping_urls(self, values: Mapping[str, str]) -> None:
        """Keep the ``RIOTJOBS_PING_URL_<JOB>`` settings of ``values``; raises ``ConfigError``
        for a value that is not an http(s) URL (or ``off``)."""
        for name, value in values.items():
            if name.startswith(PING_URL + "_") and value.strip():
                _check_ping_url(name, value)
                self._job_ping_urls[name] = Secret(value.strip())

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
        """Keyword arguments for ``RiotClient``; the key stays a ``Secret``."""
        return {"api_key": self.riot_api_key, "base_url": self.riot_base_url}

    def jobs_file(self) -> Path:
        """The jobs.yaml in force: RIOTJOBS_CONFIG, then ./jobs.yaml, then the shipped copy."""
        return jobs_file(self.config_path)


def jobs_file(config_path: Path | None) -> Path:
    """The jobs.yaml in force for a RIOTJOBS_CONFIG value (None: unset): that file, then
    ./jobs.yaml, then the shipped copy."""
    if config_path is not None:
        return config_path.expanduser()
    local = Path("jobs.yaml")
    if local.is_file():
        return local
    return Path(__file__).with_name("jobs.yaml")


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and the env file. Raises ``ConfigError`` (exit 78)."""
    path = env_file()
    # The environment wins over the file: only variables it does not set come from the file.
    from_file = {k: v for k, v in envfile.read(path).items() if k not in os.environ}
    values: dict[str, Any] = {k: v for k, v in from_file.items() if k in SETTING_NAMES}
    try:
        settings = Settings(**values, **overrides)
    except SettingsError as exc:
        raise SettingsError(exc.problems, {var: str(path) for var in from_file}) from None
    if settings.ping_url is not None and settings.ping_url.get_secret_value().strip():
        _check_ping_url(PING_URL, settings.ping_url.get_secret_value())
    settings.adopt_ping_urls({**from_file, **os.environ})
    return settings
