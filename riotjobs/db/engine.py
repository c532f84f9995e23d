"""Resolve the database URL, start the embedded server when needed, and build engines.

With ``RIOTJOBS_DATABASE_URL`` unset, riotjobs runs its embedded Postgres (riotjobs.db.embedded)
in ``$XDG_DATA_HOME/riotjobs/pgdata`` and keeps its schema current on its own. An external database
must be upgraded explicitly with ``riotjobs db upgrade``; until then commands exit 78.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import TYPE_CHECKING, Any

from riotjobs import dburl
from riotjobs.errors import (
    ConfigError,
    DatabaseUnavailableError,
    SchemaOutdatedError,
    is_database_error,
)

if TYPE_CHECKING:
    from pathlib import Path

    import psycopg
    from sqlalchemy.engine import Engine

CONNECT_TIMEOUT_S = 5


def embedded_url(data_dir: Path) -> str:
    """Start (or reuse) the embedded Postgres and return its URL.

    The server is left running after the process exits: cron starts riotjobs every few minutes
    and a cold start of Postgres on each run would cost more than the job itself.
    """
    from riotjobs.db import embedded

    return embedded.start(data_dir)


def resolve_url(database_url: str | None, data_dir: Path) -> tuple[str, bool]:
    """The SQLAlchemy URL to use and whether it is the embedded server (kept in ``data_dir``)."""
    if database_url is not None:
        return to_sqlalchemy(database_url), False
    return to_sqlalchemy(embedded_url(data_dir)), True


def to_sqlalchemy(url: str) -> str:
    """Make a libpq-style URL use the psycopg 3 driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ConfigError(
        "RIOTJOBS_DATABASE_URL must be a postgresql:// URL (riotjobs stores everything in Postgres)"
    )


def to_libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# scheme://user:password@host:port/database?query, as libpq and SQLAlchemy read it (a password
# may hold any character but "@"). Parsed here because SQLAlchemy's make_url alone costs the read
# commands a third of a second.
_URL_RE = re.compile(
    r"^(?P<scheme>[\w+]+://)(?:(?P<user>[^:/@]*)(?::(?P<password>[^@]*))?@)?"
    r"(?P<host>\[[^\]]*\]|[^/:?]*)(?::(?P<port>\d+))?(?P<rest>[/?].*)?$",
    re.DOTALL,
)


def masked(url: str) -> str:
    """The URL with its password replaced by ***."""
    return dburl.masked(url)


def _where(url: str) -> str:
    parts = _URL_RE.match(url)
    if parts is not None and parts["host"]:
        return f"{parts['host'].strip('[]')}:{parts['port'] or 5432}"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return query.get("host", ["local socket"])[0]


def unavailable(url: str, exc: BaseException) -> DatabaseUnavailableError:
    """A one-line error naming host and port and the reason, never the password."""
    text = str(exc)
    reasons = (
        ("onnection refused", "connection refused"),
        ("timeout expired", "connection timed out"),
        ("could not translate host name", "unknown host"),
        ("password authentication failed", "password authentication failed"),
        ("does not exist", "database or role does not exist"),
        ("No such file or directory", "no server on that socket"),
        ("terminating connection", "the server closed the connection"),
        ("server closed the connection", "the server closed the connection"),
        ("the database system is shutting down", "the server is shutting down"),
    )
    reason = next((nice for needle, nice in reasons if needle in text), None)
    if reason is None:
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        reason = re.sub(r"://[^@/\s]*@", "://***@", first)[:200]
    return DatabaseUnavailableError(f"cannot reach the database at {_where(url)}: {reason}")


def create_engine(url: str, *, application_name: str = "riotjobs", **kwargs: Any) -> Engine:
    """An engine whose connections carry ``application_name`` (the runner uses it to find and
    terminate a timed-out run's backends)."""
    from sqlalchemy import create_engine as sa_create_engine

    connect_args = {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "application_name": application_name[:63],
    }
    connect_args.update(kwargs.pop("connect_args", {}))
    return sa_create_engine(url, connect_args=connect_args, pool_pre_ping=False, **kwargs)


def connect(
    url: str, *, application_name: str = "riotjobs", autocommit: bool = True
) -> psycopg.Connection[Any]:
    """A raw psycopg connection (used for the run lock and the limiter)."""
    import psycopg

    try:
        return psycopg.connect(
            to_libpq(url),
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name=application_name[:63],
            # Detect a vanished peer (a dead host holding a lock) within about a minute.
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        )
    except psycopg.OperationalError as exc:
        raise unavailable(url, exc) from None


def open_database(
    database_url: str | None,
    data_dir: Path,
    *,
    application_name: str = "riotjobs",
    check_schema: bool = True,
) -> tuple[Engine, str]:
    """Resolve the URL, check it answers and that its schema is current; return engine and URL.

    The embedded database is upgraded in place; an external one raises ``SchemaOutdatedError``.
    """
    from riotjobs.db import migrate

    url, embedded = resolve_url(database_url, data_dir)
    engine = create_engine(url, application_name=application_name)
    try:
        current = migrate.current_revision(engine)
    except Exception as exc:
        engine.dispose()
        if is_database_error(exc):
            raise unavailable(url, exc) from None
        raise
    if check_schema and current != migrate.HEAD:
        if embedded:
            migrate.upgrade(engine)
        else:
            engine.dispose()
            raise _outdated(current)
    return engine, url


def open_connection(
    database_url: str | None,
    data_dir: Path,
    *,
    application_name: str = "riotjobs",
    check_schema: bool = True,
) -> tuple[psycopg.Connection[Any], str]:
    """``open_database`` as one plain psycopg connection (autocommit), with the same checks.

    The read commands use it: a few indexed SELECTs take milliseconds even on a million runs,
    while importing SQLAlchemy takes a good part of a second. Only an embedded database whose
    schema is behind loads it, to upgrade.
    """
    from riotjobs.db import migrate

    url, embedded = resolve_url(database_url, data_dir)
    conn = connect(url, application_name=application_name)
    try:
        current = migrate.revision_of(conn)
        if check_schema and current != migrate.HEAD:
            if not embedded:
                raise _outdated(current)
            engine = create_engine(url, application_name=application_name)
            try:
                migrate.upgrade(engine)
            finally:
                engine.dispose()
    except BaseException:
        conn.close()
        raise
    return conn, url


def _outdated(current: str | None) -> SchemaOutdatedError:
    from riotjobs.db import migrate

    return SchemaOutdatedError("the database schema is " + migrate.describe(current))
