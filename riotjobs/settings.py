"""Process-wide settings from the environment and an optional env file, validated.

The env file is ``RIOTJOBS_ENV_FILE``, else ``$XDG_CONFIG_HOME/riotjobs/env``; the environment
wins over it. Every problem raises ``ConfigError`` (exit 78) naming the variable, never a
secret's value. Libraries get plain values from ``Settings.database()`` and ``Settings.riot()``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from riotjobs import dburl, envfile
from riotjobs.errors import ConfigError

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
