"""What a cron run would see, against what this shell sees: settings, database, key, data dir.

Cron starts ``riotjobs run`` with a bare environment: ``HOME``, ``LOGNAME``, ``SHELL`` and the
crontab's own variables. A riotjobs entry adds ``RIOTJOBS_ENV_FILE`` and ``RIOTJOBS_CONFIG``
(and ``XDG_DATA_HOME`` when the embedded database lives elsewhere than cron's default), so every
other setting must come from the env file. Settings exported in the operator's shell would
otherwise be silently missing under cron: a run would start a new embedded database in cron's
``$HOME`` and find nothing to do. Secrets are compared by fingerprint and never shown.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from riotjobs import envfile
from riotjobs.errors import ConfigError
from riotjobs.settings import PING_URL, SETTING_NAMES

# The settings cron must get from the env file: every Settings variable except the two that
# the crontab line carries itself.
SETTINGS = tuple(name for name in SETTING_NAMES if name != "RIOTJOBS_CONFIG")
SECRETS = ("RIOTJOBS_DATABASE_URL", "RIOT_API_KEY", "RIOTJOBS_ALERT_WEBHOOK_URL", PING_URL)
DATABASE = "RIOTJOBS_DATABASE_URL"


def setting_names(*sources: Mapping[str, str]) -> list[str]:
    """``SETTINGS`` plus the per-job ``RIOTJOBS_PING_URL_<JOB>`` settings the sources have."""
    extra = {name for source in sources for name in source if name.startswith(PING_URL + "_")}
    return [*SETTINGS, *sorted(extra)]


def is_secret(name: str) -> bool:
    return name in SECRETS or name.startswith(PING_URL + "_")


def fingerprint(value: str | None) -> str:
    """A short digest that tells two secrets apart without revealing either."""
    if value is None:
        return "unset"
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:10]


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of an env file (none when it does not exist), read as a run reads them."""
    return envfile.read(path)


@dataclass(frozen=True)
class Gap:
    """A setting this shell has that cron would not see, or would see with another value."""

    name: str
    missing: bool  # False: the env file has another value

    def describe(self) -> str:
        return f"{self.name} ({'not in the env file' if self.missing else 'differs there'})"


def gaps(*, environ: Mapping[str, str], env_file: Path) -> list[Gap]:
    """Settings exported in ``environ`` that the env file lacks or holds with another value."""
    stored = read_env_file(env_file)
    return [
        Gap(name, name not in stored)
        for name in setting_names(environ)
        if environ.get(name) and environ[name] != stored.get(name)
    ]


def loose_mode(env_file: Path) -> bool:
    """True when the env file can be read by its group or others (it holds secrets)."""
    try:
        return bool(env_file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


def _quoted(name: str, value: str) -> str:
    try:
        return envfile.quote(value)
    except ValueError:
        raise ConfigError(f"{name} contains a control character; refusing to write it") from None


def write_env_file(*, environ: Mapping[str, str], env_file: Path) -> list[str]:
    """Copy the settings exported in ``environ`` into the env file (mode 0600), replacing their
    old lines and keeping every other line. Returns the names written."""
    names = [name for name in setting_names(environ) if environ.get(name)]
    kept: list[str] = []
    if env_file.is_file():
        for raw in env_file.read_text(encoding="utf-8").splitlines():
            key = raw.strip().removeprefix("export ").split("=", 1)[0].strip()
            if key not in names:
                kept.append(raw)
    lines = kept + [f"{name}={_quoted(name, environ[name])}" for name in names]
    env_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = env_file.with_name(f".{env_file.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, env_file)
    stored = read_env_file(env_file)
    if any(stored.get(name) != environ[name] for name in names):
        raise ConfigError(f"{env_file}: a value did not read back as written; check the file")
    return names


def embedded_data_home(*, environ: Mapping[str, str], env_file: Path, cron_home: str) -> str | None:
    """The ``XDG_DATA_HOME`` cron needs to find this shell's embedded database, or None when
    cron would find it anyway (or a database URL is set, so no embedded database is used)."""
    if environ.get(DATABASE) or read_env_file(env_file).get(DATABASE):
        return None
    shell = environ.get("XDG_DATA_HOME") or str(Path(environ.get("HOME", "~")) / ".local/share")
    shell = str(Path(shell).expanduser().absolute())
    return None if shell == str(Path(cron_home) / ".local/share") else shell


def differences(
    *,
    environ: Mapping[str, str],
    shell_env_file: Path,
    cron_env_file: Path,
    cron_home: str,
    cron_data_home: str | None,
) -> list[str]:
    """How the database, key and other settings of a cron run would differ from this shell's,
    one line each, secrets by fingerprint only."""
    shell_file, cron_file = read_env_file(shell_env_file), read_env_file(cron_env_file)
    found = []
    for name in setting_names(environ, shell_file, cron_file):
        mine = environ.get(name) or shell_file.get(name)
        theirs = cron_file.get(name)
        if mine == theirs:
            continue
        if is_secret(name):
            found.append(
                f"{name}: this shell {fingerprint(mine)}, cron {fingerprint(theirs)} "
                f"(from {cron_env_file})"
            )
        else:
            found.append(f"{name}: this shell {mine or 'unset'}, cron {theirs or 'unset'}")
    if not (environ.get(DATABASE) or shell_file.get(DATABASE) or cron_file.get(DATABASE)):
        mine = environ.get("XDG_DATA_HOME") or str(Path(environ.get("HOME", "~")) / ".local/share")
        theirs = cron_data_home or str(Path(cron_home) / ".local/share")
        if str(Path(mine).expanduser().absolute()) != str(Path(theirs)):
            found.append(
                f"embedded database: this shell {Path(mine).expanduser()}/riotjobs, "
                f"cron {theirs}/riotjobs"
            )
    return found
