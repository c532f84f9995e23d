"""A throwaway Postgres cluster a test starts and stops (initdb/pg_ctl of the host's Postgres),
for database faults that the shared test server must not suffer."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import missing


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        missing("no initdb/pg_ctl under /usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    bin: Path
    data: Path
    port: int
    user: int | None  # run the server as this uid (Postgres refuses root)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
            capture_output=True,
            check=True,
            timeout=60,
            user=self.user,
        )

    def start(self) -> None:
        self._ctl("-w", "-o", f"-p {self.port} -k {self.data} -h 127.0.0.1", "-l",
                  str(self.data / "log"), "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-w", "-m", mode, "stop")


@contextmanager
def cluster() -> Iterator[Cluster]:
    """A fresh cluster on a free port, started; stopped and deleted afterwards."""
    bindir = _bin_dir()
    user = pwd.getpwnam("postgres").pw_uid if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="rj-throwaway-"))
    data = root / "data"
    if user is not None:
        os.chmod(root, 0o755)
        os.mkdir(data, 0o700)
        os.chown(data, user, -1)
    subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
        capture_output=True,
        check=True,
        timeout=120,
        user=user,
    )
    db = Cluster(bindir, data, _free_port(), user)
    db.start()
    try:
        yield db
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            db.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
